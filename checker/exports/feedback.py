"""One feedback page per student (`results/<slug>.html`): safe to hand to that student.

The page holds that student's own results only: each visible task with its status, points,
what the checks found and the task's hint. It leaves out everything the class report knows about
the others: no other row, no anti-cheat finding (a finding names the classmate an environment
was shared with), no nonce owner. Hidden tasks count in the score but show neither title nor
message, as in Gradescope's `after_published`. Like the class report it is static, forbids
scripts and escapes every byte that came from a learner's machine.
"""

from __future__ import annotations

from html import escape

from checker.classroom.model import GradeRow, GradeStatus
from checker.manifest import Lab
from checker.report import TaskStatus, clean_text

_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}
tr.passed td.mark{color:#1a7f1a}tr.failed td.mark{color:#b00}tr.error td.mark{color:#777}
pre{white-space:pre-wrap;margin:0}.hint{color:#7a5b00}
"""
_MARK = {TaskStatus.PASSED: "✔", TaskStatus.FAILED: "✘", TaskStatus.ERROR: "!"}
# What the student reads when their row was not graded; the grader's own error may name the
# classmate whose environment this was (mismatch), so it is never copied here.
_NOT_GRADED = {
    GradeStatus.MISMATCH: "This environment could not be confirmed as yours, so it was not "
    "graded. Ask your instructor.",
    GradeStatus.UNREACHABLE: "Your environment could not be reached when grading ran; it was "
    "not graded and no points were taken. Ask your instructor.",
    GradeStatus.TIMEOUT: "Your environment did not answer in time when grading ran; it was not "
    "graded and no points were taken. Ask your instructor.",
    GradeStatus.ERROR: "Your environment could not be graded; no points were taken. Ask your "
    "instructor.",
}


def _text(value: object, limit: int = 300) -> str:
    return escape(clean_text(str(value), limit), quote=True)


def feedback_page(lab: Lab, row: GradeRow, *, run: str = "") -> str:
    """Render the feedback page of one student's row."""
    who = _text(row.student) + (f" ({_text(row.name)})" if row.name else "")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">",
        f"<title>{_text(lab.title)}: feedback</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_text(lab.title)}</h1>",
        f"<p>Feedback for <b>{who}</b>{' — ' + _text(run) if run else ''}</p>",
    ]
    if not row.judged or row.status == GradeStatus.MISMATCH:
        why = _NOT_GRADED.get(row.status, _NOT_GRADED[GradeStatus.ERROR])
        parts.append(f"<p><b>Not graded.</b> {why}</p>")
    else:
        parts.append(f"<p>Score: <b>{row.score}/{row.max_score}</b></p>")
        parts.append(_tasks(row))
    parts.append(
        f"<p>Check your environment yourself at any time: <code>lab check {_text(lab.id)}</code>; "
        f"a task's hint: <code>lab hint {_text(lab.id)} TASK</code>.</p>"
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _tasks(row: GradeRow) -> str:
    lines = ["<table><tr><th></th><th>task</th><th>points</th><th>details</th></tr>"]
    hidden = [task for task in row.report.tasks if task.hidden]
    for task in row.report.tasks:
        if task.hidden:
            continue
        detail = ""
        if task.status != TaskStatus.PASSED:
            if task.message:
                detail += f"<pre>{_text(task.message, 1000)}</pre>"
            if task.hint:
                detail += f"<p class='hint'>hint: {_text(task.hint, 1000)}</p>"
        lines.append(
            f"<tr class='{_text(task.status)}'><td class='mark'>{_MARK.get(task.status, '?')}</td>"
            f"<td>{_text(task.title)} <code>{_text(task.id)}</code></td>"
            f"<td>{task.points}/{task.max_points}</td><td>{detail}</td></tr>"
        )
    if hidden:
        points = sum(task.points for task in hidden)
        total = sum(task.max_points for task in hidden)
        lines.append(
            f"<tr><td></td><td>{len(hidden)} hidden task{'s' if len(hidden) > 1 else ''} "
            "(graded; details after your instructor publishes them)</td>"
            f"<td>{points}/{total}</td><td></td></tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)
