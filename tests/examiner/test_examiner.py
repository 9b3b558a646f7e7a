"""The examiner cannot be fooled by what the learner controls inside their environment.

On real environments of the lab images (containers named for these tests alone): lying tools
planted first on PATH and over a system binary fool checks run inside, and `lab grade`, which
examines from outside, gives them no point; an honestly solved environment keeps full marks;
a bind mount over /proc/1/environ no longer changes whose environment the grader reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checker import environments
from checker.classroom import identity
from checker.classroom.grader import grade_class
from checker.classroom.identity import ClassState
from checker.classroom.model import Student
from checker.classroom.probe import identify, look_outside
from checker.engine import connect, disconnect_all
from checker.examiner import Examiner, container
from checker.manifest import Lab, load_course, load_lab
from checker.reach import run_script
from checker.runner import run_checks
from checker.solve import step_script
from checker.spec import TargetSpec, parse_spec
from tests.examiner.liars import FOOLED, KITS

REPO = Path(__file__).resolve().parents[2]
LABS = {lab.id: lab for lab in load_course(REPO).labs}

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def start(lab: Lab, student: str) -> tuple[TargetSpec, identity.Seed]:
    """Start the class environment of `student` for `lab`, with a nonce seeded."""
    seeded = identity.seed(student, lab.id)
    name = environments.container_name(lab.id, student)
    target = environments.start(lab, name, environment=seeded.environment, labels=seeded.labels)
    return target, seeded


@pytest.fixture
def cleanup() -> Iterator[list[str]]:
    """Names of the containers a test started; removed when it ends."""
    names: list[str] = []
    yield names
    disconnect_all()
    for name in names:
        environments.remove(name)


@pytest.mark.parametrize("lab_id", sorted(KITS))
def test_lying_tools_earn_nothing_from_lab_grade(lab_id: str, cleanup: list[str]) -> None:
    lab = LABS[lab_id]
    liar, liar_seed = start(lab, "i12-liar")
    honest, honest_seed = start(lab, "i12-honest")
    cleanup += [liar.name, honest.name]
    code, _, err = run_script(liar, KITS[lab_id])
    assert code == 0, err
    for task in lab.tasks:
        code, _, err = run_script(honest, step_script(lab, task))
        assert code == 0, f"{task.id}: {err}"

    # The lies work on checks run inside, with the learner's own tools (what lab check does).
    [fooled] = run_checks(lab, [liar], include_hidden=True, vantage="inside")
    passed = {task.id for task in fooled.tasks if task.status == "passed"}
    assert passed == set(FOOLED[lab_id]), [(t.id, t.status, t.message) for t in fooled.tasks]

    students = [Student("i12-liar"), Student("i12-honest")]
    state = ClassState(lab.id, {"i12-liar": liar_seed.nonce, "i12-honest": honest_seed.nonce})
    outcomes = {o.student.id: o for o in grade_class(lab, students, state=state, jobs=2)}
    cheat, fair = outcomes["i12-liar"], outcomes["i12-honest"]
    assert cheat.status == "graded"
    assert cheat.nonce_status == "verified"
    assert cheat.score == 0, [(t.id, t.status) for t in cheat.report.tasks if t.points]
    assert cheat.trust == "examined"
    assert fair.status == "graded"
    assert fair.nonce_status == "verified"
    assert fair.score == fair.report.max_score, [
        (t.id, t.status, t.message) for t in fair.report.tasks if t.status != "passed"
    ]
    assert fair.trust == "examined"


def test_a_bind_mount_over_proc_1_environ_does_not_change_the_nonce_read(
    cleanup: list[str],
) -> None:
    lab = LABS["namespaces"]
    spec, seeded = start(lab, "i12-environ")
    name = spec.name
    cleanup.append(name)
    forged = "f" * 32
    code, _, err = run_script(
        spec,
        f"printf 'K2C_NONCE={forged}\\0' > /tmp/environ && mount --bind /tmp/environ "
        "/proc/1/environ",
    )
    assert code == 0, err
    inside = Examiner(connect(spec), spec.spec)
    read_inside = identify(look_outside(spec), inside.host.run(inside.identity_script()).stdout)
    assert read_inside.nonce == forged  # the mount does fool a reader inside

    outside = Examiner(
        connect(container.ensure_running()), spec.spec, "outside", container.place(name)
    )
    read_outside = identify(look_outside(spec), outside.host.run(outside.identity_script()).stdout)
    assert read_outside.nonce == seeded.nonce
    assert read_outside.hostname == read_inside.hostname == name[:63]

    [outcome] = grade_class(
        lab, [Student("i12-environ")], state=ClassState(lab.id, {"i12-environ": seeded.nonce})
    )
    assert outcome.nonce_status == "verified"
    assert outcome.flags == ()


def test_one_examiner_shell_serves_a_batch_and_records_each_command_once(
    cleanup: list[str],
) -> None:
    """Ten checks of three commands each, on two plain containers in one session, outside."""
    lab = load_lab(REPO / "bench" / "course" / "labs" / "bench-examiner")
    names = [f"k2c-i12-plain-{n}" for n in range(2)]
    cleanup += names
    for name in names:
        environments.remove(name)
        environments.client().containers.run(
            environments.BASE_IMAGE, ["sleep", "infinity"], name=name, detach=True
        )
    reports = run_checks(lab, [parse_spec(f"docker://{name}") for name in names], vantage="outside")
    for report in reports:
        assert report.score == report.max_score, [(t.id, t.message) for t in report.tasks]
        assert report.extra["trust"] == "examined"
        counts = {check.nodeid: len(check.evidence) for t in report.tasks for check in t.checks}
        assert set(counts.values()) == {3}, counts


def test_an_examiner_holding_a_session_shell_is_in_use(cleanup: list[str]) -> None:
    """Examiners of other inputs are removed only while no session holds a shell in them."""
    name = "k2c-i12-busy-examiner"
    cleanup.append(name)
    environments.remove(name)
    other = environments.client().containers.run(
        environments.BASE_IMAGE, ["sleep", "infinity"], name=name, detach=True
    )
    other.reload()
    assert not container.in_use(other)
    other.exec_run(["sleep", "60"], detach=True)
    assert container.in_use(other)
    other.kill()
    other.reload()
    assert not container.in_use(other)


def test_another_node_is_examined_through_its_own_place(cleanup: list[str]) -> None:
    """`examiner.node(NAME)`: the same examiner shell, the other container's PID and files."""
    names = [f"k2c-i12-node-{n}" for n in range(2)]
    cleanup += names
    for name in names:
        environments.remove(name)
        environments.client().containers.run(
            environments.BASE_IMAGE,
            ["sh", "-c", f"echo {name} > /tmp/who && exec sleep infinity"],
            name=name,
            detach=True,
        )
    first = Examiner(
        connect(container.ensure_running()),
        f"docker://{names[0]}",
        "outside",
        container.place(names[0]),
    )
    other = first.node(names[1])
    assert other is not None
    assert other.host is first.host
    assert other.init == container.place(names[1]).init != first.init
    assert first.read("/tmp/who") == f"{names[0]}\n"
    assert other.read("/tmp/who") == f"{names[1]}\n"
    with pytest.raises(container.ExaminerUnavailable):
        first.node("k2c-i12-node-none")
    inside = Examiner(connect(parse_spec(f"docker://{names[0]}")), f"docker://{names[0]}")
    assert inside.node(names[1]) is None
