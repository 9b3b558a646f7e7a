"""The progress store: merged per lab, kept across processes, under the XDG state directory."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from checker.progress import ProgressStore, state_dir
from checker.report import Report, TaskResult

POINTS = {"uts": 1, "pid": 2}


def _report(gradable: bool = True, **statuses: str) -> Report:
    tasks = tuple(
        TaskResult(task_id, task_id, status, POINTS[task_id] if status == "passed" else 0, 1)
        for task_id, status in statuses.items()
    )
    return Report("namespaces", "docker://k2c-namespaces", tasks, gradable=gradable)


def test_the_state_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """XDG_STATE_HOME wins; without it, ~/.local/state."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert state_dir() == tmp_path / "kernel-to-cloud"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "kernel-to-cloud"


def test_a_partial_check_updates_its_tasks_and_keeps_the_others(tmp_path: Path) -> None:
    """Scores are over the whole lab; first_passed_at is set once, when every task passed."""
    store = ProgressStore(tmp_path)
    assert store.load() == {}
    first = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    entry = store.record(_report(uts="failed", pid="failed"), POINTS, first)
    assert (entry.score, entry.max_score, entry.passed) == (0, 3, False)
    store.record(_report(uts="passed"), POINTS, first.replace(hour=11))
    entry = store.record(_report(pid="passed"), POINTS, first.replace(hour=12))
    assert entry.tasks == {"uts": "passed", "pid": "passed"}
    assert entry.score == 3
    assert entry.first_passed_at == "2026-12-01T12:00:00+00:00"
    entry = store.record(_report(uts="failed", pid="passed"), POINTS, first.replace(hour=13))
    assert entry.score == 2
    assert entry.checked_at == "2026-12-01T13:00:00+00:00"
    assert entry.first_passed_at == "2026-12-01T12:00:00+00:00"  # kept: it was passed once


def test_an_ungradable_report_records_nothing(tmp_path: Path) -> None:
    """A target that could not be reached says nothing about the learner's work."""
    store = ProgressStore(tmp_path)
    store.record(_report(gradable=False, uts="error", pid="error"), POINTS)
    assert store.load() == {}


def test_progress_survives_the_process_and_tolerates_a_damaged_file(tmp_path: Path) -> None:
    """Recorded by one process, read by another; a garbled file reads as no progress."""
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, 'tests/unit');"
        "from test_progress import _report, POINTS; from checker.progress import ProgressStore;"
        f"ProgressStore(Path({str(tmp_path)!r})).record(_report(uts='passed'), POINTS)"
    )
    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", script], check=True, cwd=repo)
    entry = ProgressStore(tmp_path).get("namespaces")
    assert entry is not None
    assert (entry.score, entry.tasks) == (1, {"uts": "passed"})
    assert entry.to_dict()["passed"] is False
    (tmp_path / "progress.json").write_text("{not json")
    assert ProgressStore(tmp_path).load() == {}
