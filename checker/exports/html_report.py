"""The class report: a static HTML page an instructor opens from the output folder.

A student x task matrix (each student's id links their feedback page, `results/<slug>.html`),
the score distribution (an inline SVG, no script, no network), the targets that could not be
graded and the anti-cheat findings. Everything that came from a learner's machine is cleaned of
control characters and HTML-escaped, and the page forbids scripts with its
Content-Security-Policy, so hostile output stays inert text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from html import escape
from urllib.parse import quote

from checker.classroom.model import GradeRow, GradeStatus
from checker.manifest import Lab
from checker.report import TaskStatus, clean_text

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .5em}
td.passed{background:#d6f5d6}td.failed{background:#f8d0d0}td.error{background:#eee;color:#777}
tr.unjudged td{color:#777}.hidden{font-style:italic}.flag{color:#a00}
pre{white-space:pre-wrap;max-width:60em;margin:0}
"""
_MARK = {TaskStatus.PASSED: "✔", TaskStatus.FAILED: "✘", TaskStatus.ERROR: "!"}


def _text(value: object, limit: int = 300) -> str:
    """Learner-controlled text made inert: control characters gone, HTML escaped."""
    return escape(clean_text(str(value), limit), quote=True)


def class_report_html(lab: Lab, rows: Sequence[GradeRow], *, run: str = "") -> str:
    """Render the class report page."""
    judged = [row for row in rows if row.judged]
    counts = Counter(row.status for row in rows)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    mean = sum(row.score for row in judged) / len(judged) if judged else 0.0
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">",
        f"<title>{_text(lab.title)}: class report</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_text(lab.title)}</h1>",
        f"<p>lab <code>{_text(lab.id)}</code> {_text(run)}: {len(rows)} students "
        f"({_text(summary)}); mean score of those graded {mean:.2f}/{lab.max_score}</p>",
        "<h2>Score distribution</h2>",
        _histogram(judged, lab.max_score),
        "<h2>Students x tasks</h2>",
        _matrix(lab, rows),
        _unreachable(rows),
        _flags(rows),
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _matrix(lab: Lab, rows: Sequence[GradeRow]) -> str:
    heads = "".join(
        f"<th class='{'hidden' if task.hidden else ''}' title='{_text(task.title)}'>"
        f"{_text(task.id)}{' (hidden)' if task.hidden else ''}<br>{task.points} pt</th>"
        for task in lab.tasks
    )
    lines = [
        f"<table><tr><th>student</th><th>name</th><th>status</th><th>score</th>{heads}"
        "<th>identity</th></tr>"
    ]
    for row in rows:
        tasks = {task.id: task for task in row.report.tasks}
        cells = []
        for task in lab.tasks:
            result = tasks.get(task.id)
            status = result.status if result and row.judged else TaskStatus.ERROR
            title = _text(result.message, 500) if result and result.message else ""
            cells.append(f"<td class='{status}' title='{title}'>{_MARK[status]}</td>")
        identity = _text(row.nonce_status) + "".join(
            f"<br><span class='flag'>{_text(flag)}</span>" for flag in row.flags
        )
        lines.append(
            f"<tr class='{'' if row.judged else 'unjudged'}'>"
            f"<td><a href='results/{quote(row.slug)}.html'>{_text(row.student)}</a></td>"
            f"<td>{_text(row.name)}</td><td>{_text(row.status)}</td>"
            f"<td>{row.score}/{row.max_score}</td>{''.join(cells)}<td>{identity}</td></tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


def _histogram(rows: Sequence[GradeRow], max_score: int) -> str:
    """An inline SVG bar chart: how many graded students have each score."""
    counts = Counter(row.score for row in rows)
    width, height, bar = 40 * (max_score + 1) + 40, 180, 30
    top = max(counts.values(), default=1)
    bars = []
    for score in range(max_score + 1):
        count = counts.get(score, 0)
        size = 0 if not count else max(2, round(130 * count / top))
        x = 30 + 40 * score
        bars.append(
            f"<rect x='{x}' y='{150 - size}' width='{bar}' height='{size}' fill='#4a7bd0'>"
            f"<title>{count} students scored {score}</title></rect>"
            f"<text x='{x + bar // 2}' y='168' text-anchor='middle' font-size='11'>{score}</text>"
            + (
                f"<text x='{x + bar // 2}' y='{146 - size}' text-anchor='middle' "
                f"font-size='11'>{count}</text>"
                if count
                else ""
            )
        )
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"role='img' aria-label='score distribution'>"
        f"<line x1='25' y1='150' x2='{width - 5}' y2='150' stroke='#333'/>"
        + "".join(bars)
        + "</svg>"
    )


def _unreachable(rows: Sequence[GradeRow]) -> str:
    missing = [row for row in rows if not row.judged]
    if not missing:
        return "<h2>Not graded</h2><p>Every target answered.</p>"
    items = "".join(
        f"<li><b>{_text(row.student)}</b> ({_text(row.status)}) "
        f"<code>{_text(row.target)}</code>: <pre>{_text(row.error, 500)}</pre></li>"
        for row in missing
    )
    return f"<h2>Not graded ({len(missing)})</h2><ul>{items}</ul>"


def _flags(rows: Sequence[GradeRow]) -> str:
    flagged = [row for row in rows if row.flags or row.status == GradeStatus.MISMATCH]
    if not flagged:
        return "<h2>Anti-cheat</h2><p>No environment shared, copied or mismatched.</p>"
    items = "".join(
        f"<li><b>{_text(row.student)}</b>: "
        + "; ".join(
            _text(flag)
            for flag in (*row.flags, *([row.error] if row.status == GradeStatus.MISMATCH else []))
        )
        + "</li>"
        for row in flagged
    )
    return f"<h2>Anti-cheat ({len(flagged)})</h2><ul>{items}</ul>"
