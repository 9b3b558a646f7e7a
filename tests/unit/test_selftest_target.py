"""The self-test on one live target whose steps accumulate (`lab selftest LAB --target`).

Real pytest sessions and real steps on `local://`, confined to a scratch folder: each task's
check looks for a file there, and its step creates it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.manifest import load_lab
from checker.selftest import selftest_on_target
from checker.spec import parse_spec


def write_lab(root: Path, work: Path, steps: dict[str, str], checks: str) -> Path:
    """The demo lab with these checks and steps; return its folder."""
    lab_dir = root / "labs" / "demo"
    (lab_dir / "checks" / "test_demo.py").write_text("import pytest\n\n" + checks)
    for task_id, script in steps.items():
        (root / "solutions" / "demo" / f"{task_id}.sh").write_text(script)
    return lab_dir


def checks_for(work: Path) -> str:
    return "".join(
        f'''
@pytest.mark.task("{task}")
def test_{task}(host):
    assert host.file("{work}/{task}").exists, "{task} missing"
'''
        for task in ("greeting", "listener", "secret")
    )


def steps_for(work: Path) -> dict[str, str]:
    return {task: f"touch {work}/{task}\n" for task in ("greeting", "listener", "secret")}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_a_lab_whose_steps_each_matter_keeps_the_contract(scratch_course: Path, work: Path) -> None:
    lab = load_lab(write_lab(scratch_course, work, steps_for(work), checks_for(work)))
    result = selftest_on_target(lab, parse_spec("local://"), engine="testinfra")
    assert result.ok, [r.problems for r in result.results]
    assert [r.case.name.split(":")[0] for r in result.results] == [
        "fresh",
        "greeting",
        "listener",
        "secret",
        "solved",
    ]
    assert all(r.report is not None for r in result.results)


def test_steps_that_do_not_matter_or_do_not_work_are_caught(
    scratch_course: Path, work: Path
) -> None:
    steps = steps_for(work)
    steps["greeting"] = f"touch {work}/greeting {work}/listener\n"  # also solves listener
    steps["secret"] = "true\n"  # solves nothing
    lab = load_lab(write_lab(scratch_course, work, steps, checks_for(work)))
    result = selftest_on_target(lab, parse_spec("local://"), engine="testinfra")
    assert not result.ok
    problems = {r.case.name.split(":")[0]: r.problems for r in result.results}
    assert problems["greeting"] == []
    assert problems["listener"] == ["listener should fail but passed"]
    assert problems["secret"] == ["secret should pass but failed: secret missing"]
    assert problems["solved"] == ["secret should pass but failed: secret missing"]


def test_a_failing_step_stops_the_run_and_says_so(scratch_course: Path, work: Path) -> None:
    steps = steps_for(work)
    steps["listener"] = "echo broken >&2; exit 3\n"
    lab = load_lab(write_lab(scratch_course, work, steps, checks_for(work)))
    result = selftest_on_target(lab, parse_spec("local://"), engine="testinfra")
    assert [r.case.name.split(":")[0] for r in result.results] == ["fresh", "greeting", "listener"]
    assert result.results[-1].problems == ["step listener exited 3: broken"]
