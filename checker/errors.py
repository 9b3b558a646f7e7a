"""The one base exception of `checker`: every failure `lab` reports carries its exit code.

A command never maps exception types to exit codes itself: it catches `LabError` and exits
with `exit_code`. Failures of a target also carry their `kind` (unreachable or timeout), which
the report records and the grader reads; nothing ever decides what happened from a message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from checker.exitcodes import ExitCode


class ErrorKind(StrEnum):
    """Why a target's report could not be judged (serialised as its value)."""

    NONE = ""  # the report is gradable
    UNREACHABLE = "unreachable"  # missing, stopped, refused, or its shell died
    TIMEOUT = "timeout"  # it answered too slowly, or not at all, in the time allowed
    INTERRUPTED = "interrupted"  # the run stopped before every check ran
    RUN_FAILED = "run-failed"  # the checks could not run at all (pytest crashed, never started)


class LabError(Exception):
    """Base of every failure `lab` turns into one line on stderr and an exit code."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONTENT_ERROR


class UsageError(LabError):
    """The command line names something that does not exist (a lab, a task, a run)."""

    exit_code = ExitCode.USAGE


class ContentError(LabError):
    """A lab's manifest, checks or reference steps are broken."""

    exit_code = ExitCode.CONTENT_ERROR


class TargetError(LabError):
    """The target is malformed, missing, stopped or does not answer."""

    exit_code = ExitCode.TARGET_ERROR
    kind: ClassVar[ErrorKind] = ErrorKind.UNREACHABLE


class TargetTimeout(TargetError):
    """The target answered too slowly, or not at all, within the time allowed."""

    kind = ErrorKind.TIMEOUT


def target_error(message: str, kind: ErrorKind) -> TargetError:
    """A target failure of a known kind (a timeout is a `TargetTimeout`)."""
    return TargetTimeout(message) if kind == ErrorKind.TIMEOUT else TargetError(message)


def error_kind(exc: BaseException) -> ErrorKind:
    """The kind of a target failure, read from its type (``NONE`` for any other exception)."""
    return exc.kind if isinstance(exc, TargetError) else ErrorKind.NONE
