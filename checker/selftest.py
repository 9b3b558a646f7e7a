"""The self-test contract that makes a lab trustworthy (README.md, "Every lab keeps a contract").

On real, fresh targets: (1) nothing passes before the learner works; (2) with every reference
step applied, every task passes; (3) for each task, with every step but its own applied, that
task fails. All cases run side by side: their containers start and their steps run in parallel,
and one pytest session checks them all.

By default the checks run twice on the same environments: from outside, through the examiner
(`checker.examiner`, what `lab grade` uses), whose verdicts are judged, and inside, through each
environment's own shell (what `lab check` uses); every task must get the same verdict both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markup import escape
from rich.text import Text

from checker import environments, learner
from checker.errors import TargetError
from checker.guide import guide_commands
from checker.manifest import Lab
from checker.reach import run_script
from checker.report import Report, TaskStatus, clean_text
from checker.solve import step_script
from checker.spec import TargetSpec, parse_spec

SOURCES = ("solutions", "guide")
VANTAGES = ("both", "outside", "inside")
# Each command already has the engine's timeout; this bounds a whole run that still hangs.
CHECKS_TIMEOUT = 900


@dataclass(frozen=True)
class Case:
    """One environment of the self-test: which steps it gets and what each task must do."""

    name: str
    steps: tuple[str, ...]
    must_pass: tuple[str, ...] = ()
    must_fail: tuple[str, ...] = ()


@dataclass
class CaseResult:
    """What happened in one case, and every way it broke the contract."""

    case: Case
    report: Report | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SelftestResult:
    """The outcome of a lab's self-test."""

    lab: str
    source: str
    results: tuple[CaseResult, ...]

    @property
    def ok(self) -> bool:
        """True when every case kept the contract."""
        return all(not result.problems for result in self.results)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """One line per case, with its problems under it."""
        yield Text.from_markup(f"[bold]self-test of {escape(self.lab)}[/] ({self.source} steps)")
        for result in self.results:
            mark = "[red]✘[/]" if result.problems else "[green]✔[/]"
            yield Text.from_markup(f" {mark} {escape(result.case.name)}")
            for problem in result.problems:
                yield Text("      " + problem, style="red")
        verdict = "[green]contract kept[/]" if self.ok else "[red]contract broken[/]"
        yield Text.from_markup(verdict)


def cases(lab: Lab, scope: str = "full") -> list[Case]:
    """The cases of the contract: `full` (all three parts) or `solved` (part 2 only).

    A task built on others' results (`after:` in the manifest) cannot have its step applied
    without theirs, so "every step but T's" also leaves out every task after T. Cases that end
    up with the same steps share one environment, each still judged on its own task.
    """
    every = tuple(task.id for task in lab.tasks)
    solved = Case("solved: every step applied", every, must_pass=every)
    if scope == "solved":
        return [solved]
    merged: dict[tuple[str, ...], Case] = {(): Case("fresh: no step applied", (), must_fail=every)}
    for task_id in every:
        left_out = _built_on(lab, task_id)
        steps = tuple(other for other in every if other not in left_out)
        name = f"without {task_id}: every step but its own"
        if len(left_out) > 1:
            name += " and those after it"
        known = merged.get(steps)
        if known is None:
            merged[steps] = Case(name, steps, must_fail=(task_id,))
        elif task_id not in known.must_fail:
            merged[steps] = Case(
                f"{known.name}; {name}", steps, must_fail=(*known.must_fail, task_id)
            )
    fresh, *left_out_cases = merged.values()
    return [fresh, solved, *left_out_cases]


def _built_on(lab: Lab, task_id: str) -> set[str]:
    """The task and every task that comes after it, directly or through others."""
    found = {task_id}
    for task in lab.tasks:  # manifest order: a task's `after` names earlier tasks only
        if found.intersection(task.after):
            found.add(task.id)
    return found


