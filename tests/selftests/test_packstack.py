"""The packstack lab's checks, proven against a real OpenStack control plane.

The cloud fixture (labs/packstack/fixture: Debian trixie's OpenStack Epoxy packages in a systemd
container) is built once per machine (cached by its inputs' hash: `labs/packstack/fixture/build`
is the same idempotent function as a command, so CI can start it early) and started fresh here;
then `lab selftest packstack --target` runs every task's reference step on it in order: the fresh
cloud fails every task, each task fails until its own step and passes after it, and the solved
cloud passes every task.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker.exitcodes import ExitCode

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "labs" / "packstack" / "fixture"
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"
NAME = f"k2c-cloud-selftest-{os.getpid()}"

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="session")
def cloud_image() -> str:
    """The cloud fixture's image tag, built first when this machine has none of its inputs."""
    started = time.monotonic()
    built = subprocess.run(
        [str(FIXTURE / "build")], capture_output=True, text=True, timeout=3600, check=False
    )
    assert built.returncode == 0, built.stderr[-3000:]
    sys.stderr.write(f"cloud fixture image ready in {time.monotonic() - started:.0f}s\n")
    return built.stdout.strip()


@pytest.fixture(scope="module")
def cloud(cloud_image: str) -> Iterator[str]:
    """A fresh cloud fixture container; its target spec. Removed afterwards."""
    started = subprocess.run(
        [str(FIXTURE / "run"), NAME], capture_output=True, text=True, timeout=600, check=False
    )
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        image = subprocess.run(
            ["docker", "inspect", "-f", "{{.Config.Image}}", NAME],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        assert image == cloud_image, f"{NAME} runs {image}, not the image just built"
        yield started.stdout.strip()
    finally:
        subprocess.run(["docker", "rm", "-f", NAME], capture_output=True, check=False)


def test_selftest_on_the_cloud_fixture(cloud: str) -> None:
    """Fresh fails, every reference step makes its task pass, each step matters."""
    env = {**os.environ, "K2C_ROOT": str(REPO), "COLUMNS": "200"}
    done = subprocess.run(
        [LAB_COMMAND, "selftest", "packstack", "--target", cloud],
        capture_output=True,
        text=True,
        env=env,
        timeout=3000,
        check=False,
    )
    assert done.returncode == ExitCode.OK, done.stdout + done.stderr
    assert "contract kept" in done.stdout
    # One line per case: fresh, one per task, solved; every one kept.
    assert done.stdout.count("✔") == 10, done.stdout
