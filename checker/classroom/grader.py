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

from checker.classroom.batches import BatchFailed, check_batch
from checker.classroom.identity import ClassState
from checker.classroom.model import (
    GradeStatus,
    NonceStatus,
    Outcome,
    Probe,
    ProbeStatus,
    Student,
)
from checker.classroom.probe import identify, look_outside
from checker.errors import ErrorKind
from checker.manifest import Lab
from checker.report import CheckOutcome, Report, TaskResult, TaskStatus, clean_text
from checker.spec import parse_spec

_GATHER = 0.5  # seconds a worker waits for more ready targets before starting a session


def empty_report(
    lab: Lab, spec: str, error: str, kind: ErrorKind = ErrorKind.UNREACHABLE
) -> Report:
    """A report for a target whose checks did not run: every task an error, no points."""
    tasks = tuple(
        TaskResult(
            id=task.id,
            title=task.title,
            status=TaskStatus.ERROR,
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
        error_kind=kind,
    )


def verify_nonce(
    student: Student, found: Probe, state: ClassState | None
) -> tuple[NonceStatus, str]:
    """Compare the nonce found in the environment with the one seeded for the learner.

    An environment carrying a nonce seeded for another learner is a mismatch even when none
    was seeded for this one (an ssh target pointed at a classmate's class container).

    Returns:
        (verified | mismatch | unverified, the learner the found nonce was seeded for).
    """
    if not found.identified or state is None:
        return NonceStatus.UNVERIFIED, ""
    expected = state.nonces.get(student.id)
    owner = state.owner(found.nonce) if found.nonce else None
    if expected and found.nonce == expected:
        return NonceStatus.VERIFIED, ""
    if owner and owner != student.id:
        return NonceStatus.MISMATCH, owner
    return (NonceStatus.MISMATCH if expected else NonceStatus.UNVERIFIED), ""


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

    def emit(self, spec: str, status: GradeStatus, report: Report) -> None:
        """Record the outcome of every learner graded on `spec` (once each).

        A learner whose nonce the environment does not carry gets `mismatch` and no points,
        whatever the checks found: the work graded there is not theirs. Checks that passed on
        an environment that would not say whose it is are not graded either.
        """
        with self.lock:
            found = self.probes.get(spec, Probe(spec, ProbeStatus.UNREACHABLE))
            if status == GradeStatus.GRADED and not found.identified:
                status = _NOT_SEEN.get(found.status, GradeStatus.ERROR)
                report = empty_report(
                    self.lab,
                    spec,
                    found.error or "the grading session did not read whose environment it is",
                    _KIND.get(status, ErrorKind.UNREACHABLE),
                )
            for student in self.by_spec.get(spec, []):
                if student.id in self.settled:
                    continue
                nonce_status, owner = verify_nonce(student, found, self.state)
                mine, theirs = status, report
                if nonce_status == NonceStatus.MISMATCH and status in (
                    GradeStatus.GRADED,
                    GradeStatus.MISMATCH,
                ):
                    whose = (
                        f"the nonce seeded for {owner!r}" if owner else "no nonce seeded for them"
                    )
                    mine, theirs = (
                        GradeStatus.MISMATCH,
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
        if found.status != ProbeStatus.OK:
            status = _NOT_SEEN[found.status]
            self.emit(spec, status, empty_report(self.lab, spec, found.error, _KIND[status]))
        else:
            self.ready.put(spec)

    def identified(self, event: dict[str, str]) -> None:
        """Add what a grading session read inside a target to what is known of it.

        The event (`checker.classroom.events`) carries the error's kind, from its type.
        """
        spec, error = event["target"], event["error"]
        timed_out = event.get("kind", "") == ErrorKind.TIMEOUT
        with self.lock:
            self.probes[spec] = identify(
                self.probes.get(spec, Probe(spec, ProbeStatus.OK)),
                event["output"],
                error,
                timed_out=timed_out,
            )

    def report(self, report: Report) -> None:
        """A batch reported a target; one the session left unfinished stays for `--resume`."""
        status = classify(report)
        if status == GradeStatus.TIMEOUT and (lost := self.lost(report.target)):
            self.emit(report.target, GradeStatus.UNREACHABLE, lost)
        elif status is not None:
            self.emit(report.target, status, report)

    def timed_out(self, spec: str, seconds: float) -> None:
        """A target's checks overstayed: timed out, or unreachable when it is known lost."""
        lost = self.lost(spec)
        self.emit(
            spec,
            GradeStatus.UNREACHABLE if lost else GradeStatus.TIMEOUT,
            lost
            or empty_report(
                self.lab, spec, f"checks did not finish within {seconds:.0f} s", ErrorKind.TIMEOUT
            ),
        )

    def lost(self, spec: str) -> Report | None:
        """The report of a target that went away while checked (a pod deleted, its node lost).

        A shell that stops answering looks the same whether its environment is slow or gone;
        the cluster's API tells them apart (read afresh). Other kinds of targets: None.
        """
        found = look_outside(self.targets[spec], fresh=True)
        if found.status == ProbeStatus.OK:
            return None
        return empty_report(self.lab, spec, found.error, ErrorKind.UNREACHABLE)


# What a target the grader could not see becomes, and the kind its empty report carries.
_NOT_SEEN = {
    ProbeStatus.UNREACHABLE: GradeStatus.UNREACHABLE,
    ProbeStatus.TIMEOUT: GradeStatus.TIMEOUT,
}
_KIND = {GradeStatus.UNREACHABLE: ErrorKind.UNREACHABLE, GradeStatus.TIMEOUT: ErrorKind.TIMEOUT}


def classify(report: Report) -> GradeStatus | None:
    """The status a checks report gives its learner (None: interrupted, not a verdict).

    Read from the kinds the report carries (set from the exceptions' types where they were
    raised), never from a message: an error of the engine means "the target", never "the work",
    so a check that died of one makes the whole target not judged rather than a task failed.
    """
    if report.error_kind == ErrorKind.INTERRUPTED:
        return None
    if not report.gradable:
        timed_out = report.error_kind == ErrorKind.TIMEOUT
        return GradeStatus.TIMEOUT if timed_out else GradeStatus.UNREACHABLE
    kinds = {
        check.error_kind
        for task in report.tasks
        for check in task.checks
        if check.outcome == CheckOutcome.ERROR
    }
    if ErrorKind.TIMEOUT in kinds:
        return GradeStatus.TIMEOUT
    if ErrorKind.UNREACHABLE in kinds:
        return GradeStatus.UNREACHABLE
    return GradeStatus.GRADED


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
        ExaminerUnavailable: the examiner container could not be built or started.
        KeyboardInterrupt: interrupted; outcomes handed on so far stand, the rest are not made.
    """
    jobs = jobs or default_jobs()
    run = _Run(lab, list(students), state, on_outcome)
    specs = list(run.by_spec)
    if vantage == "outside" and any(spec.startswith("docker://") for spec in specs):
        from checker.examiner.container import ensure_running

        # Built and started once, before any target's clock starts (about 50 s the first time).
        ensure_running()
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
                on_timeout=lambda spec: run.timed_out(spec, target_timeout),
                stop=run.stop,
                vantage=vantage,
            )
        except BatchFailed as exc:
            for spec in batch:
                run.emit(
                    spec,
                    GradeStatus.ERROR,
                    empty_report(run.lab, spec, f"grader: {exc}", ErrorKind.RUN_FAILED),
                )


def _wait_all(futures: list[Future[None]]) -> None:
    """Wait for the futures in short steps (so Ctrl-C is seen) and re-raise their errors."""
    for future in futures:
        while True:
            try:
                future.result(timeout=0.2)
                break
            except TimeoutError:
                continue
