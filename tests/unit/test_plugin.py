"""The pytest plugin: binding checks to tasks, outcomes, hidden tasks, streaming.

These run real pytest sessions against `local://` with testinfra's local backend: no engine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.classroom.grader import classify
from checker.errors import ErrorKind
from checker.manifest import ManifestError, load_lab
from checker.report import Report
from checker.runner import run_checks
from checker.spec import parse_spec

# One per run: people running this suite at once on one machine must not share it.
MARKER_FILE = f"/tmp/k2c-plugin-test-marker-{os.getpid()}"


def write_checks(root: Path, body: str) -> Path:
    """Replace the demo lab's checks with `body`; return the lab folder."""
    lab_dir = root / "labs" / "demo"
    (lab_dir / "checks" / "test_demo.py").write_text("import pytest\n\n" + body)
    return lab_dir


def run_local(lab_dir: Path, **options: object) -> Report:
    [report] = run_checks(
        load_lab(lab_dir), [parse_spec("local://")], engine="testinfra", **options
    )
    return report


CHECKS = f'''
@pytest.mark.task("greeting")
def test_greeting(host):
    assert host.file("{MARKER_FILE}").exists, "{MARKER_FILE} is missing"

@pytest.mark.task("listener")
def test_listener_crashes(host):
    raise RuntimeError("the check itself is broken")

@pytest.mark.task("secret")
def test_secret(host):
    assert host.run("true").rc == 0
'''


@pytest.fixture
def lab_dir(scratch_course: Path) -> Path:
    Path(MARKER_FILE).unlink(missing_ok=True)
    return write_checks(scratch_course, CHECKS)


def test_a_failed_assertion_fails_its_task_with_the_check_message(lab_dir: Path) -> None:
    report = run_local(lab_dir)
    greeting = report.tasks[0]
    assert (greeting.status, greeting.points, greeting.max_points) == ("failed", 0, 2)
    assert greeting.message == f"{MARKER_FILE} is missing"
    assert greeting.hint == "Put the word hello in /srv/greeting."


def test_a_passing_check_scores_and_a_crash_is_an_error_not_a_failure(lab_dir: Path) -> None:
    Path(MARKER_FILE).write_text("x")
    try:
        report = run_local(lab_dir)
    finally:
        Path(MARKER_FILE).unlink()
    greeting, listener = report.tasks
    assert (greeting.status, greeting.points) == ("passed", 2)
    assert listener.status == "error"
    assert listener.message == "RuntimeError: the check itself is broken"
    assert report.score == 2
    assert report.gradable


def test_hidden_tasks_are_left_out_unless_grading(lab_dir: Path) -> None:
    assert [task.id for task in run_local(lab_dir).tasks] == ["greeting", "listener"]
    graded = run_local(lab_dir, include_hidden=True)
    assert [task.id for task in graded.tasks] == ["greeting", "listener", "secret"]
    assert graded.tasks[2].status == "passed"


def test_each_check_records_its_commands_as_evidence(lab_dir: Path) -> None:
    report = run_local(lab_dir, include_hidden=True)
    [secret_check] = report.tasks[2].checks
    assert any(item.command == "true" and item.rc == 0 for item in secret_check.evidence)


def test_reports_stream_as_each_target_finishes(lab_dir: Path) -> None:
    seen: list[Report] = []
    reports = run_checks(
        load_lab(lab_dir),
        [parse_spec("local://"), parse_spec("local://?x=1")],
        engine="testinfra",
        on_report=seen.append,
    )
    assert [report.target for report in seen] == ["local://", "local://?x=1"]
    assert [report.to_dict() for report in seen] == [report.to_dict() for report in reports]


def test_a_check_naming_an_unknown_task_is_refused(scratch_course: Path) -> None:
    lab_dir = write_checks(
        scratch_course,
        CHECKS
        + """
@pytest.mark.task("ghost")
def test_ghost(host):
    pass
""",
    )
    with pytest.raises(ManifestError, match=r"names task 'ghost', which demo/lab\.yaml does not"):
        run_local(lab_dir)


def test_a_task_without_a_check_is_refused(scratch_course: Path) -> None:
    lab_dir = write_checks(scratch_course, CHECKS.split('@pytest.mark.task("secret")')[0])
    with pytest.raises(ManifestError, match="task 'secret' has no check"):
        run_local(lab_dir)


def test_a_check_without_a_task_is_refused(scratch_course: Path) -> None:
    lab_dir = write_checks(scratch_course, CHECKS + "\ndef test_orphan(host):\n    pass\n")
    with pytest.raises(ManifestError, match=r"needs exactly one @pytest\.mark\.task"):
        run_local(lab_dir)


@pytest.mark.parametrize("engine", ["persistent", "testinfra"])
def test_a_target_of_several_nodes_gives_checks_a_host_per_role(
    scratch_course: Path, engine: str
) -> None:
    # Two nodes on this machine, told apart by their specs: the checks see each one by role.
    lab_dir = write_checks(
        scratch_course,
        """
@pytest.mark.task("greeting")
def test_roles(hosts, target):
    assert sorted(hosts) == ["first", "second"], sorted(hosts)
    assert target.roles == ("first", "second")
    assert hosts["first"] is not hosts["second"]

@pytest.mark.task("listener")
def test_primary_is_first(host, hosts):
    assert host is hosts["first"]
    assert host.run("echo $((6 * 7))").stdout == "42\\n"

@pytest.mark.task("secret")
def test_each_node_answers(hosts):
    assert all(h.run("true").rc == 0 for h in hosts.values())
""",
    )
    spec = "first=local://,second=local://?k2c=second"
    [report] = run_checks(load_lab(lab_dir), [parse_spec(spec)], engine=engine, include_hidden=True)
    assert report.target == spec
    assert [(task.id, task.status, task.message) for task in report.tasks] == [
        ("greeting", "passed", ""),
        ("listener", "passed", ""),
        ("secret", "passed", ""),
    ]


def test_an_unreachable_target_is_reported_as_such_whatever_its_name_says(
    scratch_course: Path,
) -> None:
    # ssh to a port where nothing listens, as a user whose name holds "time": refused at once.
    lab_dir = write_checks(scratch_course, CHECKS)
    [report] = run_checks(load_lab(lab_dir), [parse_spec("ssh://runtime@127.0.0.1:1")])
    assert not report.gradable
    assert "runtime" in report.error
    assert report.error_kind == ErrorKind.UNREACHABLE
    assert classify(report) == "unreachable"


def test_a_check_that_times_out_carries_the_kind_of_its_error(scratch_course: Path) -> None:
    lab_dir = write_checks(
        scratch_course,
        """
@pytest.mark.task("greeting")
def test_slow(host):
    host.run("sleep 5", timeout=0.5)

@pytest.mark.task("listener")
def test_broken(host):
    raise RuntimeError("the check's own bug, timed or not")

@pytest.mark.task("secret")
def test_fine(host):
    assert host.run("true").rc == 0
""",
    )
    [report] = run_checks(load_lab(lab_dir), [parse_spec("local://")], include_hidden=True)
    kinds = {task.id: (task.status, task.checks[0].error_kind) for task in report.tasks}
    assert kinds == {
        "greeting": ("error", ErrorKind.TIMEOUT),
        "listener": ("error", ErrorKind.NONE),
        "secret": ("passed", ErrorKind.NONE),
    }
    assert classify(report) == "timeout"
