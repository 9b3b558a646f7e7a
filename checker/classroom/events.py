"""A pytest plugin the grader adds (`-p checker.classroom.events`): which target is being checked.

pytest groups a session-scoped parametrization by value, so the targets are checked one after
the other; knowing which one is current lets the grader's watchdog time each target and, when
one hangs, stop the session and blame that target alone. As each target starts, its identity
(`checker.classroom.probe`) is read on the shell its checks are about to use and handed on in
the same file, before the target's report: whose environment was graded is read where it was
graded.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.errors import ErrorKind, error_kind
from checker.plugin import TARGET_PARAM, lab_run

# The spec of the target whose checks are running, kept where pytest keeps a plugin's state.
_CURRENT = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the events file option."""
    parser.getgroup("lab").addoption(
        "--class-events",
        metavar="FILE",
        help="append a line `start <spec>` each time checks move on to another target, then "
        "`identity <json>` with what the target says of itself",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Announce each new target as its checks start, with what it says of itself."""
    path = item.config.getoption("--class-events")
    callspec = getattr(item, "callspec", None)
    if not path or callspec is None or TARGET_PARAM not in callspec.params:
        return
    spec = callspec.params[TARGET_PARAM]
    if item.config.stash.get(_CURRENT, None) != spec:
        item.config.stash[_CURRENT] = spec
        with Path(path).open("a", encoding="utf-8") as stream:
            stream.write(f"start {spec}\n")
            stream.flush()  # the watchdog times the identity script as part of this target
            stream.write(f"identity {json.dumps(_identity(item.config, spec))}\n")


def _identity(config: pytest.Config, spec: str) -> dict[str, str]:
    """Run the identity script on the target's session (unrecorded: no check has started)."""
    try:
        run = lab_run(config)
        examiner = run.examiner(run.targets[spec])
        # Outside, the examiner reads it with its own tools through /proc/PID: a bind mount
        # over /proc/1/environ inside the environment changes nothing it reads.
        result = examiner.host.run(examiner.identity_script())
    except Exception as exc:  # any failure to reach the target is the answer
        return {
            "target": spec,
            "output": "",
            "error": f"{type(exc).__name__}: {exc}",
            "kind": error_kind(exc),  # unreachable or timeout, from its type
        }
    return {"target": spec, "output": result.stdout, "error": "", "kind": ErrorKind.NONE}
