"""Write a grading run's exports into the output folder, and nowhere else.

Every file name is fixed or made from a student's slug (never the raw id), and each path is
checked to resolve inside the folder before anything is written, so a hostile roster cannot
write outside it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from checker.exports.grades import GradeRow
from checker.exports.gradescope import gradescope_results
from checker.exports.html_report import class_report_html
from checker.exports.junit import junit_xml
from checker.exports.lms import canvas_csv, gradebook_csv, moodle_csv
from checker.manifest import Lab

GRADEBOOK = "gradebook.sqlite"


class OutsideOutput(Exception):
    """A path would have left the output folder."""


def inside(out: Path, *parts: str) -> Path:
    """Join `parts` under `out`, refusing any result outside it.

    Raises:
        OutsideOutput: the path escapes the folder (`..`, absolute parts, symlinks).
    """
    root = out.resolve()
    path = root.joinpath(*parts).resolve()
    if path == root or root not in path.parents:
        raise OutsideOutput(f"{path} is not inside the output folder {root}")
    return path


def _write(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a report."""
    fd, temporary = tempfile.mkstemp(prefix=".k2c-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
        stream.write(text)
    Path(temporary).replace(path)


def write_outputs(out: Path, lab: Lab, rows: Sequence[GradeRow], run: str = "") -> list[Path]:
    """Write every export of the run; return the files written."""
    documents = {
        "gradebook.csv": gradebook_csv(lab, rows),
        "gradebook.json": json.dumps(
            {
                "lab": lab.id,
                "lab_uuid": lab.uuid,
                "run": run,
                "grades": [_json_row(row) for row in rows],
            },
            indent=1,
        ),
        "report.html": class_report_html(lab, rows, run=run),
        "junit.xml": junit_xml(
            [row.report for row in rows], names=[f"{lab.id}@{row.student}" for row in rows]
        ),
        "moodle.csv": moodle_csv(lab, rows),
        "canvas.csv": canvas_csv(lab, rows),
    }
    written = []
    for name, text in documents.items():
        path = inside(out, name)
        _write(path, text)
        written.append(path)
    results = inside(out, "results")
    results.mkdir(exist_ok=True)
    for row in rows:
        path = inside(out, "results", f"{row.slug}.json")
        _write(path, json.dumps(gradescope_results(row), indent=1))
        written.append(path)
    return written


def _json_row(row: GradeRow) -> dict[str, object]:
    return {
        "student": row.student,
        "name": row.name,
        "email": row.email,
        "target": row.target,
        "status": row.status,
        "score": row.score,
        "max_score": row.max_score,
        "error": row.error,
        "nonce_status": row.nonce_status,
        "flags": list(row.flags),
        "graded_at": row.graded_at,
        "report": row.report.to_dict(),
    }
