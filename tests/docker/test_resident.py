"""The resident checker on the real engine: fresh answers, stale ones refused, stopped on ask."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker import environments, resident
from checker.manifest import load_lab

pytestmark = pytest.mark.docker
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the fixture course, whose checks a test may touch."""
    root = tmp_path / "course"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "course", root)
    return root


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private runtime folder for the sockets (short: Unix socket paths are limited)."""
    folder = tempfile.mkdtemp(prefix="k2c-", dir="/tmp")
    monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def target() -> Iterator[str]:
    """A fresh container of the base image, named for this test run only."""
    name = f"k2c-residenttest-{os.getpid()}"
    environments.client().containers.run(
        environments.BASE_IMAGE, ["sleep", "infinity"], name=name, detach=True, network_mode="none"
    )
    yield f"docker://{name}"
    environments.remove(name)


def _check(course: Path, runtime: str, spec: str) -> dict:
    env = {**os.environ, "K2C_ROOT": str(course), "XDG_RUNTIME_DIR": runtime,
           "K2C_RESIDENT_IDLE": "60"}  # fmt: skip
    done = subprocess.run(
        [LAB_COMMAND, "check", "demo", "--json", "--target", spec],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def _wait_for(lab, spec: str) -> None:
    deadline = time.monotonic() + 90
    while resident.ask(lab, spec) is None:
        assert time.monotonic() < deadline, "no resident checker answered"
        time.sleep(0.2)


def test_a_resident_checker_answers_fresh_and_refuses_stale_checks(
    course: Path, runtime: str, target: str
) -> None:
    """Left by a first check; answers with the target's current state; changed checks: stale."""
    lab = load_lab(course / "labs" / "demo")
    first = _check(course, runtime, target)
    assert [t["status"] for t in first["tasks"]] == ["failed", "failed"]
    _wait_for(lab, target)
    name = target.removeprefix("docker://")
    environments.client().containers.get(name).exec_run(
        ["sh", "-c", "mkdir -p /srv && echo hello > /srv/greeting"]
    )
    # Answered by the resident checker (its socket is there), with what is true now.
    answered = resident.ask(lab, target)
    assert answered is not None
    assert [t.status for t in answered.tasks] == ["passed", "failed"]
    assert [t["status"] for t in _check(course, runtime, target)["tasks"]] == ["passed", "failed"]

    # A check changed on disk: the resident checker refuses to answer and exits.
    check = course / "labs" / "demo" / "checks" / "test_demo.py"
    check.write_text(check.read_text().replace('"hello" in', '"bonjour" in'))
    assert resident.ask(lab, target) is None
    deadline = time.monotonic() + 30
    while resident.socket_path(lab, target).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not resident.socket_path(lab, target).exists()
    # The client checks in-process with the changed check (and leaves a new resident).
    assert [t["status"] for t in _check(course, runtime, target)["tasks"]] == ["failed", "failed"]
    _wait_for(lab, target)
    assert resident.stop(lab, target)
    deadline = time.monotonic() + 30
    while resident.socket_path(lab, target).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not resident.socket_path(lab, target).exists()
    assert Path(runtime, "kernel-to-cloud").stat().st_mode & 0o077 == 0
