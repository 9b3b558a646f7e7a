"""The learner's loop through the real `lab` command: start, check, solve, check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker.exitcodes import ExitCode
from checker.manifest import load_course

REPO = Path(__file__).resolve().parents[2]
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def lab(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "K2C_ROOT": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [LAB_COMMAND, *args], capture_output=True, text=True, env=env, check=False, timeout=900
    )


@pytest.mark.parametrize("lab_id", ["namespaces", "cgroups"])
def test_start_check_solve_check(lab_id: str) -> None:
    manifest = load_course(REPO).lab(lab_id)
    try:
        assert lab("start", lab_id).returncode == ExitCode.OK
        fresh = lab("check", lab_id)
        assert fresh.returncode == ExitCode.CHECKS_FAILED, fresh.stdout + fresh.stderr
        for task in manifest.tasks:
            if not task.hidden:
                assert task.title in fresh.stdout
                assert f"hint: {task.hint[:60]}" in " ".join(fresh.stdout.split())
        assert lab("solve", lab_id).returncode == ExitCode.OK
        solved = lab("check", lab_id)
        assert solved.returncode == ExitCode.OK, solved.stdout + solved.stderr
        visible = sum(task.points for task in manifest.tasks if not task.hidden)
        assert f"score: {visible}/{visible}" in solved.stdout
    finally:
        lab("finish", lab_id)
