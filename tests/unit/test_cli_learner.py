"""The learner's side of `lab`: task ids, one hint at a time, progress, completion, help."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from checker.cli import main
from checker.exitcodes import ExitCode
from checker.render import check_view
from checker.report import Report, TaskResult

REPO = Path(__file__).resolve().parents[2]
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LAB_COMMAND, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "K2C_ROOT": str(REPO), **env},
        check=False,
        timeout=60,
    )


def _report() -> Report:
    tasks = (
        TaskResult("uts", "Give a process its own hostname", "passed", 1, 1, "h0"),
        TaskResult(
            "pid",
            "Start PID 1",
            "failed",
            0,
            2,
            "`unshare --pid` alone moves only the children: add `--fork` so the program "
            "becomes PID 1 of the new namespace, and more words so the hint wraps twice over.",
            checks=(),
        ),
        TaskResult("net", "Connect two namespaces", "failed", 0, 3, "Use `ip netns add`."),
        TaskResult("user", "Be root", "error", 0, 2, "Use `useradd`."),
    )
    return Report("namespaces", "docker://k2c-namespaces", tasks)


def _text(renderable: object, width: int = 60) -> str:
    with Path(os.devnull).open("w") as sink:
        console = Console(width=width, record=True, color_system=None, file=sink)
        console.print(renderable)
    return console.export_text()


def test_a_check_shows_ids_and_only_the_first_failing_tasks_hint() -> None:
    """Each task's id beside its title; one hint; the line naming the others and how."""
    text = _text(check_view(_report()))
    assert "1. Give a process its own hostname uts (1/1)" in text
    assert "2. Start PID 1 pid (0/2)" in text
    assert "hint: unshare --pid alone moves" in text  # inline code, no backticks
    assert "`" not in text.split("2 more hints")[0]
    assert "Use ip netns add" not in text
    assert (
        "2 more hints (net, user): lab hint namespaces TASK, or lab check namespaces --hints"
        in (" ".join(text.split()))
    )
    every = _text(check_view(_report(), all_hints=True))
    assert "Use ip netns add." in every
    assert "more hint" not in every


def test_a_hint_wraps_with_a_hanging_indent() -> None:
    """The hint's wrapped lines start under its first word, not under the label."""
    lines = _text(check_view(_report()), width=60).splitlines()
    first = next(n for n, line in enumerate(lines) if "hint: unshare" in line)
    column = lines[first].index("unshare")
    following = lines[first + 1]
    assert following[:column].strip() == ""
    assert following[column] != " "
    assert all(line == line.rstrip() for line in lines[first : first + 4])


def test_lab_help_lists_the_exit_codes(cli: CliRunner) -> None:
    """`lab --help` ends with every exit code and its meaning."""
    result = cli.invoke(main, ["--help"])
    assert result.exit_code == 0
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "130"):
        assert f"\n    {code}" in result.output
    assert "target error" in result.output


def test_hint_usage_shows_task_as_optional(cli: CliRunner) -> None:
    """TASK in brackets: `lab hint LAB` alone is valid."""
    result = cli.invoke(main, ["hint", "--help"], prog_name="lab")
    assert "Usage: lab hint [OPTIONS] LAB [TASK]" in result.output


def test_an_unknown_task_is_a_usage_error_naming_the_tasks(cli: CliRunner) -> None:
    """`lab check LAB TASK` with a task the lab lacks: exit 2, the lab's tasks listed."""
    result = cli.invoke(main, ["check", "namespaces", "utz"], env={"K2C_ROOT": str(REPO)})
    assert result.exit_code == ExitCode.USAGE
    assert "has no task 'utz'" in result.output
    assert "mount, net, pid, user, uts" in result.output


def test_lab_list_never_shortens_an_id_at_80_columns() -> None:
    """The id is what commands take: `container-by-hand` whole, in a narrow terminal."""
    done = _run("list", COLUMNS="80")
    assert done.returncode == 0, done.stderr
    assert "container-by-hand " in done.stdout
    assert "…" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80


@pytest.mark.parametrize(
    ("shell", "words", "current", "expected"),
    [
        ("bash", "lab hint na", "2", "plain,namespaces"),
        ("zsh", "lab hint na", "2", "plain\nnamespaces\n"),
        # fish passes the words before the cursor, and the word being completed itself.
        ("fish", "lab hint", "na", "plain,namespaces"),
    ],
)
def test_completion_offers_namespaces_for_lab_hint_na(
    shell: str, words: str, current: str, expected: str
) -> None:
    """The shell completion of the real command completes lab ids from the course."""
    done = _run(_LAB_COMPLETE=f"{shell}_complete", COMP_WORDS=words, COMP_CWORD=current)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
    assert "networking" not in done.stdout


def test_completion_offers_a_labs_task_ids() -> None:
    """After the lab, its visible task ids complete; one already given is not offered again."""
    done = _run(
        _LAB_COMPLETE="bash_complete", COMP_WORDS="lab check namespaces uts ", COMP_CWORD="4"
    )
    assert done.returncode == 0, done.stderr
    offered = {line.split(",", 1)[1] for line in done.stdout.splitlines()}
    assert offered == {"pid", "net", "mount", "user"}


def test_solve_without_solutions_says_so(cli: CliRunner, scratch_course: Path) -> None:
    """A students' copy of the course has no solutions/: a plain usage error, not a content one."""
    shutil.rmtree(scratch_course / "solutions")
    result = cli.invoke(main, ["solve", "demo"])
    assert result.exit_code == ExitCode.USAGE
    assert "has no solutions/ folder" in result.output
    assert "lab hint demo TASK" in result.output


def test_grade_without_a_roster_explains_what_grading_needs(cli: CliRunner) -> None:
    """`lab grade LAB` alone: what a roster is for, and that a learner uses `lab check`."""
    result = cli.invoke(main, ["grade", "namespaces"], env={"K2C_ROOT": str(REPO)})
    assert result.exit_code == ExitCode.USAGE
    assert "needs --roster FILE and --out DIR" in result.output
    assert "run `lab check namespaces`" in result.output
    assert "Missing option" not in result.output


def test_status_and_list_read_the_progress_store(tmp_path: Path) -> None:
    """Progress written by one process shows in `lab status --json` and `lab list --json`."""
    from checker.progress import ProgressStore

    store = ProgressStore(tmp_path / "kernel-to-cloud")
    report = Report(
        "namespaces",
        "docker://k2c-namespaces",
        (TaskResult("uts", "t", "passed", 1, 1),),
    )
    store.record(report, {"uts": 1, "pid": 2, "net": 3, "mount": 2, "user": 2})
    status = _run("status", "--json", XDG_STATE_HOME=str(tmp_path))
    assert status.returncode == 0, status.stderr
    labs = json.loads(status.stdout)["labs"]
    assert labs["namespaces"]["score"] == 1
    assert labs["namespaces"]["max_score"] == 10
    assert labs["cgroups"] is None
    listed = json.loads(_run("list", "--json", XDG_STATE_HOME=str(tmp_path)).stdout)
    [namespaces] = [lab for lab in listed["labs"] if lab["id"] == "namespaces"]
    assert namespaces["progress"]["tasks"] == {"uts": "passed"}
    assert namespaces["tasks"] == ["uts", "pid", "net", "mount", "user"]
