"""A learner's progress, kept between runs: per lab, the last score, when, and when first passed.

Stored per user as one JSON file under the XDG state directory
(`$XDG_STATE_HOME/kernel-to-cloud/progress.json`, by default `~/.local/state/...`). Every
`lab check` of a gradable target records its tasks' statuses; a check of some tasks only
(`lab check LAB TASK...`) updates those and keeps the others' last known status, so the score
is always over the whole lab. Writes are atomic and serialised with a lock file, so two `lab`
processes never lose each other's update.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checker.report import Report

SCHEMA = 1


def state_dir() -> Path:
    """The folder of `lab`'s state for this user (XDG base directory specification)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kernel-to-cloud"


@dataclass
class LabProgress:
    """What `lab` remembers of one lab."""

    lab: str
    score: int = 0
    max_score: int = 0
    checked_at: str = ""  # ISO 8601, UTC: the last check that reached the target
    first_passed_at: str = ""  # the first check after which every task had passed
    target: str = ""
    tasks: dict[str, str] = field(default_factory=dict)  # task id -> passed | failed | error

    @property
    def passed(self) -> bool:
        """True once every task was seen passing (first_passed_at is set)."""
        return bool(self.first_passed_at)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (also what `lab status --json` prints)."""
        return {**asdict(self), "passed": self.passed}


class ProgressStore:
    """The progress file of one user; `XDG_STATE_HOME` picks another one (tests, shared hosts)."""

    def __init__(self, folder: Path | None = None) -> None:
        """Use `folder` (default: `state_dir()`); nothing is created until something is recorded."""
        self.folder = folder or state_dir()
        self.path = self.folder / "progress.json"

    def load(self) -> dict[str, LabProgress]:
        """Every lab's progress; an absent or unreadable file is no progress."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        labs = data.get("labs", {}) if isinstance(data, dict) else {}
        known = set(LabProgress.__dataclass_fields__)
        progress = {}
        for lab_id, entry in labs.items():
            if isinstance(entry, dict):
                fields = {key: value for key, value in entry.items() if key in known}
                progress[lab_id] = LabProgress(**{**fields, "lab": lab_id})
        return progress

    def get(self, lab_id: str) -> LabProgress | None:
        """One lab's progress, or None when it was never checked."""
        return self.load().get(lab_id)

    def record(
        self, report: Report, task_points: dict[str, int], now: datetime | None = None
    ) -> LabProgress:
        """Merge a report into the lab's progress and save it.

        Args:
            report: a gradable report (an ungradable one is not a result and is ignored).
            task_points: every visible task of the lab and its points: the score is over them
                all, whichever tasks this report checked.
            now: the time of the check (default: now, UTC).

        Returns:
            The lab's progress after the merge.
        """
        stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        with self._locked():
            current = self.load()
            entry = current.get(report.lab) or LabProgress(report.lab)
            if not report.gradable:
                return entry
            tasks = {k: v for k, v in entry.tasks.items() if k in task_points}
            tasks.update({task.id: task.status for task in report.tasks if task.id in task_points})
            entry.tasks = tasks
            entry.score = sum(
                points for task_id, points in task_points.items() if tasks.get(task_id) == "passed"
            )
            entry.max_score = sum(task_points.values())
            entry.checked_at = stamp
            entry.target = report.target
            every = all(tasks.get(task_id) == "passed" for task_id in task_points)
            if every and not entry.first_passed_at:
                entry.first_passed_at = stamp
            current[report.lab] = entry
            self._save(current)
        return entry

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "progress.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _save(self, progress: dict[str, LabProgress]) -> None:
        data = {
            "schema": SCHEMA,
            "labs": {
                lab_id: {k: v for k, v in asdict(entry).items() if k != "lab"}
                for lab_id, entry in sorted(progress.items())
            },
        }
        fd, temporary = tempfile.mkstemp(prefix=".progress-", dir=self.folder)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1)
        Path(temporary).replace(self.path)
