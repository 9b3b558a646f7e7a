"""The `lab` command line: a thin layer over the library, one function per verb."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker import environments
from checker.classroom import identity
from checker.exitcodes import ExitCode
from checker.exports.junit import junit_xml
from checker.machines import MachineError, Vagrant, load_machines, machine_for
from checker.manifest import Course, Lab, ManifestError, load_course
from checker.paths import repo_root
from checker.runner import ENGINES, RunError, run_checks
from checker.selftest import SOURCES, VANTAGES, selftest, selftest_on_target
from checker.solve import StepFailed, apply_steps
from checker.targets import TargetError, ensure_reachable


class UnknownLab(Exception):
    """A lab or task id the course does not have."""


# Every failure the library raises maps to one exit code and one line on stderr.
_FAILURES: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (UnknownLab, ExitCode.USAGE),
    (ManifestError, ExitCode.CONTENT_ERROR),
    (StepFailed, ExitCode.CONTENT_ERROR),
    (RunError, ExitCode.CONTENT_ERROR),
    (TargetError, ExitCode.TARGET_ERROR),
    (environments.EngineUnavailable, ExitCode.TARGET_ERROR),
    (environments.BuildError, ExitCode.TARGET_ERROR),
    (MachineError, ExitCode.TARGET_ERROR),
)


class LabGroup(click.Group):
    """A click group that turns library errors into one clear line and a distinct exit code.

    The instructor's commands load only when asked for: a learner's `lab check` should not pay
    for the gradebook, the exporters and the class report on every run.
    """

    lazy: ClassVar[dict[str, str]] = {
        "class": "checker.classroom.commands:class_group",
        "grade": "checker.classroom.commands:grade",
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
        except tuple(kind for kind, _ in _FAILURES) as exc:
            code = next(code for kind, code in _FAILURES if isinstance(exc, kind))
            _fail(ctx, str(exc), code)


def _fail(ctx: click.Context, message: str, code: ExitCode) -> NoReturn:
    console: Console = ctx.obj["err"]
    console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    ctx.exit(code)


@click.group(cls=LabGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    try:
        return _course().lab(lab_id)
    except KeyError:
        raise UnknownLab(f"unknown lab {lab_id!r}: `lab list` shows the course's labs") from None


def _out(ctx: click.Context) -> Console:
    return ctx.obj["out"]


@contextmanager
def _progress(ctx: click.Context, what: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr whose text follows the work's progress lines."""
    console: Console = ctx.obj["err"]
    with console.status(what) as status:
        yield lambda line: status.update(f"{what}: {escape(line)}")


def _spec(lab: Lab, target: str | None) -> str:
    return target or f"docker://{environments.container_name(lab.id)}"


target_option = click.option(
    "--target",
    "-t",
    metavar="SPEC",
    help="docker://NAME, ssh://user@host or local:// (default: the container `lab start` made)",
)


@main.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List the course's labs in order."""
    course = _course()
    table = Table(title=course.title)
    for column in ("lab", "title", "level", "minutes", "tasks", "points"):
        table.add_column(column)
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
                str(len(visible)),
                str(sum(task.points for task in visible)),
            )
    _out(ctx).print(table)


vm_option = click.option(
    "--vm",
    is_flag=True,
    help="use the lab's virtual machine from machines.yaml, through Vagrant",
)


@main.command()
@click.argument("lab_id", metavar="LAB")
@vm_option
@click.pass_context
def start(ctx: click.Context, lab_id: str, vm: bool) -> None:
    """Build the lab's environment and start a fresh container (or its VM) for it."""
    lab = _lab(lab_id)
    if vm:
        _start_vm(ctx, lab)
        return
    if lab.target.vm:
        raise MachineError(
            f"lab {lab.id!r} runs on a whole machine: `lab start {lab.id} --vm` "
            f"(machine {lab.target.vm!r} of machines.yaml)"
        )
    _start(ctx, lab)


def _vagrant() -> tuple[Vagrant, Path]:
    root = repo_root()
    return Vagrant(root), root / "machines.yaml"


def _start_vm(ctx: click.Context, lab: Lab) -> None:
    vagrant, path = _vagrant()
    machine = machine_for(lab, load_machines(path))
    with _progress(ctx, f"vagrant up {machine.name}") as progress:
        vagrant.up(machine.name)
        progress("vagrant ssh-config")
        spec = vagrant.target(machine.name, repo_root() / ".vagrant" / "k2c")
    out = _out(ctx)
    out.print(f"[green]✔[/] {escape(lab.title)} runs on VM [cyan]{machine.name}[/] ({machine.box})")
    out.print(f"  work in it:   vagrant ssh {machine.name}")
    out.print(f"  the guide:    {lab.guide_path}")
    out.print(f"  check it:     lab check {lab.id} --target '{spec}'")


def _start(ctx: click.Context, lab: Lab) -> None:
    # Every environment carries its own nonce, so work copied from another one can be told apart.
    seed = identity.seed()
    with _progress(ctx, f"starting {lab.id}") as progress:
        spec = environments.start(
            lab, environment=seed.environment, labels=seed.labels, progress=progress
        )
    name = spec.removeprefix("docker://")
    out = _out(ctx)
    out.print(f"[green]✔[/] {escape(lab.title)} is running in container [cyan]{name}[/]")
    if nodes := environments.node_containers(lab, name):
        listed = ", ".join(f"{node} ({container})" for node, container in nodes.items())
        out.print(f"  its nodes:    {escape(listed)}, on network {escape(name)}.net")
    if lab.target.privileged:
        out.print(
            "  privileged: it runs with "
            + ", ".join(f"CAP_{cap}" for cap in environments.PRIVILEGED_CAPS)
            + " and no seccomp/AppArmor profile, as the lab's kernel work needs"
        )
    out.print(f"  work in it:   docker exec -it {name} bash")
    out.print(f"  the guide:    {lab.guide_path}")
    out.print(f"  check it:     lab check {lab.id}")


