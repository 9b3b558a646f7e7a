"""Make the picture of the class report shown in the instructors' guide.

Renders `report.html` with the real exporter for a small made-up class on the namespaces lab
(every row built the way the grader builds them), then photographs it with headless Chromium:

    .venv/bin/python tools/class_report_picture.py   # writes docs/assets/images/class-report.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from checker.classroom.model import GradeRow
from checker.exports.html_report import class_report_html
from checker.manifest import load_lab
from checker.report import CheckResult, Report, TaskResult

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "assets" / "images" / "class-report.png"
# (id, name, tasks passed, status)
CLASS = (
    ("ada", "Ada Lovelace", {"uts", "pid", "net", "mount", "user"}, "graded"),
    ("alan", "Alan Turing", {"uts", "pid", "net"}, "graded"),
    ("grace", "Grace Hopper", {"uts", "pid", "net", "mount", "user"}, "graded"),
    ("edsger", "Edsger Dijkstra", {"uts", "pid"}, "graded"),
    ("barbara", "Barbara Liskov", {"uts", "pid", "net", "mount"}, "graded"),
    ("ken", "Ken Thompson", set(), "unreachable"),
)


def main() -> None:
    """Render the made-up class's report and save a screenshot of it."""
    lab = load_lab(REPO / "labs" / "namespaces")
    rows = []
    for student, name, passed, status in CLASS:
        tasks = []
        for task in lab.tasks:
            ok = task.id in passed and status == "graded"
            message = "" if ok else "No process runs in a namespace of its own."
            check = CheckResult(f"test_{task.id}.py::test", "passed" if ok else "failed", message)
            tasks.append(
                TaskResult(
                    task.id,
                    task.title,
                    "passed" if ok else ("failed" if status == "graded" else "error"),
                    task.points if ok else 0,
                    task.points,
                    task.hint,
                    task.hidden,
                    (check,),
                )
            )
        report = Report(lab.id, f"docker://k2c-namespaces-{student}", tuple(tasks))
        error = "" if status == "graded" else "container 'k2c-namespaces-ken' is exited"
        rows.append(
            GradeRow(
                student=student,
                slug=student,
                target=report.target,
                status=status,
                score=report.score,
                max_score=lab.max_score,
                report=report,
                name=name,
                error=error,
                nonce_status="verified" if status == "graded" else "unverified",
            )
        )
    page = class_report_html(lab, rows, run="2026-12-01 14:00")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("needs chromium")
    with tempfile.TemporaryDirectory() as folder:
        html = Path(folder) / "report.html"
        html.write_text(page, encoding="utf-8")
        OUT.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--screenshot={OUT}", "--window-size=1100,900", html.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
    print(OUT)


if __name__ == "__main__":
    main()
