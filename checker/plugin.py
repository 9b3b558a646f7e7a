"""The pytest plugin that turns a lab's checks into per-task results.

It binds every check to a task (`@pytest.mark.task("id")`), refuses checks naming unknown tasks
and tasks without checks, gives checks a testinfra `host` for each target, runs them against
every target in one session, and writes one JSON report per target when the session ends, even
when it was interrupted.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from checker.errors import ErrorKind, TargetError, error_kind, target_error
from checker.manifest import Lab, ManifestError, load_lab
from checker.report import (
    CheckOutcome,
    CheckResult,
    Evidence,
    Report,
    TaskResult,
    TaskStatus,
    clean_text,
)
from checker.spec import Node, TargetSpec, parse_spec

TARGET_PARAM = "lab_target_spec"
# The tools checks use on machines without an examiner, verified against their packages.
_SSH_TOOLS = (
    *("sh", "bash", "cat", "grep", "sed", "awk", "tr", "head", "find", "sort"),
    *("ip", "readlink", "nsenter", "stat", "ps", "docker", "ssh"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the options `lab` passes to the pytest session it runs."""
    group = parser.getgroup("lab", "Kernel to Cloud lab checks")
    group.addoption(
        "--lab-target",
        action="append",
        default=[],
        metavar="SPEC",
        help="target to check (docker://NAME, ssh://user@host, local://); repeatable",
    )
    group.addoption(
        "--lab-engine",
        default="persistent",
        choices=("persistent", "testinfra"),
        help="how commands reach the target",
    )
    group.addoption("--lab-report", metavar="FILE", help="write the JSON reports here")
    group.addoption(
        "--lab-stream",
        metavar="FILE",
        help="append each target's report as one JSON line as soon as it is done",
    )
    group.addoption(
        "--lab-hidden", action="store_true", help="also run checks of hidden tasks (grading)"
    )
    group.addoption(
        "--lab-vantage",
        default="inside",
        choices=("inside", "outside"),
        help="where the examiner stands: inside the learner's shell, or outside, in the "
        "examiner container (Docker targets; others stay inside, flagged)",
    )
    group.addoption(
        "--lab-task",
        action="append",
        default=[],
        metavar="TASK",
        help="run only this task's checks (repeatable; default: every task)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the task marker and, when targets are given, the session state."""
    config.addinivalue_line("markers", "task(id): the lab task this check belongs to")
    if config.getoption("--lab-target"):
        config.pluginmanager.register(LabRun(config), LabRun.NAME)


def lab_run(config: pytest.Config) -> LabRun:
    """The state of the `lab` run this pytest session is (its targets, hosts and outcomes)."""
    return cast(LabRun, config.pluginmanager.get_plugin(LabRun.NAME))


def _spec_of(item: pytest.Item) -> str | None:
    """The spec of the target a collected check runs against (None: not a lab check)."""
    callspec = getattr(item, "callspec", None)
    return None if callspec is None else callspec.params.get(TARGET_PARAM)


@pytest.fixture(scope="session")
def lab_target_spec(request: pytest.FixtureRequest) -> str:
    """The spec (text) of the target the current check runs against."""
    return request.param


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, lab_target_spec: str) -> TargetSpec:
    """The target being checked, parsed (`spec`, `scheme`, `name`, `nodes`...)."""
    return lab_run(request.config).targets[lab_target_spec]


@pytest.fixture(scope="session")
def host(request: pytest.FixtureRequest, target: TargetSpec) -> Any:
    """A testinfra Host on the target's primary node, through the engine `lab` chose."""
    return lab_run(request.config).host(target)


@pytest.fixture(scope="session")
def hosts(request: pytest.FixtureRequest, target: TargetSpec) -> dict[str, Any]:
    """A testinfra Host on every node of the target, by role (a single node's role is "")."""
    run = lab_run(request.config)
    return {node.role: run.host(target, node) for node in target.nodes}