@main.command()
@click.argument("lab_id", metavar="LAB")
@target_option
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="persistent",
    show_default=True,
    help="how commands reach the target",
)
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    help="also write the report as JUnit XML to this file",
)
@click.pass_context
def check(
    ctx: click.Context,
    lab_id: str,
    target: str | None,
    engine: str,
    as_json: bool,
    junit: Path | None,
) -> None:
    """Check your work: every task, what is missing, and a hint."""
    lab = _lab(lab_id)
    spec = _spec(lab, target)
    if engine == "testinfra":
        ensure_reachable(spec)  # testinfra connects lazily: it would report every check crashed
    [report] = run_checks(lab, [spec], engine=engine, in_process=True)
    if not report.gradable:
        # The fast path skipped this; now say precisely why (missing, stopped, unreachable).
        ensure_reachable(spec)
        raise TargetError(f"{spec}: {report.error}")
    if junit:
        junit.write_text(junit_xml([report]), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _out(ctx).print(report)
    ctx.exit(ExitCode.OK if report.passed else ExitCode.CHECKS_FAILED)


@main.command()
@click.argument("lab_id", metavar="LAB")
@click.argument("task_id", metavar="TASK", required=False)
@click.pass_context
def hint(ctx: click.Context, lab_id: str, task_id: str | None) -> None:
    """Show the hint of one task, or of every task."""
    lab = _lab(lab_id)
    visible = [task for task in lab.tasks if not task.hidden]
    if task_id is not None:
        visible = [task for task in visible if task.id == task_id]
        if not visible:
            raise UnknownLab(f"lab {lab.id!r} has no task {task_id!r}")
    for task in visible:
        _out(ctx).print(f"[bold]{escape(task.title)}[/] ({task.id})\n  {escape(task.hint)}")


@main.command()
@click.argument("lab_id", metavar="LAB")
@click.option(
    "--task",
    "task_ids",
    multiple=True,
    metavar="TASK",
    help="apply only this task's step (repeatable)",
)
@target_option
@click.pass_context
def solve(ctx: click.Context, lab_id: str, task_ids: tuple[str, ...], target: str | None) -> None:
    """Apply the reference solution's steps to your environment."""
    lab = _lab(lab_id)
    unknown = [task_id for task_id in task_ids if task_id not in {t.id for t in lab.tasks}]
    if unknown:
        raise UnknownLab(f"lab {lab.id!r} has no task {unknown[0]!r}")
    spec = _spec(lab, target)
    ensure_reachable(spec)
    tasks = [lab.task(task_id) for task_id in task_ids] if task_ids else None
    with _progress(ctx, f"solving {lab.id}") as progress:
        apply_steps(lab, spec, tasks, progress=lambda task: progress(task.title))
    _out(ctx).print(f"[green]✔[/] applied the reference steps on {escape(spec)}")


@main.command()
@click.argument("lab_ids", metavar="LAB...", nargs=-1, required=True)
@click.pass_context
def build(ctx: click.Context, lab_ids: tuple[str, ...]) -> None:
    """Build the labs' environment images now, so that a later start only starts.

    Docker's build cache keys each step by its inputs: a lab whose target/ did not change
    builds in seconds, and a change to its checks or guide rebuilds nothing.
    """
    for lab in [_lab(lab_id) for lab_id in lab_ids]:
        with _progress(ctx, f"building {lab.id}") as progress:
            tag = environments.build_image(lab, progress)
        _out(ctx).print(f"[green]✔[/] {escape(tag)}")


@main.command()
@click.argument("lab_id", metavar="LAB")
@click.pass_context
def reset(ctx: click.Context, lab_id: str) -> None:
    """Throw your environment away and start a fresh one."""
    _start(ctx, _lab(lab_id))


@main.command()
@click.argument("lab_id", metavar="LAB")
@vm_option
@click.pass_context
def finish(ctx: click.Context, lab_id: str, vm: bool) -> None:
    """Remove the lab's environment (its container, or with --vm its VM)."""
    lab = _lab(lab_id)
    if vm:
        vagrant, path = _vagrant()
        machine = machine_for(lab, load_machines(path))
        vagrant.destroy(machine.name)
        _out(ctx).print(f"destroyed VM {machine.name}")
        return
    name = environments.container_name(lab.id)
    removed = environments.remove(name)
    _out(ctx).print(f"removed container {name}" if removed else f"no container {name} to remove")


@main.command("selftest")
@click.argument("lab_id", metavar="LAB")
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
        if target is not None:
            if source != "solutions":
                raise click.UsageError("--target proves the reference solutions only")
            ensure_reachable(target)
            result = selftest_on_target(lab, target, engine=engine, progress=progress)
        else:
            result = selftest(lab, source=source, engine=engine, progress=progress, vantage=vantage)
    _out(ctx).print(result)
    ctx.exit(ExitCode.OK if result.ok else ExitCode.CHECKS_FAILED)
