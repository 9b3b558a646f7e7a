"""The learner's workflow, written once: find a lab, start, check, solve, hint, finish, selftest.

`lab` (`checker.cli`), the notebook helper (`checker.notebook`) and the self-test
(`checker.selftest`) all call these functions; they differ only in how they show the result.
Every failure is a `checker.errors.LabError` carrying its exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from checker import environments
from checker.classroom import identity
from checker.errors import UsageError, target_error
from checker.machines import Machine, MachineError, Vagrant, load_machines, machine_for
from checker.manifest import Lab, Limits, Task, load_course
from checker.paths import repo_root
from checker.reach import ensure_reachable
from checker.report import Report
from checker.runner import run_checks
from checker.solve import apply_steps
from checker.spec import TargetSpec, parse_spec

if TYPE_CHECKING:
    from checker.clusters import Cluster
    from checker.selftest import SelftestResult

Progress = Callable[[str], None]


class UnknownLab(UsageError):
    """A lab or task id the course does not have."""


def _quiet(_: str) -> None:
    """Progress sink that shows nothing."""


def find_lab(lab_id: str) -> Lab:
    """The course's lab of that id.

    Raises:
        UnknownLab: the course has no such lab.
        checker.manifest.ManifestError: the course or the lab's manifest is broken.
    """
    try:
        return load_course(repo_root()).lab(lab_id)
    except KeyError:
        raise UnknownLab(f"unknown lab {lab_id!r}: `lab list` shows the course's labs") from None


def find_tasks(lab: Lab, task_ids: Iterable[str]) -> list[Task]:
    """The lab's tasks of these ids, in the order given.

    Raises:
        UnknownLab: the lab has no task of one of the ids.
    """
    known = {task.id: task for task in lab.tasks}
    tasks = []
    for task_id in task_ids:
        if task_id not in known:
            raise UnknownLab(f"lab {lab.id!r} has no task {task_id!r}")
        tasks.append(known[task_id])
    return tasks


def default_target(lab: Lab) -> TargetSpec:
    """The target `start` makes for a lab: `docker://k2c-<lab>`, or its cluster's `kube://`."""
    if lab.environment.cluster is not None:
        from checker import clusters

        cluster = clusters.lab_cluster(lab)
        return parse_spec(cluster.spec(lab.environment.cluster.namespace))
    return parse_spec(f"docker://{environments.container_name(lab.id)}")


def cluster_target(
    lab: Lab,
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str | None = None,
) -> TargetSpec:
    """A Kubernetes cluster of the learner's own as the target, given by kubeconfig and context.

    Unset: the ``KUBECONFIG`` variable or ``~/.kube/config``, its current context, and the
    lab's namespace.
    """
    default = lab.environment.cluster.namespace if lab.environment.cluster else None
    query = {"kubeconfig": kubeconfig, "context": context, "namespace": namespace or default}
    return parse_spec("kube://cluster?" + urlencode({k: v for k, v in query.items() if v}))


def start_cluster(lab: Lab, *, progress: Progress = _quiet) -> Cluster:
    """Build what is missing and start the lab's cluster afresh; return it.

    Raises:
        checker.clusters.ClusterError: a node did not come up; the message quotes its logs.
        checker.environments.BuildError: an image could not be built.
    """
    from checker import clusters

    return clusters.start_lab(lab, progress=progress)


def start(
    lab: Lab,
    name: str | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    progress: Progress = _quiet,
    limits: Limits | None = None,
) -> TargetSpec:
    """Build the lab's environment and start a fresh one, replacing any of that name.

    `limits`: memory and processes allowed (default: the manifest's, or the defaults).

    Every environment carries a nonce of its own (`checker.classroom.identity`), so work
    copied from another one can be told apart.

    Returns:
        Its target.

    Raises:
        checker.machines.MachineError: the lab runs on a whole machine (`start_vm`).
    """
    if lab.environment.cluster is not None:
        start_cluster(lab, progress=progress)
        return default_target(lab)
    if lab.environment.vm:
        raise MachineError(
            f"lab {lab.id!r} runs on a whole machine: `lab start {lab.id} --vm` "
            f"(machine {lab.environment.vm!r} of machines.yaml)"
        )
    seed = identity.seed()
    return environments.start(
        lab,
        name,
        environment=seed.environment,
        labels={**seed.labels, **(labels or {})},
        progress=progress,
        limits=limits,
    )


def _vagrant(lab: Lab) -> tuple[Vagrant, Machine]:
    root = repo_root()
    return Vagrant(root), machine_for(lab, load_machines(root / "machines.yaml"))


