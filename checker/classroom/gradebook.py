"""The gradebook: SQLite in the output folder, one row per student x lab x run.

Each outcome is committed the moment it is known, so a run killed halfway keeps everything it
finished, and `--resume` grades only the learners the run has no row for. The primary key
(run, student, lab) makes a duplicate row impossible, whatever happens.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from checker.classroom.model import GradeRow, GradeStatus, NonceStatus, Outcome
from checker.report import Report

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lab TEXT NOT NULL, lab_uuid TEXT NOT NULL, engine TEXT NOT NULL, roster TEXT NOT NULL,
  started TEXT NOT NULL, finished TEXT
);
CREATE TABLE IF NOT EXISTS grades (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  student TEXT NOT NULL, lab TEXT NOT NULL,
  name TEXT, email TEXT, section TEXT, lms_id TEXT, slug TEXT NOT NULL, target TEXT NOT NULL,
  status TEXT NOT NULL, score INTEGER NOT NULL, max_score INTEGER NOT NULL, error TEXT,
  tasks TEXT NOT NULL,          -- {"task id": "passed" | "failed" | "error"}
  nonce TEXT, nonce_status TEXT, nonce_owner TEXT, hostname TEXT, machine_id TEXT, host_keys TEXT,
  flags TEXT NOT NULL,          -- ["finding", ...] of the probe
  seconds REAL, graded_at TEXT NOT NULL,
  report TEXT NOT NULL,         -- the full report, with every check's evidence
  PRIMARY KEY (run_id, student, lab)
);
"""
_COLUMNS = (
    "run_id, student, lab, name, email, section, lms_id, slug, target, status, score, "
    "max_score, error, tasks, nonce, nonce_status, nonce_owner, hostname, machine_id, "
    "host_keys, flags, seconds, graded_at, report"
)


class GradebookError(Exception):
    """The gradebook file is not one (corrupt, or another program's database)."""


class Gradebook:
    """A gradebook file; safe to write from several threads (one lock, one connection)."""

    def __init__(self, path: Path) -> None:
        """Open (creating) the gradebook at `path`, after checking it is whole.

        Raises:
            GradebookError: the file is not a database, is damaged, or is not a gradebook; it
                is left as it is (it may hold grades worth saving).
        """
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._check()
            # WAL: a reader (an export, a second terminal) never blocks the grader, and a crash
            # mid-write loses at most the row being written.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise GradebookError(
                f"{path} is not a readable gradebook ({exc}); it is left untouched: "
                "move it away or choose another --out"
            ) from None
        except GradebookError:
            self._db.close()
            raise

    def _check(self) -> None:
        """Refuse a damaged file, and a database whose tables are not a gradebook's."""
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(map(str, problems[:3])))
        tables = {
            row[0]
            for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if tables and not {"runs", "grades"} <= tables:
            raise GradebookError(
                f"{self.path} is a database but not a gradebook (tables: "
                f"{', '.join(sorted(tables))}); it is left untouched: choose another --out"
            )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def start_run(self, lab_id: str, lab_uuid: str, engine: str, roster: str) -> int:
        """Begin a new run; return its id."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO runs (lab, lab_uuid, engine, roster, started) VALUES (?,?,?,?,?)",
                (lab_id, lab_uuid, engine, roster, _now()),
            )
            return int(cursor.lastrowid or 0)

    def last_run(self, lab_id: str) -> int | None:
        """The latest run of the lab, the one `--resume` continues."""
        row = self._db.execute("SELECT max(id) FROM runs WHERE lab = ?", (lab_id,)).fetchone()
        return row[0] if row and row[0] is not None else None

    def finish_run(self, run_id: int) -> None:
        """Mark the run as complete."""
        with self._lock:
            self._db.execute("UPDATE runs SET finished = ? WHERE id = ?", (_now(), run_id))

    def graded(self, run_id: int, lab_id: str) -> set[str]:
        """Ids of the students the run has a row for."""
        rows = self._db.execute(
            "SELECT student FROM grades WHERE run_id = ? AND lab = ?", (run_id, lab_id)
        )
        return {row[0] for row in rows}

    def record(self, run_id: int, outcome: Outcome) -> bool:
        """Store one outcome (committed at once); return False when the row already exists."""
        student, report, found = outcome.student, outcome.report, outcome.probe
        values = (
            run_id,
            student.id,
            report.lab,
            student.name,
            student.email,
            student.section,
            student.lms_id,
            student.slug,
            outcome.spec,
            outcome.status,
            outcome.score,
            report.max_score,
            report.error,
            json.dumps({task.id: task.status for task in report.tasks}),
            found.nonce,
            outcome.nonce_status,
            outcome.nonce_owner,
            found.hostname,
            found.machine_id,
            found.host_keys,
            json.dumps(outcome.flags),
            outcome.seconds,
            _now(),
            json.dumps(report.to_dict()),
        )
        with self._lock:
            cursor = self._db.execute(
                f"INSERT OR IGNORE INTO grades ({_COLUMNS}) VALUES ({','.join('?' * len(values))})",
                values,
            )
            return cursor.rowcount == 1

    def rows(self, run_id: int, lab_id: str) -> list[GradeRow]:
        """Every row of the run, in student order."""
        self._db.row_factory = sqlite3.Row
        try:
            found = self._db.execute(
                "SELECT * FROM grades WHERE run_id = ? AND lab = ? ORDER BY student",
                (run_id, lab_id),
            ).fetchall()
        finally:
            self._db.row_factory = None
        return [_row(dict(item)) for item in found]


def _row(data: dict[str, Any]) -> GradeRow:
    text = {
        key: data[key] or ""
        for key in (
            "name",
            "email",
            "section",
            "lms_id",
            "error",
            "nonce",
            "nonce_owner",
            "hostname",
            "machine_id",
            "host_keys",
        )
    }
    return GradeRow(
        student=data["student"],
        slug=data["slug"],
        target=data["target"],
        status=GradeStatus(data["status"]),
        score=data["score"],
        max_score=data["max_score"],
        report=Report.from_dict(json.loads(data["report"])),
        seconds=data["seconds"] or 0.0,
        graded_at=data["graded_at"],
        flags=tuple(json.loads(data["flags"])),
        nonce_status=NonceStatus(data["nonce_status"] or ""),
        **text,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