@pytest.fixture(scope="session")
def examiner(request: pytest.FixtureRequest, target: TargetSpec) -> Any:
    """The learner's environment as checks see it: `checker.examiner.Examiner`.

    Outside (grading a Docker environment) it is examined from the examiner container with
    the grader's own tools; otherwise it is the target's own shell.
    """
    return lab_run(request.config).examiner(target)


@dataclass
class _Outcome:
    checks: list[CheckResult] = field(default_factory=list)


class LabRun:
    """State of one run of a lab's checks (one pytest session): the lab, targets, outcomes."""

    NAME = "lab-run"

    def __init__(self, config: pytest.Config) -> None:
        """Read the options and parse every target once; the lab is found from the checks.

        Raises:
            pytest.UsageError: a target spec is malformed.
        """
        self.config = config
        self.specs: list[str] = list(dict.fromkeys(config.getoption("--lab-target")))
        try:
            self.targets: dict[str, TargetSpec] = {s: parse_spec(s) for s in self.specs}
        except TargetError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.engine: str = config.getoption("--lab-engine")
        self.include_hidden: bool = config.getoption("--lab-hidden")
        self.only_tasks: set[str] = set(config.getoption("--lab-task"))
        self.lab: Lab | None = None
        self.content_error = ""
        self.unreachable: dict[str, tuple[str, ErrorKind]] = {}  # why, by target spec
        self.outcomes: dict[tuple[str, str], _Outcome] = {}
        self.remaining: Counter[str] = Counter()  # checks still to run, per target
        self._hosts: dict[str, Any] = {}  # by node spec
        self._warm = False  # every node's session is opening in the background
        self._evidence: list[Evidence] = []  # commands the running check sent
        self.vantage: str = config.getoption("--lab-vantage")
        self._examiners: dict[str, Any] = {}
        self._examiner_host: Any = None
        self._inside_used: set[str] = set()  # targets a check reached through their own shell

    def examiner(self, target: TargetSpec) -> Any:
        """The examiner of a target (once per target): outside when asked and possible.

        Outside means the examiner container looking at the primary node (a container).

        Raises:
            checker.errors.TargetError: the target or the examiner container is unreachable.
        """
        from checker.examiner import Examiner
        from checker.reach import open_node

        spec = target.spec
        if spec in self._examiners:
            return self._examiners[spec]
        if spec in self.unreachable:
            raise target_error(*self.unreachable[spec])
        if self.vantage == "outside" and target.scheme == "docker":
            from checker.engine import EngineError
            from checker.examiner import container

            try:
                place = container.place(target.name)
                if self._examiner_host is None:  # one shell in the examiner for every target
                    examiner_node = container.ensure_running().primary
                    self._examiner_host = self._recording(open_node(examiner_node, self.engine))
                host = self._examiner_host
            except (container.ExaminerUnavailable, EngineError) as exc:
                self.unreachable[spec] = (clean_text(f"TargetError: {exc}", 300), exc.kind)
                raise target_error(*self.unreachable[spec]) from None
            found = Examiner(host, spec, "outside", place)
        else:
            found = Examiner(self._inside_host(target), spec, "inside")
            if self.vantage == "outside" and target.scheme == "ssh":
                found.verify_tools(_SSH_TOOLS)
        self._examiners[spec] = found
        return found

    def _inside_host(self, target: TargetSpec) -> Any:
        self._inside_used.add(target.spec)
        return self.host(target)

    def host(self, target: TargetSpec, node: Node | None = None) -> Any:
        """Open (once) and return the Host of a node (default: the primary); unreachable raise.

        A target with a node that cannot be opened is unreachable as a whole.
        """
        from checker.engine import EngineError
        from checker.reach import open_node, warm_hosts

        spec = target.spec
        if self.vantage == "outside":
            self._inside_used.add(spec)  # a check asked for the learner's own shell
        elif not self._warm:
            warm_hosts(self.targets.values(), self.engine)
            self._warm = True
        node = node or target.primary
        if node.spec not in self._hosts and spec not in self.unreachable:
            try:
                self._hosts[node.spec] = self._recording(open_node(node, self.engine))
            except EngineError as exc:
                # The kind tells a hung target from a gone one; the message says which node.
                why = clean_text(f"{type(exc).__name__}: {exc}", 300)
                self.unreachable[spec] = (why, exc.kind)
        if spec in self.unreachable:
            raise target_error(*self.unreachable[spec])
        return self._hosts[node.spec]

    def _recording(self, host: Any) -> Any:
        """Make the host log every command it runs, as evidence for the running check."""
        run = host.backend.run

        def recording_run(command: str, *args: Any, **kwargs: Any) -> Any:
            result = run(command, *args, **kwargs)
            digest = hashlib.sha256(result.stdout_bytes + b"\0" + result.stderr_bytes)
            sent = result.command
            text = host.backend.decode(sent) if isinstance(sent, bytes) else str(sent)
            self._evidence.append(Evidence(clean_text(text, 500), result.rc, digest.hexdigest()))
            return result

        host.backend.run = recording_run
        return host

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run every check once per target."""
        if TARGET_PARAM in metafunc.fixturenames:
            metafunc.parametrize(
                TARGET_PARAM, self.specs, indirect=True, scope="session", ids=self.specs
            )

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Bind checks to tasks, refuse bad bindings, drop hidden tasks unless grading.

        With `--lab-task`, only the named tasks' checks run (every binding is still verified).
        """
        try:
            self.lab = _lab_of(items)
            selected = self._bind(items)
        except ManifestError as exc:
            self.content_error = str(exc)
            raise pytest.UsageError(str(exc)) from None
        deselected = [item for item in items if item not in selected]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected
        self.remaining.update(spec for item in selected if (spec := _spec_of(item)) is not None)

    def _bind(self, items: list[pytest.Item]) -> list[pytest.Item]:
        assert self.lab is not None
        tasks = {task.id: task for task in self.lab.tasks}
        checked: set[str] = set()
        selected = []
        for item in items:
            markers = list(item.iter_markers("task"))
            if len(markers) != 1 or len(markers[0].args) != 1:
                raise ManifestError(
                    f'{item.nodeid}: a check needs exactly one @pytest.mark.task("<task id>")'
                )
            task_id = markers[0].args[0]
            if task_id not in tasks:
                raise ManifestError(
                    f"{item.nodeid}: names task {task_id!r}, which {self.lab.path.name}/lab.yaml"
                    " does not define"
                )
            checked.add(task_id)
            if self.only_tasks and task_id not in self.only_tasks:
                continue
            if self.include_hidden or not tasks[task_id].hidden:
                selected.append(item)
        unchecked = [task_id for task_id in tasks if task_id not in checked]
        if unchecked:
            raise ManifestError(f"{self.lab.path / 'lab.yaml'}: task {unchecked[0]!r} has no check")
        return selected

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        """Record each check's outcome, telling a failed assertion from a crash."""
        report = yield
        spec = _spec_of(item)
        if spec is None:
            return report
        if report.when == "setup":
            self._evidence = []
        outcome = _classify(report, call)
        if outcome is not None:
            task_id = next(item.iter_markers("task")).args[0]
            failed = outcome in (CheckOutcome.FAILED, CheckOutcome.ERROR)
            message = _message(call) if failed else ""
            kind = error_kind(call.excinfo.value) if call.excinfo and failed else ErrorKind.NONE
            self.outcomes.setdefault((spec, task_id), _Outcome()).checks.append(
                CheckResult(
                    item.nodeid,
                    outcome,
                    message,
                    round(report.duration, 4),
                    tuple(self._evidence),
                    kind,
                )
            )
        if report.when == "teardown":
            self.remaining[spec] -= 1
            if self.remaining[spec] == 0:
                self._stream(spec)
        return report

    def _stream(self, spec: str) -> None:
        if path := self.config.getoption("--lab-stream"):
            with Path(path).open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(self.report(spec).to_dict()) + "\n")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the reports, whatever happened (an interrupted run still reports)."""
        path = self.config.getoption("--lab-report")
        if not path:
            return
        data = {
            "content_error": self.content_error,
            "reports": [self.report(spec).to_dict() for spec in self.specs] if self.lab else [],
        }
        Path(path).write_text(json.dumps(data), encoding="utf-8")

    def pytest_unconfigure(self) -> None:
        """Close the targets' shells: a session run in-process must leave none behind."""
        if self.engine == "persistent":
            from checker.engine import disconnect_all

            disconnect_all()

    def report(self, spec: str) -> Report:
        """Build the report of one target from the recorded outcomes."""
        assert self.lab is not None
        results = []
        for task in self.lab.tasks:
            if task.hidden and not self.include_hidden:
                continue
            if self.only_tasks and task.id not in self.only_tasks:
                continue
            checks = tuple(self.outcomes.get((spec, task.id), _Outcome()).checks)
            status = _task_status(checks)
            results.append(
                TaskResult(
                    id=task.id,
                    title=task.title,
                    status=status,
                    points=task.points if status == TaskStatus.PASSED else 0,
                    max_points=task.points,
                    hint=task.hint,
                    hidden=task.hidden,
                    checks=checks,
                )
            )
        error, kind = self.unreachable.get(spec, ("", ErrorKind.NONE))
        if not error and self.remaining[spec] > 0:
            error, kind = "interrupted before every check ran", ErrorKind.INTERRUPTED
        examiner = self._examiners.get(spec)
        outside = examiner is not None and examiner.outside and spec not in self._inside_used
        return Report(
            lab=self.lab.id,
            lab_uuid=self.lab.uuid,
            target=spec,
            tasks=tuple(results),
            gradable=not error,
            error=error,
            error_kind=kind,
            extra={
                # examined: from outside, with the grader's tools; inside: read in a machine
                # the learner controls (their tools, or package-verified ones over ssh).
                "trust": "examined" if outside else "inside",
                "flags": list(examiner.flags) if examiner else [],
            },
        )


