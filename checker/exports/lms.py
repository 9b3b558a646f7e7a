"""Gradebook CSVs: the class's own, and the import files of Moodle and Canvas.

A target that could not be judged (unreachable, timed out) gets an empty grade cell in the LMS
files, so an import never enters a 0 for a learner whose machine was down; the class gradebook
CSV says why instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from checker.classroom.model import GradeRow, GradeStatus
from checker.exports.csvsafe import csv_text
from checker.manifest import Lab
from checker.report import TaskStatus


def gradebook_csv(lab: Lab, rows: Sequence[GradeRow]) -> str:
    """The class gradebook: one line per student, every task's status, evidence of identity."""
    task_ids = [task.id for task in lab.tasks]
    header = [
        "student",
        "name",
        "email",
        "section",
        "target",
        "status",
        "score",
        "max_score",
        *(f"task:{task_id}" for task_id in task_ids),
        "messages",
        "hostname",
        "nonce_status",
        "trust",
        "flags",
        "error",
        "graded_at",
    ]
    lines = [
        [
            row.student,
            row.name,
            row.email,
            row.section,
            row.target,
            row.status,
            row.score,
            row.max_score,
            *(_task_status(row, task_id) for task_id in task_ids),
            _messages(row),
            row.hostname,
            row.nonce_status,
            row.trust,
            "; ".join(row.flags),
            row.error,
            row.graded_at,
        ]
        for row in rows
    ]
    return csv_text(header, lines)


def _task_status(row: GradeRow, task_id: str) -> str:
    return next((task.status for task in row.report.tasks if task.id == task_id), "")


def _messages(row: GradeRow) -> str:
    """The first failure message of each task not passed (learner output: made safe later)."""
    return " | ".join(
        task.message
        for task in row.report.tasks
        if task.status != TaskStatus.PASSED and task.message
    )


def moodle_csv(lab: Lab, rows: Sequence[GradeRow]) -> str:
    """Moodle's "Import grades from CSV" file.

    On import, map `Email address` (or `ID number`) to the user and the lab's column to a
    grade item; `Feedback` can be mapped to that item's feedback. The two identifier columns are
    written exactly as in the roster: Moodle matches them character for character.
    """
    header = ["ID number", "Email address", "Full name", lab.title, "Feedback"]
    lines = [
        [row.student, row.email, row.name, row.score if row.judged else "", _feedback(row)]
        for row in rows
    ]
    return csv_text(header, lines, exact=(0, 1))


def canvas_csv(lab: Lab, rows: Sequence[GradeRow]) -> str:
    """Canvas's gradebook import file.

    Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment, with the
    "Points Possible" row Canvas writes in its own exports.
    A column without a Canvas assignment id makes Canvas offer to create the assignment.
    ID, SIS User ID and SIS Login ID are written exactly as in the roster: Canvas matches them.
    """
    assignment = f"{lab.title} ({lab.id})"
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]
    lines: list[list[object]] = [["Points Possible", "", "", "", "", lab.max_score]]
    lines += [
        [
            row.name or row.student,
            row.lms_id,
            row.student,
            row.email,
            row.section,
            row.score if row.judged else "",
        ]
        for row in rows
    ]
    return csv_text(header, lines, exact=(1, 2, 3))


def _feedback(row: GradeRow) -> str:
    if not row.judged:
        return f"not graded: {row.status} ({row.error})"
    if row.status == GradeStatus.MISMATCH:
        return "0: the environment graded was not yours"
    passed = [task.title for task in row.report.tasks if task.status == TaskStatus.PASSED]
    return f"{row.score}/{row.max_score}; passed: {', '.join(passed) or 'none'}"
