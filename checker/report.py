"""The result of running a lab's checks on one target.

One object serves every audience: it prints in a terminal (rich's `__rich_console__`), renders
in a notebook (`_repr_html_`) and round-trips through JSON for exporters and the gradebook.
Its shape mirrors the external-grader results of PrairieLearn and Gradescope.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.text import Text

from checker.errors import ErrorKind

# 2: `error_kind` on the report and on each check (version 1 reports are still read).
SCHEMA_VERSION = 2
MESSAGE_LIMIT = 2000


class CheckOutcome(StrEnum):
    """What one check did on one target (serialised as its value)."""

    PASSED = "passed"
    FAILED = "failed"  # an assertion of the check failed: the learner's work is not done
    ERROR = "error"  # the check crashed, or its target did not answer: not the learner's fault
    SKIPPED = "skipped"


class TaskStatus(StrEnum):
    """A task's status on one target: passed only when every one of its checks passed."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"


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
    outcome: CheckOutcome
    message: str = ""
    duration: float = 0.0
    evidence: tuple[Evidence, ...] = ()
    #: for an error: whether the target failed (unreachable, timeout), from the exception's type
    error_kind: ErrorKind = ErrorKind.NONE


@dataclass(frozen=True)
class TaskResult:
    """A task's status on one target: passed only when every one of its checks passed."""

    id: str
    title: str
    status: TaskStatus
    points: int
    max_points: int
    hint: str = ""
    hidden: bool = False
    checks: tuple[CheckResult, ...] = ()

    @property
    def message(self) -> str:
        """The first failure or error message among the task's checks."""
        for check in self.checks:
            if check.outcome in (CheckOutcome.FAILED, CheckOutcome.ERROR) and check.message:
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
    #: why the target could not be judged, from the exception's type (never read from `error`)
    error_kind: ErrorKind = ErrorKind.NONE
    schema_version: int = SCHEMA_VERSION
    #: what the plugin adds: the verdict's `trust` (examined | inside) and integrity `flags`
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
        return self.gradable and all(task.status == TaskStatus.PASSED for task in self.tasks)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, with score and max_score spelled out."""
        data = asdict(self)
        data["score"] = self.score
        data["max_score"] = self.max_score
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from `to_dict()`'s form (any schema version so far)."""
        version = data.get("schema_version", 1)
        tasks = tuple(
            TaskResult(
                **{
                    **task,
                    "status": TaskStatus(task["status"]),
                    "checks": tuple(
                        _check_from_dict(check, version) for check in task.get("checks", ())
                    ),
                }
            )
            for task in data["tasks"]
        )
        gradable = data.get("gradable", True)
        error = data.get("error", "")
        if "error_kind" in data:
            kind = ErrorKind(data["error_kind"])
        else:
            kind = _v1_report_kind(gradable, error)
        return cls(
            lab=data["lab"],
            target=data["target"],
            tasks=tasks,
            lab_uuid=data.get("lab_uuid", ""),
            gradable=gradable,
            error=error,
            error_kind=kind,
            schema_version=version,
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
            if task.status != TaskStatus.PASSED:
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
            if task.status != TaskStatus.PASSED:
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


def _check_from_dict(data: dict[str, Any], version: int) -> CheckResult:
    evidence = tuple(Evidence(**item) for item in data.get("evidence", ()))
    outcome = CheckOutcome(data["outcome"])
    if "error_kind" in data:
        kind = ErrorKind(data["error_kind"])
    else:
        kind = _v1_check_kind(outcome, data.get("message", ""))
    return CheckResult(**{**data, "outcome": outcome, "evidence": evidence, "error_kind": kind})


# Version 1 reports carried no kind: their writer put the exception's type name first in the
# message ("CommandTimeout: ..."), and marked an unfinished run "interrupted ...". Only reports
# read back from a version 1 file go through these; nothing else reads a kind from a message.
_V1_TIMEOUTS = ("CommandTimeout:", "DeadlineExceeded:")
_V1_LOST = ("SessionLost:", "TargetUnreachable:", "TargetError:")


def _v1_check_kind(outcome: CheckOutcome, message: str) -> ErrorKind:
    if outcome != CheckOutcome.ERROR:
        return ErrorKind.NONE
    if message.startswith(_V1_TIMEOUTS):
        return ErrorKind.TIMEOUT
    return ErrorKind.UNREACHABLE if message.startswith(_V1_LOST) else ErrorKind.NONE


def _v1_report_kind(gradable: bool, error: str) -> ErrorKind:
    if error.startswith("interrupted"):
        return ErrorKind.INTERRUPTED
    if gradable:
        return ErrorKind.NONE
    return ErrorKind.TIMEOUT if error.startswith(_V1_TIMEOUTS) else ErrorKind.UNREACHABLE


_MARKS = {
    TaskStatus.PASSED: ("✔", "green"),
    TaskStatus.FAILED: ("✘", "red"),
    TaskStatus.ERROR: ("!", "magenta"),
}
