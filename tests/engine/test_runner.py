"""Through the real runner: a hung check is an error after its timeout, the next check works."""

import textwrap

import pytest

from checker.manifest import load_lab
from checker.runner import run_checks
from checker.spec import parse_spec

pytestmark = pytest.mark.docker

MANIFEST = """\
id: hang
uuid: 0b8f7a52-4f0e-4d55-9d38-0c6f1c3e2a11
title: A check that hangs
summary: One check hangs, the next one must still run on the same target.
minutes: 1
level: beginner
target:
  build: target
tasks:
  - id: hangs
    title: Hangs
    points: 1
    hint: None.
  - id: answers
    title: Answers
    points: 1
    hint: None.
"""

CHECKS = """\
import pytest


@pytest.mark.task("hangs")
def test_a_hung_command(host):
    host.run("sleep 600", timeout=2)


@pytest.mark.task("answers")
def test_the_next_check(host):
    assert host.check_output("echo alive") == "alive"
"""


def test_a_hung_check_is_an_error_and_the_next_check_still_runs(tmp_path, container):
    lab_dir = tmp_path / "labs" / "hang"
    (lab_dir / "checks").mkdir(parents=True)
    (lab_dir / "target").mkdir()
    (lab_dir / "lab.yaml").write_text(MANIFEST)
    (lab_dir / "README.md").write_text("# A check that hangs\n")
    (lab_dir / "checks" / "test_hang.py").write_text(textwrap.dedent(CHECKS))
    [report] = run_checks(load_lab(lab_dir), [parse_spec(container.spec)], timeout=120)
    status = {task.id: task.status for task in report.tasks}
    assert status == {"hangs": "error", "answers": "passed"}
    message = report.tasks[0].checks[0].message
    assert "CommandTimeout" in message
    assert "no answer after 2 s" in message
