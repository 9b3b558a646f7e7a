"""The classroom commands: `lab class up|down|list` and `lab grade`.

`checker.cli` loads them only when one is asked for (`LabGroup.lazy`), so a learner's command
never pays for the gradebook and the exporters; they also run on their own.
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from checker.classroom import identity, kube
from checker.classroom.fleet import class_down, class_up
from checker.classroom.gradebook import Gradebook, GradebookError
from checker.classroom.grader import default_jobs, grade_class
from checker.classroom.model import GradeRow, GradeStatus, Outcome, Roster, Student
from checker.classroom.output import GRADEBOOK, OutputError, check_output, inside, write_outputs
from checker.classroom.roster import RosterError, load_roster
from checker.classroom.uniqueness import flag_collisions
from checker.cli import limit_options, limits_of
from checker.environments import container_name
from checker.examiner.container import ExaminerUnavailable
from checker.exitcodes import ExitCode
from checker.manifest import Lab, load_lab
from checker.paths import repo_root
from checker.report import clean_text
from checker.runner import ENGINES

_LAB_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _consoles(ctx: click.Context) -> tuple[Console, Console]:
    """The `lab` consoles when run under it, fresh ones otherwise."""
    obj = ctx.find_root().obj or {}
    return (
        obj.get("out") or Console(highlight=False),
        obj.get("err") or Console(stderr=True, highlight=False),
    )


def _fail(ctx: click.Context, message: str, code: ExitCode) -> NoReturn:
    _consoles(ctx)[1].print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    ctx.exit(code)


def _lab(ctx: click.Context, lab_id: str) -> Lab:
    """Load just this lab: a broken manifest elsewhere in the course must not stop a grade."""
    folder = repo_root() / "labs" / lab_id
    if not _LAB_ID.match(lab_id) or not (folder / "lab.yaml").is_file():
        _fail(ctx, f"unknown lab {lab_id!r}: `lab list` shows the course's labs", ExitCode.USAGE)
    return load_lab(folder)


def _roster(ctx: click.Context, path: Path) -> Roster:
    try:
        return load_roster(path)
    except RosterError as exc:
        _fail(ctx, str(exc), exc.exit_code)


roster_option = click.option(
    "--roster",
    "-r",
    "roster_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or YAML roster: id, name, email, section, lms_id, target, key",
)
state_option = click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="class state file holding the seeded nonces (default: beside the roster)",
)


def kube_options(command: Callable[..., object]) -> Callable[..., object]:
    """Add --on and where on Kubernetes: --kubeconfig, --context, --namespace."""
    for option in reversed(
        (
            click.option(
                "--on",
                "on",
                type=click.Choice(("docker", "kubernetes")),
                default="docker",
                show_default=True,
                help="where the environments run: this Docker host, or pods on a cluster",
            ),
            click.option(
                "--kubeconfig",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="the cluster's kubeconfig (default: kubectl's)",
            ),
            click.option("--context", help="the kubeconfig's context (default: its current one)"),
            click.option("--namespace", help="the class's namespace (default: k2c-LAB)"),
        )
    ):
        command = option(command)
    return command


def _placement(
    ctx: click.Context,
    lab: Lab,
    kubeconfig: Path | None,
    context: str | None,
    namespace: str | None,
    registry: str | None = None,
) -> kube.Placement:
    """Where on Kubernetes, with the context resolved now (a later current-context is ignored)."""
    placement = kube.Placement(
        str(kubeconfig.resolve()) if kubeconfig else "",
        context or "",
        namespace or kube.default_namespace(lab),
        (registry or "").strip("/"),
    )
    try:
        if not placement.context:
            current = kube.kubectl(placement, "config", "current-context")
            placement = replace(placement, context=current.stdout.strip())
    except kube.KubeError as exc:
        _fail(ctx, str(exc), exc.exit_code)
    return placement


def _class_placement(state_file: Path, lab: Lab) -> kube.Placement | None:
    """Where the class of this state runs, when on Kubernetes."""
    return kube.Placement.from_state(identity.load_state(state_file, lab.id).placement)


@click.group("class")
def class_group() -> None:
    """Run a class: one environment per student, on this Docker host or on Kubernetes."""


@class_group.command("up")
@click.argument("lab_id", metavar="LAB")
@roster_option
@state_option
@click.option(
    "--jobs",
    "-j",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="containers started at once",
)
@limit_options
@kube_options
@click.option(
    "--registry",
    metavar="HOST/PREFIX",
    help="on Kubernetes: push the lab's image there for the nodes to pull "
    "(default: load it into the nodes of a course cluster)",
)
@click.pass_context
def up(
    ctx: click.Context,
    lab_id: str,
    roster_path: Path,
    state_path: Path | None,
    jobs: int,
    memory: str | None,
    pids: int | None,
    on: str,
    kubeconfig: Path | None,
    context: str | None,
    namespace: str | None,
    registry: str | None,
) -> None:
    """Start a fresh environment for every student without a target of their own.

    `--on kubernetes`: one pod per student in the class's namespace (see the instructors' guide).
    """
    lab, roster = _lab(ctx, lab_id), _roster(ctx, roster_path)
    out, err = _consoles(ctx)
    state_file = state_path or identity.state_path(roster_path, lab.id)
    limits = limits_of(lab, memory, pids)
    if on == "kubernetes":
        placement = _placement(ctx, lab, kubeconfig, context, namespace, registry)
        try:
            with err.status(f"starting the class of {lab.id} on Kubernetes") as status:
                pods = kube.class_up_pods(
                    lab,
                    roster,
                    state_file,
                    placement,
                    progress=lambda line: status.update(escape(line)),
                    limits=limits,
                )
        except (kube.NotOnKubernetes, kube.KubeError) as exc:
            _fail(ctx, str(exc), exc.exit_code)
        out.print(
            f"[green]✔[/] {len(pods)} pods of {escape(lab.id)} are running in namespace "
            f"{escape(placement.namespace)} ({escape(placement.context)}), each with "
            f"{escape(kube.quantity(limits.memory))} of memory (processes: the kubelet's pod "
            f"limit); nonces recorded in {escape(str(state_file))}"
        )
        return
    with err.status(f"starting the class of {lab.id}") as status:
        started = class_up(
            lab,
            roster,
            state_file,
            jobs=jobs,
            progress=lambda line: status.update(escape(line)),
            limits=limits,
        )
    out.print(
        f"[green]✔[/] {len(started)} environments of {escape(lab.id)} are running, each with "
        f"{limits}; nonces recorded in {escape(str(state_file))}"
    )


@class_group.command("down")
@click.argument("lab_id", metavar="LAB")
@click.option(
    "--roster",
    "-r",
    "roster_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="also remove the roster's containers that lost their labels; a class on Kubernetes: "
    "its pods, wherever the class state says they are",
)
@state_option
@kube_options
@click.pass_context
def down(
    ctx: click.Context,
    lab_id: str,
    roster_path: Path | None,
    state_path: Path | None,
    on: str,
    kubeconfig: Path | None,
    context: str | None,
    namespace: str | None,
) -> None:
    """Remove the class's environments of this lab (on Kubernetes: its pods, nothing else)."""
    lab = _lab(ctx, lab_id)
    roster = _roster(ctx, roster_path) if roster_path else None
    out, err = _consoles(ctx)
    placement = None
    if on == "kubernetes":
        placement = _placement(ctx, lab, kubeconfig, context, namespace)
    elif roster_path or state_path:
        state_file = state_path or identity.state_path(roster_path or Path(), lab.id)
        placement = _class_placement(state_file, lab)
    if placement is not None:
        try:
            with err.status(f"removing the pods of {lab.id}") as status:
                gone = kube.class_down_pods(
                    lab, placement, progress=lambda line: status.update(escape(line))
                )
        except kube.KubeError as exc:
            _fail(ctx, str(exc), exc.exit_code)
        out.print(
            f"removed {gone} pods of {escape(lab.id)} from namespace "
            f"{escape(placement.namespace)} ({escape(placement.context)})"
        )
        return
    with err.status(f"removing the class environments of {lab.id}") as status:
        removed = class_down(lab, roster, progress=lambda line: status.update(escape(line)))
    out.print(f"removed {removed} class environments of {escape(lab.id)}")


