"""Write a grading run's exports into the output folder, and nowhere else.

Every file name is fixed or made from a student's slug (never the raw id), and each path is
checked to resolve inside the folder before anything is written, so a hostile roster cannot
write outside it. The folder is checked before grading starts (:func:`check_output`), so a link
leading out of it stops the run at once instead of after the work is done. Each run's results
are written into a fresh folder that then replaces `results/`: a student no longer in the roster
leaves no file of an earlier run behind.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from checker.classroom.model import GradeRow
from checker.exports.feedback import feedback_page
from checker.exports.gradescope import gradescope_results
from checker.exports.html_report import class_report_html
from checker.exports.junit import junit_xml
from checker.exports.lms import canvas_csv, gradebook_csv, moodle_csv
from checker.manifest import Lab

GRADEBOOK = "gradebook.sqlite"
RESULTS = "results"
EXPORTS = (
    "gradebook.csv",
    "gradebook.json",
    "report.html",
    "junit.xml",
    "moodle.csv",
    "canvas.csv",
)
# SQLite writes these beside the gradebook: a link there would be followed as well.
_GRADEBOOK_FILES = (GRADEBOOK, f"{GRADEBOOK}-wal", f"{GRADEBOOK}-shm", f"{GRADEBOOK}-journal")
_SCRATCH = ".k2c-results-"


class OutputError(Exception):
    """The output folder cannot hold this run's files; the message says what to change."""


class OutsideOutput(OutputError):
    """A path would have left the output folder."""


def check_output(out: Path) -> Path:
    """Make the output folder and check, before any grading, that every file can go in it.

    Returns:
        The folder, resolved.

    Raises:
        OutputError: a file or link of the folder leads out of it, or `results` is not a folder.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make the output folder {out}: {exc.strerror}") from None
    for name in (*_GRADEBOOK_FILES, *EXPORTS, RESULTS):
        inside(out, name)
    results = out.resolve() / RESULTS
    if results.is_symlink() or (results.exists() and not results.is_dir()):
        raise OutputError(
            f"{results} is a link or a file: the run writes its results folder there itself; "
            "move it away or choose another --out"
        )
    return out.resolve()


def inside(out: Path, *parts: str) -> Path:
    """Join `parts` under `out`, refusing any result outside it.

    Raises:
        OutsideOutput: the path escapes the folder (`..`, absolute parts, symlinks).
    """
    root = out.resolve()
    path = root.joinpath(*parts).resolve()
    if path == root or root not in path.parents:
        shown = root.joinpath(*parts)
        raise OutsideOutput(
            f"{shown} leads to {path}, outside the output folder {root}: "
            "nothing is written outside it; remove the link or choose another --out"
        )
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
    written += _write_results(out, lab, rows, run)
    return written


def _write_results(out: Path, lab: Lab, rows: Sequence[GradeRow], run: str) -> list[Path]:
    """Write each student's JSON result and feedback page into a fresh folder, then swap it in."""
    root = out.resolve()
    for stale in root.glob(f"{_SCRATCH}*"):  # left by a run killed while swapping
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
    fresh = Path(tempfile.mkdtemp(prefix=_SCRATCH, dir=root))
    names = []
    for row in rows:
        path = inside(out, fresh.name, f"{row.slug}.json")
        _write(path, json.dumps(gradescope_results(row), indent=1))
        page = inside(out, fresh.name, f"{row.slug}.html")
        _write(page, feedback_page(lab, row, run=run))
        names += [path.name, page.name]
    results = root / RESULTS
    inside(out, RESULTS)
    if results.is_symlink() or (results.exists() and not results.is_dir()):
        raise OutputError(f"{results} is a link or a file, not the run's results folder")
    if results.exists():
        old = results.rename(root / f"{_SCRATCH}old-{secrets.token_hex(4)}")
        fresh.rename(results)
        shutil.rmtree(old)
    else:
        fresh.rename(results)
    return [results / name for name in names]


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
        "trust": row.trust,
        "flags": list(row.flags),
        "graded_at": row.graded_at,
        "report": row.report.to_dict(),
    }
