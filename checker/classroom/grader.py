"""Grade a class: look at every target from outside, then check them in parallel batches.

Targets are looked at in parallel without entering them (a stopped container is unreachable at
once); the others go into a queue that `jobs` workers drain in batches, each batch one pytest
session (a session's start-up is paid per batch, not per learner) that also reads whose each
environment is. Every learner ends with exactly one `Outcome`, handed on as soon as it is known:
graded, unreachable, timeout (its shell did not answer in time), mismatch (the environment is
not theirs) or error (the grader itself failed on it). Unreachable and timed out are never
failed.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from checker.classroom.batches import BatchFailed, check_batch
from checker.classroom.identity import ClassState
from checker.classroom.probe import Probe, identify, look_outside
from checker.classroom.roster import Student
from checker.manifest import Lab
from checker.report import Report, TaskResult, clean_text
from checker.spec import parse_spec

STATUSES = ("graded", "unreachable", "timeout", "mismatch", "error")
_GATHER = 0.5  # seconds a worker waits for more ready targets before starting a session


@dataclass(frozen=True)
class Outcome:
    """One learner's result in a grading run."""

    student: Student
    spec: str
    status: str  # one of STATUSES
    report: Report
    probe: Probe
    nonce_status: str = "unverified"  # verified | mismatch | unverified
    nonce_owner: str = ""  # whose nonce the environment carries, when it is someone else's
    seconds: float = 0.0

    @property
    def flags(self) -> tuple[str, ...]:
        """Findings of the probe on this environment.

        The container's label (read from outside, through the Docker API) and its PID 1
        environment (read inside) must carry the same nonce.
        """
        found = self.probe
        flags: list[str] = []
        if found.label_nonce and found.nonce and found.label_nonce != found.nonce:
            flags.append("the nonce inside the environment differs from its container's label")
        flags += [f"tool integrity: {flag}" for flag in self.report.extra.get("flags", ())]
        return tuple(flags)

    @property
    def trust(self) -> str:
        """How far the verdict can be trusted: `examined` or `inside`.

        `examined`: from outside, with the grader's tools; `inside`: read in a machine the
        learner controls.
        """
        return str(self.report.extra.get("trust", "inside"))

    @property
    def score(self) -> int:
        """Points earned; only a graded outcome earns any."""
        return self.report.score if self.status == "graded" else 0


def empty_report(lab: Lab, spec: str, error: str) -> Report:
    """A report for a target whose checks did not run: every task an error, no points."""
    tasks = tuple(
        TaskResult(
            id=task.id,
            title=task.title,
            status="error",
            points=0,
            max_points=task.points,
            hint=task.hint,
            hidden=task.hidden,
        )
        for task in lab.tasks
    )
    return Report(
        lab=lab.id,
        lab_uuid=lab.uuid,
        target=spec,
        tasks=tasks,
        gradable=False,
        error=clean_text(error, 500),
    )


def verify_nonce(student: Student, found: Probe, state: ClassState | None) -> tuple[str, str]:
    """Compare the nonce found in the environment with the one seeded for the learner.

    An environment carrying a nonce seeded for another learner is a mismatch even when none
    was seeded for this one (an ssh target pointed at a classmate's class container).

    Returns:
        (verified | mismatch | unverified, the learner the found nonce was seeded for).
    """
    if not found.identified or state is None:
        return "unverified", ""
    expected = state.nonces.get(student.id)
    owner = state.owner(found.nonce) if found.nonce else None
    if expected and found.nonce == expected:
        return "verified", ""
    if owner and owner != student.id:
        return "mismatch", owner
    return ("mismatch", "") if expected else ("unverified", "")


