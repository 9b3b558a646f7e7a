"""The result of running a lab's checks on one target.

One object serves every audience: it prints in a terminal (rich's `__rich_console__`), renders
in a notebook (`_repr_html_`) and round-trips through JSON for exporters and the gradebook.
Its shape mirrors the external-grader results of PrairieLearn and Gradescope.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.text import Text

SCHEMA_VERSION = 1
STATUSES = ("passed", "failed", "error")
MESSAGE_LIMIT = 2000

# C0/C1 controls and ANSI escape sequences from a learner's machine must never reach a terminal,
# a CSV cell or an HTML page as anything but inert text.
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str, limit: int = MESSAGE_LIMIT) -> str:
    r"""Make text that may come from a learner's machine safe to show anywhere.

    Strips ANSI escapes and control characters (newlines and tabs stay), replaces invalid
    characters and truncates to `limit` characters.

    >>> clean_text("ok\x1b[31m red\x07")
    'ok red'
    """
    size = len(text)
    # Cut before cleaning so megabytes of output cost no more than a page.
    text = text[: limit * 2].encode("utf-8", "replace").decode("utf-8", "replace")
    text = _CONTROL.sub("", _ANSI.sub("", text))
    if size > limit or len(text) > limit:
        suffix = f" ... [cut from {size} characters]"
        text = text[: limit - len(suffix)] + suffix
    return text


@dataclass(frozen=True)
class Evidence:
    """A command a check ran on the target: what was asked, and a digest of what came back."""

    command: str
    rc: int
    sha256: str  # of stdout, a NUL byte, and stderr


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (one pytest test) on one target."""

    nodeid: str
    outcome: str  # passed | failed | error | skipped
    message: str = ""
    duration: float = 0.0
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class TaskResult:
    """A task's status on one target: passed only when every one of its checks passed."""

    id: str
    title: str
    status: str  # passed | failed | error
    points: int
    max_points: int
    hint: str = ""
    hidden: bool = False
    checks: tuple[CheckResult, ...] = ()

    @property
    def message(self) -> str:
        """The first failure or error message among the task's checks."""
        for check in self.checks:
            if check.outcome in ("failed", "error") and check.message:
                return check.message
        return ""


@dataclass(frozen=True)
class Report:
    """Every task's outcome for one lab on one target."""

    lab: str
    target: str
    tasks: tuple[TaskResult, ...]
    lab_uuid: str = ""
    gradable: bool = True
    error: str = ""
    schema_version: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def score(self) -> int:
        """Points of the passed tasks."""
        return sum(task.points for task in self.tasks)

    @property
    def max_score(self) -> int:
        """Points of every task in the report."""
        return sum(task.max_points for task in self.tasks)

    @property
    def passed(self) -> bool:
        """True when the target was gradable and every task passed."""
        return self.gradable and all(task.status == "passed" for task in self.tasks)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, with score and max_score spelled out."""
        data = asdict(self)
        data["score"] = self.score
        data["max_score"] = self.max_score
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from `to_dict()`'s form."""
        tasks = tuple(
            TaskResult(
                **{
                    **task,
                    "checks": tuple(_check_from_dict(check) for check in task.get("checks", ())),
                }
            )
            for task in data["tasks"]
        )
        return cls(
            lab=data["lab"],
            target=data["target"],
            tasks=tasks,
            lab_uuid=data.get("lab_uuid", ""),
            gradable=data.get("gradable", True),
            error=data.get("error", ""),
            schema_version=data.get("schema_version", SCHEMA_VERSION),
            extra=data.get("extra", {}),
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Print each task with its status; under a task not passed, its message and hint."""
        yield Text.from_markup(f"[bold]{escape(self.lab)}[/] on [cyan]{escape(self.target)}[/]")
        if self.error:
            yield Text.from_markup(f"[red]target error:[/] {escape(self.error)}")
        for number, task in enumerate(self.tasks, 1):
            mark, style = _MARKS[task.status]
            yield Text.from_markup(
                f" [{style}]{mark}[/] {number}. {escape(task.title)} "
                f"[dim]({task.points}/{task.max_points})[/]"
            )
            if task.status != "passed":
                if task.message:
                    for line in task.message.splitlines() or [""]:
                        yield Text("      " + line, style=style)
                if task.hint:
                    yield Text.from_markup(f"      [yellow]hint:[/] {escape(task.hint)}")
        yield Text.from_markup(f"[bold]score: {self.score}/{self.max_score}[/]")

    def _repr_html_(self) -> str:
        """Render as an HTML table for Jupyter; everything from the target is escaped."""
        rows = []
        for task in self.tasks:
            mark, _ = _MARKS[task.status]
            detail = ""
            if task.status != "passed":
                detail = html.escape(task.message)
                if task.hint:
                    detail += f"<br><em>hint: {html.escape(task.hint)}</em>"
            rows.append(
                f"<tr class='k2c-{task.status}'><td>{mark}</td><td>{html.escape(task.title)}</td>"
                f"<td>{task.points}/{task.max_points}</td>"
                f"<td style='white-space:pre-wrap'>{detail}</td></tr>"
            )
        error = f"<p><b>target error:</b> {html.escape(self.error)}</p>" if self.error else ""
        return (
            f"<div class='k2c-report'><p><b>{html.escape(self.lab)}</b> on "
            f"<code>{html.escape(self.target)}</code>: score "
            f"<b>{self.score}/{self.max_score}</b></p>{error}"
            "<table><tr><th></th><th>task</th><th>points</th><th>details</th></tr>"
            + "".join(rows)
            + "</table></div>"
        )


def _check_from_dict(data: dict[str, Any]) -> CheckResult:
    evidence = tuple(Evidence(**item) for item in data.get("evidence", ()))
    return CheckResult(**{**data, "evidence": evidence})


_MARKS = {"passed": ("✔", "green"), "failed": ("✘", "red"), "error": ("!", "magenta")}
