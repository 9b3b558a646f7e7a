"""How a checks report becomes a learner's status: unreachable and timed out are never failed."""

from __future__ import annotations

from dataclasses import replace

from checker.classroom.grader import _Run, classify, empty_report
from checker.classroom.identity import ClassState
from checker.classroom.model import Outcome, Probe, Student
from checker.errors import ErrorKind
from checker.manifest import load_lab
from checker.report import CheckResult, Report
from tests.classroom.conftest import ECHO_COURSE, make_report


def _with_error(message: str, kind: ErrorKind = ErrorKind.NONE) -> Report:
    report = make_report(passed=())
    task = report.tasks[0]
    check = CheckResult("t::x", "error", message, error_kind=kind)
    crashed = replace(task, status="error", checks=(check,))
    return replace(report, tasks=(crashed, *report.tasks[1:]))


def test_a_judged_report_is_graded_even_when_tasks_fail() -> None:
    assert classify(make_report(passed=())) == "graded"
    assert classify(_with_error("KeyError: 'x'")) == "graded"  # the check's own crash


def test_engine_errors_make_the_target_not_judged() -> None:
    timeout, lost = ErrorKind.TIMEOUT, ErrorKind.UNREACHABLE  # as the plugin sets them
    assert (
        classify(_with_error("CommandTimeout: `cat /srv/banner` took over 10 s", timeout))
        == "timeout"
    )
    assert classify(_with_error("DeadlineExceeded: budget used up", timeout)) == "timeout"
    assert classify(_with_error("SessionLost: the shell died", lost)) == "unreachable"


def test_ungradable_reports() -> None:
    lab = load_lab(ECHO_COURSE / "labs" / "echo")
    assert classify(empty_report(lab, "docker://x", "container 'x' is exited")) == "unreachable"
    assert (
        classify(empty_report(lab, "docker://x", "timed out after 30 s", ErrorKind.TIMEOUT))
        == "timeout"
    )
    # A session that stopped before this target is no verdict: `--resume` grades it.
    interrupted = empty_report(
        lab, "docker://x", "interrupted before every check ran", ErrorKind.INTERRUPTED
    )
    assert classify(interrupted) is None
    assert all(
        task.status == "error" and task.points == 0
        for task in empty_report(lab, "docker://x", "gone").tasks
    )


def test_a_label_that_disagrees_with_the_environment_is_flagged() -> None:
    spec = "docker://k2c-echo-a"
    report = make_report(target=spec)
    same = Outcome(
        Student("a"),
        spec,
        "graded",
        report,
        Probe(spec, "ok", nonce="a" * 32, label_nonce="a" * 32),
    )
    forged = replace(same, probe=Probe(spec, "ok", nonce="a" * 32, label_nonce="b" * 32))
    assert same.flags == ()
    assert forged.flags == ("the nonce inside the environment differs from its container's label",)


def test_checks_that_passed_count_only_where_the_environment_said_whose_it_is() -> None:
    lab = load_lab(ECHO_COURSE / "labs" / "echo")
    nonce = "c" * 32
    state = ClassState("echo", {"ada": nonce, "bob": "d" * 32, "cy": "e" * 32})
    run = _Run(lab, [Student("ada"), Student("bob"), Student("cy")], state, None)
    specs = {s: f"docker://k2c-echo-{s}" for s in ("ada", "bob", "cy")}
    for spec in specs.values():
        run.probed(spec, Probe(spec, "ok", label_nonce=nonce))
    environ = f"K2C_NONCE={nonce}\0".encode().hex(" ")
    said = f"environ=\n {environ}\nhostname=\n 61\nmachine_id=\nhost_keys=\n"
    run.identified({"target": specs["ada"], "output": said, "error": ""})
    run.identified(
        {
            "target": specs["cy"],
            "output": "",
            "error": "TargetError: CommandTimeout: x",
            "kind": "timeout",
        }
    )
    for spec in specs.values():  # bob's identity never arrived
        run.report(make_report(target=spec, passed=("banner", "motto")))
    outcomes = {o.student.id: (o.status, o.score, o.nonce_status) for o in run.outcomes}
    assert outcomes == {
        "ada": ("graded", 3, "verified"),
        "bob": ("error", 0, "unverified"),
        "cy": ("timeout", 0, "unverified"),
    }


def test_the_kind_decides_never_the_message() -> None:
    # A stopped container of student `s-runtime`: its name holds "time", it is still gone.
    lab = load_lab(ECHO_COURSE / "labs" / "echo")
    gone = empty_report(
        lab,
        "docker://k2c-echo-s-runtime",
        "TargetUnreachable: docker://k2c-echo-s-runtime: container is not running",
        ErrorKind.UNREACHABLE,
    )
    assert classify(gone) == "unreachable"
    refused = _with_error(
        "TargetUnreachable: ssh://runtime@timeserver: the shell did not start: "
        "ssh: connect to host timeserver port 22: Connection refused",
        ErrorKind.UNREACHABLE,
    )
    assert classify(refused) == "unreachable"
    # ...and a timeout that says nothing of time is a timeout.
    slow = _with_error("CommandTimeout: no answer to 'cat /srv/banner'", ErrorKind.TIMEOUT)
    assert classify(slow) == "timeout"