class _Run:
    """The shared state of one grading run (workers, probes, the outcome sink)."""

    def __init__(
        self,
        lab: Lab,
        students: list[Student],
        state: ClassState | None,
        on_outcome: Callable[[Outcome], None] | None,
    ) -> None:
        self.lab = lab
        self.state = state
        self.on_outcome = on_outcome
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ready: queue.Queue[str | None] = queue.Queue()
        self.by_spec: dict[str, list[Student]] = {}
        for student in students:
            self.by_spec.setdefault(student.spec(lab.id), []).append(student)
        # Each target parsed once (the roster has validated every spec).
        self.targets = {spec: parse_spec(spec) for spec in self.by_spec}
        self.probes: dict[str, Probe] = {}
        self.started: dict[str, float] = {}
        self.outcomes: list[Outcome] = []
        self.settled: set[str] = set()  # ids of the learners with an outcome

    def emit(self, spec: str, status: str, report: Report) -> None:
        """Record the outcome of every learner graded on `spec` (once each).

        A learner whose nonce the environment does not carry gets `mismatch` and no points,
        whatever the checks found: the work graded there is not theirs. Checks that passed on
        an environment that would not say whose it is are not graded either.
        """
        with self.lock:
            found = self.probes.get(spec, Probe(spec, "unreachable"))
            if status == "graded" and not found.identified:
                status = found.status if found.status != "ok" else "error"
                report = empty_report(
                    self.lab,
                    spec,
                    found.error or "the grading session did not read whose environment it is",
                )
            for student in self.by_spec.get(spec, []):
                if student.id in self.settled:
                    continue
                nonce_status, owner = verify_nonce(student, found, self.state)
                mine, theirs = status, report
                if nonce_status == "mismatch" and status in ("graded", "mismatch"):
                    whose = (
                        f"the nonce seeded for {owner!r}" if owner else "no nonce seeded for them"
                    )
                    mine, theirs = (
                        "mismatch",
                        empty_report(
                            self.lab,
                            spec,
                            f"this environment is not the learner's: it carries {whose}",
                        ),
                    )
                outcome = Outcome(
                    student,
                    spec,
                    mine,
                    theirs,
                    found,
                    nonce_status,
                    owner,
                    round(time.monotonic() - self.started.get(spec, 0.0), 3),
                )
                self.outcomes.append(outcome)
                self.settled.add(student.id)
                if self.on_outcome:
                    self.on_outcome(outcome)

    def probed(self, spec: str, found: Probe) -> None:
        """Send a target that looks reachable from outside on to be checked."""
        with self.lock:
            self.probes[spec] = found
        if found.status != "ok":
            self.emit(spec, found.status, empty_report(self.lab, spec, found.error))
        else:
            self.ready.put(spec)

    def identified(self, event: dict[str, str]) -> None:
        """Add what a grading session read inside a target to what is known of it."""
        spec, error = event["target"], event["error"]
        # The engine's error type leads the message, maybe behind the plugin's TargetError.
        timed_out = any(name in error for name in _ENGINE_TIMEOUTS)
        with self.lock:
            self.probes[spec] = identify(
                self.probes.get(spec, Probe(spec, "ok")),
                event["output"],
                error,
                timed_out=timed_out,
            )

    def report(self, report: Report) -> None:
        """A batch reported a target; one the session left unfinished stays for `--resume`."""
        status = classify(report)
        if status is not None:
            self.emit(report.target, status, report)


# Errors of the execution engine (checker.engine.errors) mean "the target", never "the work":
# a check that died of one makes the whole target not judged rather than a task failed.
_ENGINE_TIMEOUTS = ("CommandTimeout:", "DeadlineExceeded:")
_ENGINE_LOST = ("SessionLost:", "TargetUnreachable:", "TargetError:")


def classify(report: Report) -> str | None:
    """The status a checks report gives its learner (None: interrupted, not a verdict)."""
    if report.error.startswith("interrupted"):
        return None
    if not report.gradable:
        lowered = report.error.lower()
        return "timeout" if "time" in lowered or "did not finish" in lowered else "unreachable"
    messages = [
        check.message for task in report.tasks for check in task.checks if check.outcome == "error"
    ]
    if any(message.startswith(_ENGINE_TIMEOUTS) for message in messages):
        return "timeout"
    if any(message.startswith(_ENGINE_LOST) for message in messages):
        return "unreachable"
    return "graded"