def _lab_of(items: list[pytest.Item]) -> Lab:
    """The lab whose `checks/` folder holds the collected checks (one lab per session)."""
    folders = {Path(str(item.path)).resolve().parent for item in items}
    labs = {folder.parent for folder in folders if folder.name == "checks"}
    if len(labs) != 1 or len(folders) != 1:
        raise ManifestError("lab checks must all come from one labs/<id>/checks/ folder")
    return load_lab(labs.pop())


def _classify(report: pytest.TestReport, call: pytest.CallInfo[None]) -> CheckOutcome | None:
    if report.skipped:
        return CheckOutcome.SKIPPED if report.when != "teardown" else None
    if report.when == "call":
        if report.passed:
            return CheckOutcome.PASSED
        if call.excinfo is not None and call.excinfo.errisinstance(AssertionError):
            return CheckOutcome.FAILED
        return CheckOutcome.ERROR
    # A setup or teardown failure (unreachable target, broken fixture) is never the learner's.
    return CheckOutcome.ERROR if report.failed else None


def _message(call: pytest.CallInfo[None]) -> str:
    if call.excinfo is None:
        return ""
    value = call.excinfo.value
    if isinstance(value, AssertionError):
        text = str(value)
        # pytest appends its own explanation after the check's message: keep the message only.
        text = text.split("\nassert ", 1)[0]
        return clean_text(text.strip() or "assertion failed")
    return clean_text(f"{type(value).__name__}: {value}".strip(), 500)


def _task_status(checks: tuple[CheckResult, ...]) -> TaskStatus:
    outcomes = {check.outcome for check in checks}
    if CheckOutcome.FAILED in outcomes:
        return TaskStatus.FAILED
    if CheckOutcome.ERROR in outcomes:
        return TaskStatus.ERROR
    return TaskStatus.PASSED if CheckOutcome.PASSED in outcomes else TaskStatus.FAILED