def start_vm(lab: Lab, *, progress: Progress = _quiet) -> tuple[Machine, TargetSpec]:
    """Bring the lab's virtual machine up through Vagrant; return it and its `ssh://` target.

    Raises:
        checker.machines.MachineError: no machine runs the lab, or Vagrant failed.
    """
    vagrant, machine = _vagrant(lab)
    progress(f"vagrant up {machine.name}")
    vagrant.up(machine.name)
    progress("vagrant ssh-config")
    return machine, vagrant.target(machine.name, repo_root() / ".vagrant" / "k2c")


def finish_vm(lab: Lab) -> str:
    """Destroy the lab's virtual machine; return its name."""
    vagrant, machine = _vagrant(lab)
    vagrant.destroy(machine.name)
    return machine.name


def check(
    lab: Lab,
    target: TargetSpec | None = None,
    *,
    engine: str = "persistent",
    in_process: bool = False,
    tasks: Collection[str] = (),
) -> Report:
    """Run the lab's checks on a target (default: the one `start` made); return its report.

    `tasks`: only these tasks' checks (default: every task's).

    Raises:
        checker.errors.TargetError: the target could not be checked; the message says why.
    """
    target = target or default_target(lab)
    if engine == "testinfra":
        ensure_reachable(target)  # testinfra connects lazily: it would report every check crashed
    [report] = check_all(lab, [target], engine=engine, in_process=in_process, tasks=tasks)
    if not report.gradable:
        # The fast path skipped this; now say precisely why (missing, stopped, unreachable).
        ensure_reachable(target)
        raise target_error(f"{target.spec}: {report.error}", report.error_kind)
    return report


def check_all(
    lab: Lab,
    targets: Sequence[TargetSpec],
    *,
    engine: str = "persistent",
    include_hidden: bool = False,
    timeout: float | None = None,
    in_process: bool = False,
    vantage: str = "inside",
    tasks: Collection[str] = (),
) -> list[Report]:
    """Run the lab's checks on several targets in one pytest session; one report each.

    `vantage` and `tasks` are `checker.runner.run_checks`'s: where the examiner stands, and
    which tasks' checks run (default: every task's).
    """
    return run_checks(
        lab,
        targets,
        engine=engine,
        include_hidden=include_hidden,
        timeout=timeout,
        in_process=in_process,
        vantage=vantage,
        tasks=tasks,
    )


def solve(
    lab: Lab,
    target: TargetSpec | None = None,
    tasks: Sequence[Task] | None = None,
    *,
    progress: Callable[[Task], None] | None = None,
) -> TargetSpec:
    """Apply the reference steps (all, or these tasks') to a target; return the target.

    Raises:
        checker.errors.TargetError: the target does not answer.
        checker.solve.StepFailed: a step failed.
    """
    target = target or default_target(lab)
    ensure_reachable(target)
    apply_steps(lab, target, tasks, progress=progress)
    return target


def hint(lab: Lab, task_id: str | None = None) -> list[Task]:
    """The visible tasks whose hints to show: one (`task_id`) or every one.

    Raises:
        UnknownLab: the lab has no visible task of that id.
    """
    visible = [task for task in lab.tasks if not task.hidden]
    if task_id is None:
        return visible
    chosen = [task for task in visible if task.id == task_id]
    if not chosen:
        raise UnknownLab(f"lab {lab.id!r} has no task {task_id!r}")
    return chosen


def finish(lab: Lab) -> tuple[str, bool]:
    """Remove the lab's environment; return its name and whether there was one.

    A cluster lab's environment is its whole cluster: node containers, network and kubeconfig.
    """
    if lab.environment.cluster is not None:
        from checker import clusters

        name = clusters.lab_cluster(lab).name
        return name, clusters.remove(name)
    name = environments.container_name(lab.id)
    return name, environments.remove(name)


def selftest(
    lab: Lab,
    *,
    source: str = "solutions",
    engine: str = "persistent",
    vantage: str = "both",
    target: TargetSpec | None = None,
    progress: Progress = _quiet,
) -> SelftestResult:
    """Prove the lab keeps its contract (see `checker.selftest`).

    On fresh containers, one per case (`vantage`: outside, inside, or both, which must agree);
    or, given a `target`, on that one live, fresh machine, whose steps accumulate.

    Raises:
        checker.errors.TargetError: the target does not answer.
    """
    from checker.selftest import selftest as prove
    from checker.selftest import selftest_on_target

    if target is not None:
        ensure_reachable(target)
        return selftest_on_target(lab, target, engine=engine, progress=progress)
    return prove(lab, source=source, engine=engine, progress=progress, vantage=vantage)
