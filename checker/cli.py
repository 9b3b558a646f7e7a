"""The `lab` command line: a thin layer over the library, one function per verb."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker import environments, learner
from checker.errors import LabError, TargetError, UsageError, target_error
from checker.exitcodes import ExitCode
from checker.learner import UnknownLab
from checker.manifest import Course, Lab, Limits, load_course
from checker.paths import repo_root
from checker.progress import ProgressStore
from checker.reach import ensure_reachable
from checker.runner import ENGINES
from checker.selftest import SOURCES, VANTAGES
from checker.spec import TargetSpec, parse_spec


class NoSolutions(UsageError):
    """The copy of the course ships without solutions/ (the students' copy)."""


class LabGroup(click.Group):
    """A click group that turns library errors into one clear line and a distinct exit code.

    The instructor's commands load only when asked for: a learner's `lab check` should not pay
    for the gradebook, the exporters and the class report on every run.
    """

    lazy: ClassVar[dict[str, str]] = {
        "class": "checker.classroom.commands:class_group",
        "grade": "checker.classroom.commands:grade",
        "cluster": "checker.cluster_commands:cluster_group",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Name every command, the lazy ones included."""
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a command, importing a lazy one on first use."""
        if cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; map known failures to their exit codes."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _fail(ctx, "interrupted", ExitCode.INTERRUPTED)
        except LabError as exc:  # every failure of the library carries its exit code
            _fail(ctx, str(exc), exc.exit_code)


def _fail(ctx: click.Context, message: str, code: ExitCode) -> NoReturn:
    console: Console = ctx.obj["err"]
    console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    ctx.exit(code)


EXIT_CODES = """\b
Exit codes:
  0    OK (check, grade: every task passed)
  1    checks ran and some task is not passed
  2    usage: bad command line, unknown lab or task
  3    target error: no engine, missing container, unreachable host
  4    content error: a broken manifest, check or step
  130  interrupted (Ctrl-C)"""


@click.group(
    cls=LabGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES,
)
@click.version_option(package_name="kernel-to-cloud")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Kernel to Cloud: start a lab, check your work, get hints."""
    ctx.ensure_object(dict)
    ctx.obj.setdefault("out", Console(highlight=False))
    ctx.obj.setdefault("err", Console(stderr=True, highlight=False))


def _course() -> Course:
    return load_course(repo_root())


def _lab(lab_id: str) -> Lab:
    return learner.find_lab(lab_id)


def _complete_lab(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of a lab id: the course's labs starting with what was typed."""
    from click.shell_completion import CompletionItem

    try:
        course = _course()
    except Exception:  # completion must never print a traceback into the shell
        return []
    return [
        CompletionItem(lab.id, help=lab.title)
        for lab in course.labs
        if lab.id.startswith(incomplete)
    ]


def _complete_task(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of a task id of the lab already on the command line."""
    from click.shell_completion import CompletionItem

    lab_id = ctx.params.get("lab_id")
    try:
        lab = _course().lab(lab_id) if lab_id else None
    except Exception:
        return []
    if lab is None:
        return []
    taken = set(ctx.params.get("task_ids") or ())
    return [
        CompletionItem(task.id, help=task.title)
        for task in lab.tasks
        if not task.hidden and task.id.startswith(incomplete) and task.id not in taken
    ]


def _tasks(lab: Lab, task_ids: tuple[str, ...] | list[str]) -> list[str]:
    """The task ids asked for, checked against the lab's visible tasks (in the order given)."""
    known = {task.id for task in lab.tasks if not task.hidden}
    for task_id in task_ids:
        if task_id not in known:
            raise UnknownLab(
                f"lab {lab.id!r} has no task {task_id!r}: its tasks are " + ", ".join(sorted(known))
            )
    return list(dict.fromkeys(task_ids))


def _out(ctx: click.Context) -> Console:
    return ctx.obj["out"]


@contextmanager
def _progress(ctx: click.Context, what: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr whose text follows the work's progress lines."""
    console: Console = ctx.obj["err"]
    with console.status(what) as status:
        yield lambda line: status.update(f"{what}: {escape(line)}")


def _target(lab: Lab, spec: str | None) -> TargetSpec:
    """The target named on the command line, parsed (a malformed one exits 3), or the default."""
    return parse_spec(spec) if spec else learner.default_target(lab)


target_option = click.option(
    "--target",
    "-t",
    metavar="SPEC",
    help="docker://NAME, ssh://user@host, local:// or kube://NAME?kubeconfig=PATH "
    "(default: the container or cluster `lab start` made)",
)


def cluster_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--kubeconfig, --context and --namespace: a Kubernetes cluster of the learner's own."""
    for option in (
        click.option("--namespace", metavar="NAME", help="the namespace (default: the lab's)"),
        click.option("--context", metavar="NAME", help="the kubeconfig's context to use"),
        click.option(
            "--kubeconfig",
            metavar="PATH",
            help="a Kubernetes cluster of your own, reached by this kubeconfig",
        ),
    ):
        command = option(command)
    return command


def _cluster_or_target(
    lab: Lab,
    target: str | None,
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
) -> TargetSpec:
    """The target: a cluster given by --kubeconfig/--context/--namespace, else `_target`'s."""
    if not (kubeconfig or context or namespace):
        return _target(lab, target)
    if target:
        raise click.UsageError("give either --target or --kubeconfig/--context/--namespace")
    return learner.cluster_target(lab, kubeconfig, context, namespace)


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="print the labs and progress as JSON")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the course's labs in order, with your progress in each."""
    course = _course()
    progress = ProgressStore().load()
    if as_json:
        labs = []
        for section in course.sections:
            for lab in (course.lab(lab_id) for lab_id in section.lab_ids):
                visible = [task for task in lab.tasks if not task.hidden]
                entry = progress.get(lab.id)
                labs.append(
                    {
                        "id": lab.id,
                        "title": lab.title,
                        "section": section.title,
                        "level": lab.level,
                        "minutes": lab.minutes,
                        "tasks": [task.id for task in visible],
                        "points": sum(task.points for task in visible),
                        "progress": entry.to_dict() if entry else None,
                    }
                )
        click.echo(json.dumps({"course": course.title, "labs": labs}, indent=2))
        return
    table = Table(title=course.title)
    # The id is what every command takes: never shortened, whatever the terminal's width.
    width = max((len(lab.id) for lab in course.labs), default=3)
    table.add_column("lab", no_wrap=True, min_width=width)
    table.add_column("title", ratio=1)
    table.add_column("level", no_wrap=True)
    table.add_column("min", justify="right", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    for section in course.sections:
        table.add_section()
        table.add_row(f"[bold]{escape(section.title)}[/]")
        for lab in (course.lab(lab_id) for lab_id in section.lab_ids):
            visible = [task for task in lab.tasks if not task.hidden]
            table.add_row(
                lab.id,
                escape(lab.title),
                lab.level,
                str(lab.minutes),
                _progress_cell(progress.get(lab.id), sum(task.points for task in visible)),
            )
    _out(ctx).print(table)


vm_option = click.option(
    "--vm",
    is_flag=True,
    help="use the lab's virtual machine from machines.yaml, through Vagrant",
)


def limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --memory and --pids: the environment's limits, instead of the lab manifest's."""
    command = click.option(
        "--pids",
        type=click.IntRange(1, 1_000_000),
        metavar="N",
        help="most processes (threads) the environment may run (default: the lab's)",
    )(command)
    return click.option(
        "--memory",
        metavar="SIZE",
        callback=_check_size,
        help="most memory the environment may use, e.g. 512m or 2g (default: the lab's)",
    )(command)


def _check_size(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9]+[kmg]?", value):
        raise click.BadParameter(f"{value!r} is not a size such as 512m or 2g")
    return value


def limits_of(lab: Lab, memory: str | None, pids: int | None) -> Limits:
    """The lab's limits, with what the command line changes."""
    default = lab.environment.limits
    return Limits(memory or default.memory, pids or default.pids)


def _progress_cell(entry: Any, points: int) -> str:
    """Points so far out of the lab's (dim when never checked; green once fully passed)."""
    if entry is None:
        return f"[dim]-/{points}[/]"
    if entry.passed:
        return f"[green]✔ {entry.score}/{entry.max_score}[/]"
    return f"{entry.score}/{entry.max_score}"


@main.command()
@click.option("--json", "as_json", is_flag=True, help="print environments and progress as JSON")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show your running environments and, for each lab, your last score and when."""
    course = _course()
    progress = ProgressStore().load()
    engine_error = ""
    try:
        running = environments.learner_environments()
    except environments.DockerUnavailable as exc:
        running, engine_error = [], str(exc)
    if as_json:
        data = {
            "environments": running,
            "engine_error": engine_error,
            "labs": {lab.id: (progress[lab.id].to_dict() if lab.id in progress else None)
                     for lab in course.labs},
        }  # fmt: skip
        click.echo(json.dumps(data, indent=2))
        return
    out = _out(ctx)
    if engine_error:
        out.print(f"[yellow]environments unknown:[/] {escape(engine_error)}")
    elif running:
        table = Table(title="environments")
        for column in ("container", "lab", "state"):
            table.add_column(column, no_wrap=True)
        for environment in running:
            table.add_row(environment["name"], environment["lab"], environment["state"])
        out.print(table)
    else:
        out.print("no environment: `lab start LAB` starts one")
    table = Table(title="progress")
    width = max((len(lab.id) for lab in course.labs), default=3)
    table.add_column("lab", no_wrap=True, min_width=width)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("checked", no_wrap=True)
    table.add_column("first passed", no_wrap=True)
    for lab in course.labs:
        visible = sum(task.points for task in lab.tasks if not task.hidden)
        entry = progress.get(lab.id)
        table.add_row(
            lab.id,
            _progress_cell(entry, visible),
            _when(entry.checked_at) if entry else "[dim]never[/]",
            _when(entry.first_passed_at) if entry and entry.first_passed_at else "[dim]-[/]",
        )
    out.print(table)
    out.print(f"[dim]kept in {escape(str(ProgressStore().path))}[/]")


def _when(stamp: str) -> str:
    """An ISO time from the progress file, shown in local time to the minute."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return escape(stamp)


@main.command()
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@vm_option
@limit_options
@click.pass_context
def start(ctx: click.Context, lab_id: str, vm: bool, memory: str | None, pids: int | None) -> None:
    """Build the lab's environment and start a fresh container (or its VM) for it."""
    lab = _lab(lab_id)
    if vm:
        _start_vm(ctx, lab)
        return
    _start(ctx, lab, limits_of(lab, memory, pids))


def _start_vm(ctx: click.Context, lab: Lab) -> None:
    with _progress(ctx, f"starting the VM of {lab.id}") as progress:
        machine, target = learner.start_vm(lab, progress=progress)
    out = _out(ctx)
    out.print(f"[green]✔[/] {escape(lab.title)} runs on VM [cyan]{machine.name}[/] ({machine.box})")
    out.print(f"  work in it:   vagrant ssh {machine.name}")
    out.print(f"  the guide:    {lab.guide_path}")
    out.print(f"  check it:     lab check {lab.id} --target '{target.spec}'")


def _stop_resident(lab: Lab) -> None:
    """Stop the resident checker of the lab's default environment, if one runs."""
    from checker import resident

    with contextlib.suppress(OSError):
        resident.stop(lab, _target(lab, None).spec)


def _start_cluster(ctx: click.Context, lab: Lab) -> None:
    from checker import clusters

    with _progress(ctx, f"starting {lab.id}") as progress:
        cluster = learner.start_cluster(lab, progress=progress)
    out = _out(ctx)
    out.print(
        f"[green]✔[/] {escape(lab.title)} is running: cluster [cyan]{cluster.name}[/], "
        f"a control plane and {cluster.workers} workers (Kubernetes {clusters.KUBE_VERSION})"
    )
    out.print(f"  kubeconfig:   {cluster.kubeconfig}")
    out.print(
        f"  use it:       export KUBECONFIG={cluster.kubeconfig} "
        f'PATH="$PATH:{clusters.kubectl_dir()}"; kubectl get nodes'
    )
    out.print(f"  the guide:    {lab.guide_path}")
    out.print(f"  check it:     lab check {lab.id}")


def _start(ctx: click.Context, lab: Lab, limits: Limits) -> None:
    if lab.environment.cluster is not None:
        _start_cluster(ctx, lab)
        return
    with _progress(ctx, f"starting {lab.id}") as progress:
        target = learner.start(lab, progress=progress, limits=limits)
    name = target.name
    out = _out(ctx)
    out.print(f"[green]✔[/] {escape(lab.title)} is running in container [cyan]{name}[/]")
    if nodes := environments.node_containers(lab, name):
        listed = ", ".join(f"{node} ({container})" for node, container in nodes.items())
        out.print(f"  its nodes:    {escape(listed)}, on network {escape(name)}.net")
    if lab.environment.privileged:
        out.print(
            "  privileged: it runs with "
            + ", ".join(f"CAP_{cap}" for cap in environments.PRIVILEGED_CAPS)
            + " and no seccomp/AppArmor profile, as the lab's kernel work needs"
        )
    if lab.environment.devices:
        from checker import devices

        for decision in devices.of_environment(name):
            out.print(f"  device:       {escape(str(decision))}")
    source = "the lab's" if limits == lab.environment.limits else "set on the command line"
    out.print(f"  limits:       {limits} ({source}; --memory and --pids change them)")
    out.print(f"  work in it:   docker exec -it {name} bash")
    out.print(f"  the guide:    {lab.guide_path}")
    out.print(f"  check it:     lab check {lab.id}")


@main.command()
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@click.argument("task_ids", metavar="[TASK]...", nargs=-1, shell_complete=_complete_task)
@target_option
@cluster_options
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="persistent",
    show_default=True,
    help="how commands reach the target",
)
@click.option("--watch", "-w", is_flag=True, help="re-check while you work, until all pass")
@click.option("--hints", "all_hints", is_flag=True, help="show every failing task's hint")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the report as JUnit XML to FILE",
)
@click.pass_context
def check(
    ctx: click.Context,
    lab_id: str,
    task_ids: tuple[str, ...],
    target: str | None,
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
    engine: str,
    watch: bool,
    all_hints: bool,
    as_json: bool,
    junit: Path | None,
) -> None:
    """Check your work: what passes, what is missing, and a hint.

    With TASK ids (`lab list` and `lab hint LAB` show them), only those tasks are checked.
    """
    lab = _lab(lab_id)
    tasks = _tasks(lab, task_ids)
    chosen = _cluster_or_target(lab, target, kubeconfig, context, namespace)
    spec = chosen.spec
    if watch:
        if as_json or junit or engine != "persistent":
            raise click.UsageError("--watch shows a live table: no --json, --junit or --engine")
        _watch(ctx, lab, spec, tasks)
    # Every task over the persistent engine: a resident checker left by an earlier check answers
    # with a fresh cycle on its open shell; without one, check here and leave one behind.
    resident = (
        engine == "persistent"
        and not tasks
        and os.environ.get("K2C_RESIDENT") != "0"
        and chosen.scheme != "kube"  # a cluster's checks keep no shell open between runs
    )
    report = None
    if resident:
        from checker import resident as residents

        report = residents.ask(lab, spec)
        if report is not None and not report.gradable:
            ensure_reachable(chosen)  # say precisely why (missing, stopped, unreachable)
            raise target_error(f"{spec}: {report.error}", report.error_kind)
    if report is None:
        report = learner.check(lab, chosen, engine=engine, in_process=True, tasks=tasks)
        if resident:
            residents.spawn(lab, spec)
    _record(lab, report)
    if junit:
        from checker.exports.junit import junit_xml

        junit.write_text(junit_xml([report]), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        from checker.render import check_view

        _out(ctx).print(check_view(report, all_hints=all_hints))
    ctx.exit(ExitCode.OK if report.passed else ExitCode.CHECKS_FAILED)


def _record(lab: Lab, report: Any) -> None:
    """Keep the learner's progress; a read-only or full home never fails a check."""
    points = {task.id: task.points for task in lab.tasks if not task.hidden}
    with contextlib.suppress(OSError):
        ProgressStore().record(report, points)


def _watch(ctx: click.Context, lab: Lab, spec: str, tasks: list[str]) -> NoReturn:
    """`lab check --watch`: one live table, redrawn each cycle, until every task passes."""
    import time as clock

    from rich.live import Live

    from checker.render import watch_view
    from checker.watch import Cycle, watch

    out = _out(ctx)
    if not out.is_terminal:
        out.print(f"watching {escape(lab.id)} on {escape(spec)}: Ctrl-C to stop")
    with Live(console=out, auto_refresh=False, transient=False) as live:

        def show(cycle: Cycle) -> None:
            if cycle.changed:
                _record(lab, cycle.report)
            stamp = clock.strftime("%H:%M:%S")
            footer = f"checked {stamp} in {cycle.seconds * 1000:.0f} ms" + (
                f" · next in {cycle.pause:.1f} s · Ctrl-C to stop" if cycle.pause else ""
            )
            live.update(watch_view(cycle.report, footer), refresh=True)

        result = watch(lab, spec, show, tasks=tasks)
    if not out.is_terminal:
        out.print()  # Live leaves its last frame without a line end off a terminal
    report = result.report
    if result.interrupted:
        out.print(f"stopped: {report.score}/{report.max_score} points; `lab check {lab.id}` "
                  "checks again")  # fmt: skip
        ctx.exit(ExitCode.INTERRUPTED)
    if not report.gradable:
        ensure_reachable(parse_spec(spec))
        raise TargetError(f"{spec}: {report.error}")
    out.print(f"[green]✔ every task passes: {report.score}/{report.max_score} points[/]")
    ctx.exit(ExitCode.OK)


@main.command()
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@click.argument("task_id", metavar="[TASK]", required=False, shell_complete=_complete_task)
@click.pass_context
def hint(ctx: click.Context, lab_id: str, task_id: str | None) -> None:
    """Show the hint of one task, or of every task."""
    from checker.render import Hanging, inline

    lab = _lab(lab_id)
    visible = [task for task in lab.tasks if not task.hidden]
    if task_id is not None:
        _tasks(lab, [task_id])
        visible = [task for task in visible if task.id == task_id]
    out = _out(ctx)
    for task in visible:
        out.print(f"[bold]{escape(task.title)}[/] [bold cyan]{task.id}[/]")
        out.print(Hanging("", inline(task.hint), indent=2))


@main.command()
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@click.option(
    "--task",
    "task_ids",
    multiple=True,
    metavar="TASK",
    help="apply only this task's step (repeatable)",
)
@target_option
@cluster_options
@click.pass_context
def solve(
    ctx: click.Context,
    lab_id: str,
    task_ids: tuple[str, ...],
    target: str | None,
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
) -> None:
    """Apply the reference solution's steps to your environment."""
    lab = _lab(lab_id)
    tasks = learner.find_tasks(lab, task_ids) if task_ids else None
    if not lab.solutions_dir.parent.is_dir():
        raise NoSolutions(
            f"this copy of the course has no solutions/ folder ({lab.solutions_dir.parent}): "
            "instructors keep the reference steps out of the students' copy. "
            f"For help, `lab hint {lab.id} TASK`; to see what passes, `lab check {lab.id}`."
        )
    chosen = _cluster_or_target(lab, target, kubeconfig, context, namespace)
    with _progress(ctx, f"solving {lab.id}") as progress:
        learner.solve(lab, chosen, tasks, progress=lambda task: progress(task.title))
    _out(ctx).print(f"[green]✔[/] applied the reference steps on {escape(chosen.spec)}")


@main.command()
@click.argument("lab_ids", metavar="LAB...", nargs=-1, required=True, shell_complete=_complete_lab)
@click.pass_context
def build(ctx: click.Context, lab_ids: tuple[str, ...]) -> None:
    """Build the labs' environment images now, so that a later start only starts.

    Docker's build cache keys each step by its inputs: a lab whose target/ did not change
    builds in seconds, and a change to its checks or guide rebuilds nothing.
    """
    for lab in [_lab(lab_id) for lab_id in lab_ids]:
        with _progress(ctx, f"building {lab.id}") as progress:
            if lab.environment.cluster is not None:
                from checker import clusters

                tag = clusters.build(progress)  # the lab's own images are built at start
            else:
                tag = environments.build_image(lab, progress)
        _out(ctx).print(f"[green]✔[/] {escape(tag)}")


@main.command()
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@limit_options
@click.pass_context
def reset(ctx: click.Context, lab_id: str, memory: str | None, pids: int | None) -> None:
    """Throw your environment away and start a fresh one."""
    lab = _lab(lab_id)
    _stop_resident(lab)
    _start(ctx, lab, limits_of(lab, memory, pids))


@main.command()
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@vm_option
@click.pass_context
def finish(ctx: click.Context, lab_id: str, vm: bool) -> None:
    """Remove the lab's environment (its container, or with --vm its VM)."""
    lab = _lab(lab_id)
    if vm:
        _out(ctx).print(f"destroyed VM {learner.finish_vm(lab)}")
        return
    _stop_resident(lab)
    name, removed = learner.finish(lab)
    what = (
        "cluster (its nodes' containers, network and kubeconfig)"
        if lab.environment.cluster is not None
        else "environment (its nodes' containers, network and volumes)"
        if lab.environment.nodes
        else "container"
    )
    _out(ctx).print(f"removed {what} {name}" if removed else f"no {what} {name} to remove")


@main.command("selftest")
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@click.option(
    "--source",
    type=click.Choice(SOURCES),
    default="solutions",
    show_default=True,
    help="steps to prove: the reference solutions or the guide's own commands",
)
@click.option("--engine", type=click.Choice(ENGINES), default="persistent", show_default=True)
@click.option(
    "--vantage",
    type=click.Choice(VANTAGES),
    default="both",
    show_default=True,
    help="check from outside (the examiner), inside (the target's shell), or both, which "
    "must agree",
)
@click.option(
    "--target",
    "-t",
    metavar="SPEC",
    help="prove the lab on this one live, fresh machine (its steps accumulate) instead of on "
    "fresh containers per case",
)
@click.pass_context
def selftest_(
    ctx: click.Context, lab_id: str, source: str, engine: str, vantage: str, target: str | None
) -> None:
    """Prove the lab: fresh fails, solved passes, each task's step matters."""
    lab = _lab(lab_id)
    with _progress(ctx, f"self-test of {lab.id}") as progress:
        if target is not None and source != "solutions":
            raise click.UsageError("--target proves the reference solutions only")
        result = learner.selftest(
            lab,
            source=source,
            engine=engine,
            vantage=vantage,
            target=parse_spec(target) if target is not None else None,
            progress=progress,
        )
    _out(ctx).print(result)
    ctx.exit(ExitCode.OK if result.ok else ExitCode.CHECKS_FAILED)
