"""A pytest plugin the grader adds (`-p checker.classroom.events`): which target is being checked.

pytest groups a session-scoped parametrization by value, so the targets are checked one after
the other; knowing which one is current lets the grader's watchdog time each target and, when
one hangs, stop the session and blame that target alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.plugin import TARGET_PARAM


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the events file option."""
    parser.getgroup("lab").addoption(
        "--class-events", metavar="FILE",
        help="append a line `start <spec>` each time checks move on to another target")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Announce the target of the check about to run, when it differs from the last one."""
    path = item.config.getoption("--class-events")
    callspec = getattr(item, "callspec", None)
    if not path or callspec is None or TARGET_PARAM not in callspec.params:
        return
    spec = callspec.params[TARGET_PARAM]
    if getattr(item.config, "_class_current", None) != spec:
        item.config._class_current = spec  # type: ignore[attr-defined]
        with Path(path).open("a", encoding="utf-8") as stream:
            stream.write(f"start {spec}\n")
