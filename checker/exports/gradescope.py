"""One student's result as JSON, in the shape of Gradescope's autograder `results.json`.

`lab grade` writes it as `results/<slug>.json` for scripts and for graders that read that
widespread shape. It is not an upload path to Gradescope: Gradescope only accepts results its
own autograder produced on its machines, and those cannot reach a learner's environment, so the
course documents no Gradescope upload (the instructors' guide says so).

Each task is a test; a hidden task is graded but its result stays hidden from the learner until
the instructor publishes the grades (`after_published`).
"""

from __future__ import annotations

from typing import Any

from checker.classroom.model import GradeRow, GradeStatus
from checker.report import TaskStatus, clean_text

OUTPUT_LIMIT = 4000


def gradescope_results(row: GradeRow) -> dict[str, Any]:
    """Return the results.json document of one student."""
    tests = []
    for task in row.report.tasks:
        passed = task.status == TaskStatus.PASSED and row.status == GradeStatus.GRADED
        output = task.message if task.status != TaskStatus.PASSED else ""
        if task.status == TaskStatus.ERROR and not output:
            output = row.error or "this task could not be checked"
        tests.append(
            {
                "name": clean_text(task.title, 200),
                "number": task.id,
                "score": task.points if passed else 0,
                "max_score": task.max_points,
                "status": "passed" if passed else "failed",
                "output": clean_text(output, OUTPUT_LIMIT),
                "visibility": "after_published" if task.hidden else "visible",
            }
        )
    return {
        "score": row.score,
        "max_score": row.max_score,
        "output": clean_text(_summary(row), OUTPUT_LIMIT),
        "visibility": "visible",
        "execution_time": round(row.seconds, 3),
        "tests": tests,
    }


def _summary(row: GradeRow) -> str:
    if row.status == GradeStatus.GRADED:
        return f"{row.report.lab}: {row.score}/{row.max_score} points"
    if row.status == GradeStatus.MISMATCH:
        return f"{row.report.lab}: not graded as yours: {row.error}"
    return f"{row.report.lab}: your environment could not be graded ({row.status}): {row.error}"
