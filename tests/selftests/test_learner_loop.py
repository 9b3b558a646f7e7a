"""The learner's loop through the real `lab` command: start, check, solve, check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker import environments
from checker.exitcodes import ExitCode
from checker.manifest import load_course

REPO = Path(__file__).resolve().parents[2]
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _env(state: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "K2C_ROOT": str(REPO), "COLUMNS": "200"}
    if state is not None:
        env["XDG_STATE_HOME"] = str(state)
    return env


def lab(*args: str, state: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LAB_COMMAND, *args],
        capture_output=True,
        text=True,
        env=_env(state),
        check=False,
        timeout=900,
    )


@pytest.mark.parametrize("lab_id", ["namespaces", "cgroups"])
def test_start_check_solve_check(lab_id: str) -> None:
    manifest = load_course(REPO).lab(lab_id)
    try:
        assert lab("start", lab_id).returncode == ExitCode.OK
        fresh = lab("check", lab_id)
        assert fresh.returncode == ExitCode.CHECKS_FAILED, fresh.stdout + fresh.stderr
        visible = [task for task in manifest.tasks if not task.hidden]
        words = " ".join(fresh.stdout.split())
        for number, task in enumerate(visible, 1):
            assert f"{number}. {task.title} {task.id} (0/{task.points})" in words
        # The first failing task's hint only (its inline code rendered), then how to see more.
        shown = [task for task in visible if _hint_words(task.hint) in words]
        assert shown == visible[:1]
        assert f"lab hint {lab_id} TASK, or lab check {lab_id} --hints" in words
        every = " ".join(lab("check", lab_id, "--hints").stdout.split())
        assert all(_hint_words(task.hint) in every for task in visible)
        assert lab("solve", lab_id).returncode == ExitCode.OK
        solved = lab("check", lab_id)
        assert solved.returncode == ExitCode.OK, solved.stdout + solved.stderr
        points = sum(task.points for task in visible)
        assert f"score: {points}/{points}" in solved.stdout
    finally:
        lab("finish", lab_id)


def _hint_words(hint: str) -> str:
    """A hint's first words as the terminal shows them: inline code without its backticks."""
    return "hint: " + " ".join(hint.replace("`", "").split()[:8])


def _progress(state: Path) -> dict:
    path = state / "kernel-to-cloud" / "progress.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def test_one_task_progress_and_watch_on_the_namespaces_lab(tmp_path: Path) -> None:
    """One task, progress, watch: the learner's loop on the real engine.

    `lab check namespaces uts` runs only uts's checks; progress is kept across runs; a watch
    sees uts turn green when its step is applied while it runs, then exits 0.
    """
    state = tmp_path / "state"
    # A container of this test's own (not the fixed k2c-namespaces): no lock needed to run it.
    manifest = load_course(REPO).lab("namespaces")
    name = f"k2c-looptest-{os.getpid()}"
    target = f"--target=docker://{name}"
    try:
        environments.start(manifest, name)
        one = lab("check", "namespaces", "uts", "--json", target, state=state)
        assert one.returncode == ExitCode.CHECKS_FAILED, one.stderr
        report = json.loads(one.stdout)
        assert [task["id"] for task in report["tasks"]] == ["uts"]
        nodes = [check["nodeid"] for check in report["tasks"][0]["checks"]]
        assert nodes
        assert all(node.startswith("test_uts.py::") for node in nodes)

        # Progress: kept by one run, read by the next ones.
        after_one = _progress(state)["labs"]["namespaces"]
        assert after_one["tasks"] == {"uts": "failed"}
        assert after_one["first_passed_at"] == ""
        others = ["pid", "net", "mount", "user"]
        solving = lab("solve", "namespaces", target, *(f"--task={t}" for t in others))
        assert solving.returncode == ExitCode.OK, solving.stderr
        status = json.loads(lab("status", "--json", state=state).stdout)
        assert status["labs"]["namespaces"]["checked_at"] == after_one["checked_at"]
        assert status["labs"]["namespaces"]["score"] == 0

        watcher = subprocess.Popen(
            [LAB_COMMAND, "check", "namespaces", "--watch", target],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(state),
        )
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                tasks = _progress(state)["labs"]["namespaces"]["tasks"]
                if tasks == {"uts": "failed", **{t: "passed" for t in others}}:
                    break
                assert watcher.poll() is None, watcher.communicate()
                time.sleep(0.2)
            else:
                pytest.fail("the watch never recorded a cycle with only uts failing")
            assert watcher.poll() is None  # still watching: uts is not done
            assert lab("solve", "namespaces", target, "--task", "uts").returncode == ExitCode.OK
            out, err = watcher.communicate(timeout=120)
        finally:
            if watcher.poll() is None:
                watcher.kill()
                watcher.communicate()
        assert watcher.returncode == ExitCode.OK, out + err
        assert "every task passes: 10/10 points" in out
        final = json.loads(lab("list", "--json", state=state).stdout)
        [namespaces] = [entry for entry in final["labs"] if entry["id"] == "namespaces"]
        assert namespaces["progress"]["score"] == 10
        assert namespaces["progress"]["first_passed_at"] >= after_one["checked_at"]
    finally:
        environments.remove(name)
