"""Live checking: one pytest session that re-runs a lab's checks in cycles while the learner works.

`lab check LAB --watch` pays for the imports, pytest's start and the collection once, keeps the
target's shell open (the persistent engine's session lives as long as the pytest session), and
then runs every collected check again each cycle: the session-scoped fixtures are torn down at
the end of a cycle so the next one reads the target afresh, but the shell stays. A cycle of the
30-command bench lab costs tens of milliseconds (see bench/README.md, benchmark 4).

The interval between cycles adapts: it starts short, doubles (up to `Interval.longest`) while
nothing changes, and drops back to the shortest as soon as a task changes status, so an idle
watch costs little and a learner's step shows within a fraction of a second of the next cycle.

Like `run_checks(..., in_process=True)`, the session runs in this process: only for one-shot
processes such as the `lab` command (check modules imported once stay imported).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from checker.errors import ErrorKind
from checker.manifest import Lab, ManifestError
from checker.plugin import LabRun
from checker.report import Report
from checker.runner import RunError, pytest_argv, pytest_here
from checker.spec import parse_spec


@dataclass
class Interval:
    """The adaptive pause between cycles, in seconds."""

    shortest: float = 0.5
    longest: float = 4.0
    current: float = 0.5

    def after(self, changed: bool) -> float:
        """The pause after a cycle: the shortest after a change, else twice the last (capped)."""
        self.current = self.shortest if changed else min(self.current * 2, self.longest)
        return self.current


@dataclass(frozen=True)
class Cycle:
    """One run of every selected check, as the watch hands it to its caller."""

    number: int
    report: Report
    changed: bool  # a task's status differs from the previous cycle's (always True first)
    seconds: float  # wall time of the cycle
    cpu_seconds: float  # CPU time this process spent in it
    pause: float  # the pause before the next cycle


@dataclass(frozen=True)
class WatchResult:
    """How a watch ended: the last report, the cycles run, and whether it was interrupted."""

    report: Report
    cycles: int
    interrupted: bool


def _statuses(report: Report) -> tuple[tuple[str, str], ...]:
    return tuple((task.id, task.status) for task in report.tasks)


def _lost(report: Report) -> bool:
    """The target's shell went away (the learner reset the environment): its checks errored."""
    return any(
        check.error_kind == ErrorKind.UNREACHABLE for task in report.tasks for check in task.checks
    )


def _reconnect(lab_session: Any, spec: str) -> None:
    """Forget the target's shell, so the next cycle opens a new one (a reset environment)."""
    from checker.engine import disconnect_all

    lab_session._hosts.pop(spec, None)
    lab_session.unreachable.pop(spec, None)
    disconnect_all()


class _Loop:
    """A pytest plugin that replaces the run of the collected items by cycles of them."""

    def __init__(
        self,
        spec: str,
        on_cycle: Callable[[Cycle], None],
        interval: Interval,
        until_passed: bool,
        max_cycles: int | None,
        sleep: Callable[[float], None],
    ) -> None:
        self.spec = spec
        self.on_cycle = on_cycle
        self.interval = interval
        self.until_passed = until_passed
        self.max_cycles = max_cycles
        self.sleep = sleep
        self.result: WatchResult | None = None
        self.config: Any = None

    def pytest_configure(self, config: Any) -> None:
        """Keep the config: after the session, its lab plugin says why nothing ran."""
        self.config = config

    def pytest_runtestloop(self, session: Any) -> bool:
        """Run the items in cycles; stop when every task passes, on Ctrl-C or after max_cycles."""
        lab_session = session.config.pluginmanager.get_plugin(LabRun.NAME)
        items = list(session.items)
        if lab_session is None or lab_session.lab is None or not items:
            return False  # nothing to watch: pytest's own loop reports why
        previous: tuple[tuple[str, str], ...] | None = None
        number = 0
        report: Report | None = None
        interrupted = False
        try:
            while True:
                number += 1
                started, cpu = time.perf_counter(), time.process_time()
                lab_session.outcomes.clear()
                lab_session.remaining.clear()
                lab_session.remaining.update(self.spec for _ in items)
                for index, item in enumerate(items):
                    following = items[index + 1] if index + 1 < len(items) else None
                    # The last item's nextitem=None tears every fixture down, session-scoped
                    # ones included: the next cycle reads the target afresh on the same shell.
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                report = lab_session.report(self.spec)
                if _lost(report) or not report.gradable:
                    _reconnect(lab_session, self.spec)
                statuses = _statuses(report)
                changed = statuses != previous
                previous = statuses
                done = (self.until_passed and report.passed) or (
                    self.max_cycles is not None and number >= self.max_cycles
                )
                pause = 0.0 if done else self.interval.after(changed)
                self.on_cycle(
                    Cycle(
                        number,
                        report,
                        changed,
                        time.perf_counter() - started,
                        time.process_time() - cpu,
                        pause,
                    )
                )
                # A target missing from the start is an error; one lost later (the learner reset
                # it) is looked for again next cycle.
                if done or (number == 1 and not report.gradable):
                    break
                self.sleep(pause)
        except KeyboardInterrupt:
            interrupted = True
        if report is None:
            # Interrupted inside the first cycle: what ran so far, marked as interrupted.
            report = lab_session.report(self.spec)
        self.result = WatchResult(report, number, interrupted)
        return True


def watch(
    lab: Lab,
    spec: str,
    on_cycle: Callable[[Cycle], None],
    *,
    tasks: Sequence[str] = (),
    interval: Interval | None = None,
    until_passed: bool = True,
    max_cycles: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> WatchResult:
    """Check `spec` again and again in one pytest session, handing each cycle to `on_cycle`.

    Args:
        lab: the lab whose checks run.
        spec: the target (the persistent engine keeps its shell open between cycles).
        on_cycle: called after every cycle with its report and timings.
        tasks: check only these tasks (default: every visible task).
        interval: the adaptive pause between cycles (default: 0.5 s up to 4 s).
        until_passed: stop after the first cycle in which every task passes.
        max_cycles: stop after this many cycles (default: no limit).
        sleep: how to wait between cycles (tests and benchmarks may pass their own).

    Returns:
        The last cycle's report, the number of cycles and whether Ctrl-C ended it.

    Raises:
        ManifestError: the checks are bound to tasks wrongly, or a task id is unknown.
        RunError: pytest could not run the checks.
    """
    import pytest

    loop = _Loop(spec, on_cycle, interval or Interval(), until_passed, max_cycles, sleep)
    argv = pytest_argv(lab, [parse_spec(spec)], tasks=list(tasks))[3:]
    with pytest_here():
        code = pytest.main([*argv, "-p", "no:terminal"], plugins=[loop])
    if loop.result is None:
        if code == pytest.ExitCode.INTERRUPTED:
            raise KeyboardInterrupt
        lab_session = loop.config and loop.config.pluginmanager.get_plugin(LabRun.NAME)
        if lab_session is not None and lab_session.content_error:
            raise ManifestError(lab_session.content_error)
        raise RunError(f"pytest could not run the checks of {lab.id} (exit {int(code)})")
    return loop.result