def selftest(
    lab: Lab,
    *,
    source: str = "solutions",
    scope: str = "full",
    engine: str = "persistent",
    workers: int = 4,
    progress: Callable[[str], None] = lambda _: None,
    vantage: str = "both",
) -> SelftestResult:
    """Run the self-test of a lab on fresh environments started as `lab start` starts them.

    A cluster lab's cases share one cluster, each in a namespace of its own that does not exist
    yet, as a learner's does not (`checker.clusters.NamespaceSandbox`); the checks read one
    namespace only, so a case cannot pass on another's work.

    Args:
        lab: the lab.
        source: `solutions` (solutions/<lab>/<task>.sh) or `guide` (the guide's bash blocks).
        scope: `full` or `solved` (see `cases`).
        engine: the engine the checks run through.
        workers: how many environments are prepared at once.
        progress: receives one line per thing done.
        vantage: `outside` (the examiner, judged), `inside` (the target's shell, judged) or
            `both`: outside judged, and inside must give every task the same verdict.
    """
    steps = (
        guide_commands(lab)
        if source == "guide"
        else {task.id: step_script(lab, task) for task in lab.tasks}
    )
    results = [CaseResult(case) for case in cases(lab, scope)]
    sandbox = None
    names: list[str] = []
    if lab.environment.cluster is not None:
        from checker.clusters import NamespaceSandbox

        sandbox = NamespaceSandbox.open(lab, len(results), progress)
        targets = [parse_spec(spec) for spec in sandbox.specs]
        workers = len(results)  # steps mostly wait on the cluster's controllers
        # A cluster's checks already run outside the learner's reach: a shell on this machine
        # asking the API server. There is no second vantage to compare with.
        vantage = "inside"
    else:
        environments.build_image(lab, progress)
        if vantage != "inside":
            from checker.examiner.container import ensure_running

            ensure_running()
        names = [
            environments.container_name(lab.id, f"selftest-{index}")
            for index in range(len(results))
        ]
        targets = [parse_spec(f"docker://{name}") for name in names]

    def prepare(index: int) -> None:
        result = results[index]
        if sandbox is None:
            learner.start(lab, names[index], labels={"org.kernel-to-cloud.selftest": "1"})
        for task_id in result.case.steps:
            code, _, err = run_script(targets[index], steps[task_id])
            if code != 0:
                last = clean_text(err.strip().splitlines()[-1] if err.strip() else "", 300)
                result.problems.append(f"step {task_id} exited {code}: {last}")
                return
        progress(f"prepared {result.case.name}")

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(prepare, range(len(results))))
        judged = "inside" if vantage == "inside" else "outside"
        progress(f"running the checks on every case, from {judged}")
        reports = learner.check_all(
            lab,
            targets,
            engine=engine,
            include_hidden=True,
            timeout=CHECKS_TIMEOUT,
            vantage=judged,
        )
        others: list[Report | None] = [None] * len(reports)
        if vantage == "both":
            progress("running the checks on every case again, from inside")
            others = list(
                learner.check_all(
                    lab,
                    targets,
                    engine=engine,
                    include_hidden=True,
                    timeout=CHECKS_TIMEOUT,
                    vantage="inside",
                )
            )
        for result, report, other in zip(results, reports, others, strict=True):
            result.report = report
            _judge(result, report)
            if other is not None:
                _compare(result, report, other)
    finally:
        for name in names:
            environments.remove(name)
        if sandbox is not None:
            sandbox.close()
    return SelftestResult(lab.id, source, tuple(results))


def _compare(result: CaseResult, outside: Report, inside: Report) -> None:
    """Every task must get the same verdict from outside and from inside."""
    theirs = {task.id: task for task in inside.tasks}
    for task in outside.tasks:
        other = theirs[task.id]
        if task.status != other.status:
            result.problems.append(
                f"{task.id} is {task.status} from outside but {other.status} from inside: "
                f"{task.message or other.message}"
            )


# A step on a live machine can install a whole cloud (the packstack lab's install step).
TARGET_STEP_TIMEOUT = 1800


def selftest_on_target(
    lab: Lab,
    target: TargetSpec,
    *,
    engine: str = "persistent",
    progress: Callable[[str], None] = lambda _: None,
) -> SelftestResult:
    """Run the self-test of a lab on one live, fresh target whose steps accumulate.

    For machines that cannot be copied per case (a VM, a running cloud): the steps run once, in
    task order, on the same target, and the contract is checked along the way:
    (1) fresh, every task fails; (2) for each task, with every earlier step applied, it fails
    (its own step matters: nothing before it makes it pass), and once its step is applied it
    passes; (3) with every step applied, every task passes (no later step undid an earlier one).
    The target must be fresh (as `lab start` or the fixture leaves it); it is left solved.

    Args:
        lab: the lab.
        target: the target, e.g. docker://NAME or ssh://user@host.
        engine: the engine the checks run through.
        progress: receives one line per thing done.
    """
    every = tuple(task.id for task in lab.tasks)
    steps = {task.id: step_script(lab, task) for task in lab.tasks}

    def check(result: CaseResult, tasks: tuple[str, ...] = ()) -> None:
        [report] = learner.check_all(
            lab,
            [target],
            engine=engine,
            include_hidden=True,
            timeout=CHECKS_TIMEOUT,
            tasks=tasks,
        )
        result.report = report
        if not report.gradable:
            result.problems.append(f"the checks could not run: {report.error}")
            return
        _judge(result, report)

    fresh = CaseResult(Case("fresh: no step applied", (), must_fail=every))
    progress("checking the fresh target")
    check(fresh)
    results = [fresh]
    for index, task_id in enumerate(every):
        before, applied = every[:index], every[: index + 1]
        result = CaseResult(
            Case(
                f"{task_id}: fails after the steps before it, passes after its own",
                applied,
                must_pass=(task_id,),
            )
        )
        results.append(result)
        if index > 0:  # the fresh case already showed it failing with no step applied
            without = CaseResult(Case("", before, must_fail=(task_id,)))
            check(without, (task_id,))
            result.problems += without.problems
        progress(f"applying the step of {task_id}")
        try:
            code, _, err = run_script(target, steps[task_id], timeout=TARGET_STEP_TIMEOUT)
        except TargetError as exc:
            code, err = -1, str(exc)
        if code != 0:
            last = clean_text(err.strip().splitlines()[-1] if err.strip() else "", 300)
            result.problems.append(f"step {task_id} exited {code}: {last}")
            break
        progress(f"checking {task_id}")
        check(result, (task_id,))
    else:
        solved = CaseResult(Case("solved: every step applied", every, must_pass=every))
        progress("checking the solved target")
        check(solved)
        results.append(solved)
    return SelftestResult(lab.id, f"solutions on {target.spec}", tuple(results))


def _judge(result: CaseResult, report: Report) -> None:
    status = {task.id: task for task in report.tasks}
    for task_id in result.case.must_pass:
        task = status[task_id]
        if task.status != TaskStatus.PASSED:
            result.problems.append(f"{task_id} should pass but {task.status}: {task.message}")
    for task_id in result.case.must_fail:
        task = status[task_id]
        if task.status != TaskStatus.FAILED:
            detail = f": {task.message}" if task.message else ""
            result.problems.append(f"{task_id} should fail but {task.status}{detail}")