def default_jobs() -> int:
    """Check sessions to run at once: one per CPU, at least two.

    Grading is CPU-bound (the commands in the shells, pytest itself): more sessions than CPUs
    only contend (measured on 2 cores, 100 targets: 2 jobs 8.7 s, 4 jobs 10.2 s).
    """
    return max(2, os.cpu_count() or 2)


def grade_class(
    lab: Lab,
    students: Iterable[Student],
    *,
    engine: str = "persistent",
    jobs: int | None = None,
    target_timeout: float = 60.0,
    include_hidden: bool = True,
    state: ClassState | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    vantage: str = "outside",
) -> list[Outcome]:
    """Grade every learner's environment; return one outcome per learner.

    Args:
        lab: the lab whose checks grade.
        students: the learners to grade (a resumed run passes only those not graded yet).
        engine: `persistent` or `testinfra`.
        jobs: pytest sessions running at once (default: `default_jobs()`).
        target_timeout: seconds one target's checks may take before it is recorded as timed out.
        include_hidden: grade hidden tasks too (always, for an authoritative grade).
        state: the class state holding the nonces seeded at `lab class up`.
        on_outcome: called (from any thread, never two at once) as each outcome is known.
        vantage: `outside`: Docker environments are examined by the examiner container, with
            the grader's own tools (`checker.examiner`); `inside`: through the learner's shell.

    Raises:
        ManifestError: the lab's checks are broken (nothing can be graded).
        KeyboardInterrupt: interrupted; outcomes handed on so far stand, the rest are not made.
    """
    jobs = jobs or default_jobs()
    run = _Run(lab, list(students), state, on_outcome)
    specs = list(run.by_spec)
    batch_max = max(1, -(-len(specs) // max(1, jobs)))
    with (
        ThreadPoolExecutor(
            max_workers=min(16, max(4, 2 * jobs)), thread_name_prefix="k2c-probe"
        ) as probes,
        ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="k2c-grade") as pool,
    ):
        for spec in specs:
            run.started[spec] = time.monotonic()
        probing = [probes.submit(_probe_one, run, spec) for spec in specs]
        workers = [
            pool.submit(_worker, run, engine, include_hidden, target_timeout, batch_max, vantage)
            for _ in range(max(1, jobs))
        ]
        try:
            _wait_all(probing)
            for _ in workers:
                run.ready.put(None)  # one end marker per worker
            _wait_all(workers)
        except BaseException:
            run.stop.set()
            for _ in workers:
                run.ready.put(None)
            raise
    return run.outcomes


def _probe_one(run: _Run, spec: str) -> None:
    if not run.stop.is_set():
        run.probed(spec, look_outside(run.targets[spec]))


def _worker(
    run: _Run,
    engine: str,
    include_hidden: bool,
    target_timeout: float,
    batch_max: int,
    vantage: str = "outside",
) -> None:
    """Take batches of ready targets until the end marker; check each batch in one session."""
    finished = False
    while not finished and not run.stop.is_set():
        first = run.ready.get()
        if first is None:
            return
        batch = [first]
        deadline = time.monotonic() + _GATHER
        while len(batch) < batch_max:
            try:
                spec = run.ready.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if spec is None:
                finished = True
                break
            batch.append(spec)
        try:
            check_batch(
                run.lab,
                [run.targets[spec] for spec in batch],
                engine=engine,
                include_hidden=include_hidden,
                target_timeout=target_timeout,
                on_report=run.report,
                on_identity=run.identified,
                on_timeout=lambda spec: run.emit(
                    spec,
                    "timeout",
                    empty_report(
                        run.lab, spec, f"checks did not finish within {target_timeout:.0f} s"
                    ),
                ),
                stop=run.stop,
                vantage=vantage,
            )
        except BatchFailed as exc:
            for spec in batch:
                run.emit(spec, "error", empty_report(run.lab, spec, f"grader: {exc}"))


def _wait_all(futures: list[Future[None]]) -> None:
    """Wait for the futures in short steps (so Ctrl-C is seen) and re-raise their errors."""
    for future in futures:
        while True:
            try:
                future.result(timeout=0.2)
                break
            except TimeoutError:
                continue
