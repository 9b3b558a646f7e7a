"""`lab check --watch` on the real engine, with the fixture lab on a container of its own."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from checker import environments
from checker.exitcodes import ExitCode
from checker.manifest import load_lab
from checker.watch import Cycle, Interval, watch
from tests.conftest import FIXTURE_COURSE

pytestmark = pytest.mark.docker
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"


@pytest.fixture
def target() -> Iterator[str]:
    """A fresh container of the base image, named for this test run only."""
    name = f"k2c-watchtest-{os.getpid()}"
    environments.client().containers.run(
        environments.BASE_IMAGE, ["sleep", "infinity"], name=name, detach=True, network_mode="none"
    )
    yield name
    environments.remove(name)


def test_cycles_reuse_one_shell_and_read_the_target_afresh(target: str) -> None:
    """Each cycle sees the target's current state; the interval backs off while nothing changes."""
    lab = load_lab(FIXTURE_COURSE / "labs" / "demo")
    cycles: list[Cycle] = []
    waits: list[float] = []

    def on_cycle(cycle: Cycle) -> None:
        cycles.append(cycle)
        if cycle.number == 3:
            environments.client().containers.get(target).exec_run(
                ["sh", "-c", "mkdir -p /srv && echo hello > /srv/greeting"]
            )

    result = watch(
        lab,
        f"docker://{target}",
        on_cycle,
        tasks=["greeting"],
        interval=Interval(shortest=0.1, longest=0.4, current=0.1),
        sleep=waits.append,
    )
    assert not result.interrupted
    assert result.report.passed
    assert [c.report.tasks[0].status for c in cycles] == ["failed"] * 3 + ["passed"]
    assert [c.changed for c in cycles] == [True, False, False, True]
    assert waits == [0.1, 0.2, 0.4]
    assert [task.id for task in result.report.tasks] == ["greeting"]
    assert all(c.cpu_seconds < c.seconds + 1 for c in cycles)


def test_ctrl_c_stops_the_watch_with_a_message_and_exit_130(target: str, tmp_path: Path) -> None:
    """SIGINT while watching: a one-line summary and the interrupted exit code."""
    env = {**os.environ, "K2C_ROOT": str(FIXTURE_COURSE), "XDG_STATE_HOME": str(tmp_path)}
    watcher = subprocess.Popen(
        [LAB_COMMAND, "check", "demo", "--watch", "--target", f"docker://{target}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    progress = tmp_path / "kernel-to-cloud" / "progress.json"
    deadline = time.monotonic() + 60
    while not progress.exists() and time.monotonic() < deadline:
        assert watcher.poll() is None, watcher.communicate()
        time.sleep(0.1)
    assert progress.exists(), "the watch recorded no cycle"
    watcher.send_signal(signal.SIGINT)
    out, err = watcher.communicate(timeout=30)
    assert watcher.returncode == ExitCode.INTERRUPTED, out + err
    assert "stopped: 0/5 points" in out
    assert "Traceback" not in err


def test_a_target_reset_mid_watch_is_found_again_and_read_afresh(target: str) -> None:
    """The learner recreates the environment while watching: the next cycles use a new shell."""
    lab = load_lab(FIXTURE_COURSE / "labs" / "demo")
    engine = environments.client()
    cycles: list[Cycle] = []

    def on_cycle(cycle: Cycle) -> None:
        cycles.append(cycle)
        if cycle.number == 2:  # `lab reset`, in effect: a new container under the same name
            environments.remove(target)
            engine.containers.run(
                environments.BASE_IMAGE,
                ["sh", "-c", "mkdir -p /srv && echo hello > /srv/greeting && sleep infinity"],
                name=target,
                detach=True,
                network_mode="none",
            )

    result = watch(
        lab,
        f"docker://{target}",
        on_cycle,
        tasks=["greeting"],
        interval=Interval(shortest=0.1, longest=0.2, current=0.1),
        sleep=lambda _: None,
        max_cycles=8,
    )
    assert result.report.passed, [c.report.tasks[0].status for c in cycles]
    assert [c.report.tasks[0].status for c in cycles[:2]] == ["failed", "failed"]
    assert len(cycles) <= 4  # at most one cycle meets the old shell gone, then the new one passes