@class_group.command("list")
@click.argument("lab_id", metavar="LAB")
@roster_option
@state_option
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
@click.pass_context
def list_(
    ctx: click.Context, lab_id: str, roster_path: Path, state_path: Path | None, as_json: bool
) -> None:
    """List each student's id, the target their grade is read from, and how to get a shell."""
    lab, roster = _lab(ctx, lab_id), _roster(ctx, roster_path)
    placement = _class_placement(state_path or identity.state_path(roster_path, lab.id), lab)
    entries = [
        {
            "id": s.id,
            "name": s.name,
            "email": s.email,
            "section": s.section,
            "target": s.spec(lab.id) if placement is None or not s.managed else t.target,
            "managed": s.managed,
            "shell": _shell(lab, s, placement),
        }
        for s, t in zip(
            roster.students,
            kube.on_pods(roster, lab, placement) if placement else roster.students,
            strict=True,
        )
    ]
    if as_json:
        click.echo(json.dumps(entries, indent=2))
        return
    table = Table(title=f"{lab.id}: {len(entries)} students")
    for column in ("id", "name", "target", "shell"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(*(escape(str(entry[key])) for key in ("id", "name", "target", "shell")))
    _consoles(ctx)[0].print(table)


def _shell(lab: Lab, student: Student, placement: kube.Placement | None) -> str:
    """How the learner (or the instructor) gets a shell in the class environment ('' if none)."""
    if not student.managed:
        return ""
    if placement is not None:
        return placement.shell_command(kube.pod_name(lab, student))
    return f"docker exec -it {container_name(lab.id, student.id)} bash"


@click.command("grade")
@click.argument("lab_id", metavar="LAB")
@click.option(
    "--roster",
    "-r",
    "roster_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV or YAML roster: id, name, email, section, lms_id, target, key (required)",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="output folder: gradebook.sqlite, CSVs, report.html, junit.xml, results/",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="persistent",
    show_default=True,
    help="how commands reach the targets",
)
@click.option(
    "--jobs",
    "-j",
    default=default_jobs,
    show_default="one per CPU, at least 2",
    type=click.IntRange(1, 64),
    help="check sessions running at once",
)
@click.option(
    "--timeout",
    "target_timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="seconds one target's checks may take",
)
@click.option("--resume", is_flag=True, help="continue the last run: grade only the rest")
@state_option
@click.pass_context
def grade(
    ctx: click.Context,
    lab_id: str,
    roster_path: Path | None,
    out_dir: Path | None,
    engine: str,
    jobs: int,
    target_timeout: float,
    resume: bool,
    state_path: Path | None,
) -> None:
    """Grade every student's environment, hidden tasks included, into an output folder.

    Exit status: 0 every student graded; 3 some targets unreachable or timed out (recorded as
    such, never as failed); 130 interrupted (finished rows kept: `--resume` grades the rest).
    """
    if roster_path is None or out_dir is None:
        missing = " and ".join(
            what
            for what, value in (("--roster FILE", roster_path), ("--out DIR", out_dir))
            if value is None
        )
        _fail(
            ctx,
            f"lab grade grades a whole class: it needs {missing} (the roster lists the "
            "students and where their work is; see the instructors' guide). To check your own "
            f"work, run `lab check {lab_id}`.",
            ExitCode.USAGE,
        )
    lab, roster = _lab(ctx, lab_id), _roster(ctx, roster_path)
    out, err = _consoles(ctx)
    try:  # before any grading: a folder that cannot take the results stops the run at once
        check_output(out_dir)
        book = Gradebook(inside(out_dir, GRADEBOOK))
    except (OutputError, GradebookError) as exc:
        _fail(ctx, str(exc), ExitCode.USAGE)
    try:
        run_id = book.last_run(lab.id) if resume else None
        if resume and run_id is None:
            _fail(ctx, f"nothing to resume: {out_dir} has no run of {lab.id}", ExitCode.USAGE)
        if run_id is None:
            run_id = book.start_run(lab.id, lab.uuid, engine, str(roster.path))
        done = book.graded(run_id, lab.id)
        state = identity.load_state(state_path or identity.state_path(roster_path, lab.id), lab.id)
        students: list[Student] = list(roster.students)
        placement = kube.Placement.from_state(state.placement)
        if placement is not None:  # a class on Kubernetes: each managed learner is a pod
            kube.ensure_kubectl()
            students = kube.on_pods(roster, lab, placement)
        todo = [student for student in students if student.id not in done]
        interrupted = False
        with _live(err, len(todo), f"grading {lab.id}") as show, _sigterm_interrupts():

            def record(outcome: Outcome) -> None:
                book.record(run_id, outcome)
                show(outcome)

            try:
                grade_class(
                    lab,
                    todo,
                    engine=engine,
                    jobs=jobs,
                    target_timeout=target_timeout,
                    state=state,
                    on_outcome=record,
                )
            except KeyboardInterrupt:
                interrupted = True
            except ExaminerUnavailable as exc:
                _fail(ctx, f"cannot examine from outside: {exc}", ExitCode.TARGET_ERROR)
        if not interrupted:
            book.finish_run(run_id)
        rows = flag_collisions(book.rows(run_id, lab.id))
        try:
            write_outputs(out_dir, lab, rows, run=f"run {run_id}")
        except OutputError as exc:
            _fail(
                ctx,
                f"{exc} (every grade is kept in {GRADEBOOK}: fix the folder and run again "
                "with --resume to write the exports)",
                ExitCode.USAGE,
            )
    finally:
        book.close()
    _summary(out, rows, out_dir, len(roster.students))
    if interrupted:
        _fail(
            ctx,
            f"interrupted: {len(rows)} of {len(roster.students)} students are in the "
            "gradebook; `--resume` grades the rest",
            ExitCode.INTERRUPTED,
        )
    judged = all(row.judged for row in rows)
    ctx.exit(ExitCode.OK if judged else ExitCode.TARGET_ERROR)


@contextmanager
def _live(console: Console, total: int, what: str) -> Iterator[Callable[[Outcome], None]]:
    """A progress bar, and one clean line per student as each is graded."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(escape(what), total=total)

        def show(outcome: Outcome) -> None:
            progress.advance(task)
            mark = {GradeStatus.GRADED: "[green]✔[/]", GradeStatus.MISMATCH: "[red]✘[/]"}.get(
                outcome.status, "[magenta]![/]"
            )
            detail = (
                f"{outcome.score}/{outcome.report.max_score}"
                if outcome.status == GradeStatus.GRADED
                else f"{outcome.status}: {clean_text(outcome.report.error, 160)}"
            )
            progress.console.print(
                f"{mark} {escape(clean_text(outcome.student.id, 80))} {escape(detail)}",
                soft_wrap=True,
                highlight=False,
            )

        yield show


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Let `kill` stop a grading run the way Ctrl-C does: finished rows kept, exports written."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (e.g. a test runner's worker): nothing to restore
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _summary(console: Console, rows: list[GradeRow], out_dir: Path, total: int) -> None:
    """Print what the run recorded and where the exports are."""
    graded = [row for row in rows if row.status == GradeStatus.GRADED]
    missing = [row for row in rows if not row.judged]
    console.print(
        f"{len(rows)}/{total} students in the gradebook: {len(graded)} graded, "
        f"{len(missing)} not graded (unreachable or timed out), "
        f"{sum(row.status == GradeStatus.MISMATCH for row in rows)} mismatched environments, "
        f"{sum(bool(row.flags) for row in rows)} flagged"
    )
    console.print(
        f"results in {escape(str(out_dir))}: report.html, gradebook.csv, "
        "gradebook.sqlite, junit.xml, moodle.csv, canvas.csv, results/"
    )
