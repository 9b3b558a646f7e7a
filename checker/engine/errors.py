"""Errors the engine raises: all of them mean "the target", never "the learner's work".

The runner reports a check that raises an :class:`EngineError` as an *error*, not as a failure:
an unreachable or hung target must never cost a learner points silently. Each carries its
`kind` (`checker.errors.ErrorKind`), which the report records and the grader reads.
"""

from checker.errors import ErrorKind, TargetError


class EngineError(TargetError):
    """The engine could not get an answer from a target."""


class TargetUnreachable(EngineError):
    """A session to the target could not be opened (no such container, ssh refused...)."""


class SessionLost(EngineError):
    """The target's session died twice in a row while answering one command."""


class CommandTimeout(EngineError):
    """A command did not finish within its timeout; the session was restarted."""

    kind = ErrorKind.TIMEOUT


class DeadlineExceeded(CommandTimeout):
    """The target used up its whole time budget (so one hung target cannot stall a class)."""
