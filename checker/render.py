"""How `lab check` shows a report in a terminal: short, with each task's id, one hint at a time.

A fresh environment fails every task; printing every task's hint would print the whole
walkthrough. So each failing task shows what its checks found, the first failing task also its
hint, and one closing line says how to see the others (`lab hint LAB TASK`, or `--hints`).
Hints print with a hanging indent, and the guide's inline code (`like this`) is rendered as
code, not as raw backticks. The watch view is the same information as one table, redrawn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from checker.report import Report, TaskResult

MARKS = {"passed": ("✔", "green"), "failed": ("✘", "red"), "error": ("!", "magenta")}
CODE_STYLE = "bold cyan"
_CODE = re.compile(r"`([^`]+)`")


def inline(text: str, style: str = "") -> Text:
    """Text with the guide's `inline code` shown as code (styled, without the backticks)."""
    out = Text(style=style)
    position = 0
    for match in _CODE.finditer(text):
        out.append(text[position : match.start()])
        out.append(match.group(1), style=CODE_STYLE)
        position = match.end()
    out.append(text[position:])
    return out


class Hanging:
    """`label body` indented by `indent`, the body's wrapped lines hanging under its start."""

    def __init__(self, label: str, body: Text, *, indent: int = 6, label_style: str = "") -> None:
        """Keep the parts; wrapping happens at render time, at the console's width."""
        self.label, self.body, self.indent, self.label_style = label, body, indent, label_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Yield one Text per wrapped line, without trailing padding."""
        lead = self.indent + (len(self.label) + 1 if self.label else 0)
        width = max(options.max_width - lead, 20)
        for number, line in enumerate(self.body.wrap(console, width, overflow="fold")):
            line.rstrip()
            prefix = Text(" " * self.indent)
            if self.label:
                prefix.append(
                    self.label if number == 0 else " " * len(self.label), self.label_style
                )
                prefix.append(" ")
            yield prefix + line


def _labelled(label: str, body: Text, label_style: str) -> Hanging:
    return Hanging(label, body, label_style=label_style)


def _task_line(number: int, task: TaskResult) -> Text:
    mark, style = MARKS.get(task.status, ("?", "yellow"))
    line = Text(" ")
    line.append(mark, style=style)
    line.append(f" {number}. {task.title} ")
    line.append(task.id, style=CODE_STYLE)
    line.append(f" ({task.points}/{task.max_points})", style="dim")
    return line


def check_view(report: Report, *, all_hints: bool = False) -> RenderableType:
    """The report as `lab check` prints it.

    Args:
        report: the report to show.
        all_hints: show every failing task's hint (`--hints`), not only the first one's.
    """
    parts: list[RenderableType] = [
        Text.assemble((report.lab, "bold"), " on ", (report.target, "cyan"))
    ]
    if report.error:
        parts.append(Text.assemble(("target error: ", "red"), report.error))
    failing = [task for task in report.tasks if task.status != "passed"]
    hinted = failing if all_hints else failing[:1]
    for number, task in enumerate(report.tasks, 1):
        parts.append(_task_line(number, task))
        if task.status == "passed":
            continue
        _, style = MARKS.get(task.status, ("?", "yellow"))
        for line in task.message.splitlines():
            parts.append(_labelled("", Text(line, style=style), style))
        if task in hinted and task.hint:
            parts.append(_labelled("hint:", inline(task.hint), "yellow"))
    parts.append(Text(f"score: {report.score}/{report.max_score}", style="bold"))
    others = [task for task in failing if task not in hinted and task.hint]
    if others:
        parts.append(more_hints(report.lab, others))
    return Group(*parts)


def more_hints(lab_id: str, tasks: Iterable[TaskResult]) -> Text:
    """The line that says how to see the hints not shown."""
    ids = [task.id for task in tasks]
    noun = "hint" if len(ids) == 1 else "hints"
    return Text.assemble(
        f"{len(ids)} more {noun} ({', '.join(ids)}): ",
        (f"lab hint {lab_id} TASK", CODE_STYLE),
        ", or ",
        (f"lab check {lab_id} --hints", CODE_STYLE),
    )


def watch_view(report: Report, footer: str) -> RenderableType:
    """The table `lab check --watch` redraws: one row per task, then the first failure's detail."""
    table = Table(title=f"{report.lab} on {report.target}", title_justify="left", expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("task")
    table.add_column("id", style=CODE_STYLE, no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    for task in report.tasks:
        mark, style = MARKS.get(task.status, ("?", "yellow"))
        table.add_row(
            Text(mark, style=style), task.title, task.id, f"{task.points}/{task.max_points}"
        )
    parts: list[RenderableType] = [table]
    if report.error:
        parts.append(Text.assemble(("target error: ", "red"), report.error))
    first = next((task for task in report.tasks if task.status != "passed"), None)
    if first is not None:
        parts.append(Text.assemble("next: ", (first.title, "bold"), " ", (first.id, CODE_STYLE)))
        for line in first.message.splitlines()[:6]:
            parts.append(_labelled("", Text(line, style="red"), "red"))
        if first.hint:
            parts.append(_labelled("hint:", inline(first.hint), "yellow"))
    parts.append(Text(f"score: {report.score}/{report.max_score}  ·  {footer}", style="dim"))
    return Group(*parts)
