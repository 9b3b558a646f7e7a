"""A stray byte planted by a learner never costs a correct solution its points (real engine)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import environments
from checker.cli import main
from checker.exitcodes import ExitCode
from checker.manifest import load_course
from checker.reach import run_script
from checker.runner import run_checks
from checker.solve import step_script
from checker.spec import TargetSpec

REPO = Path(__file__).resolve().parents[2]
LAB = load_course(REPO).lab("namespaces")
NAME = environments.container_name(LAB.id, "planted-bytes")

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# A file named x\377 where `ip netns list` looks, a UTS namespace whose hostname holds \377 and
# \342\202 (a character cut short), and the container's own hostname with \377 (written to
# /proc: the hostname tool refuses such names, the kernel does not): none of them is UTF-8.
PLANT = r"""
touch "$(printf '/var/run/netns/x\377')"
setsid -f unshare --uts sh -c \
  'printf "odd\377\342\202" >/proc/sys/kernel/hostname && exec sleep infinity' \
  </dev/null >/dev/null 2>&1
printf 'k2c\377' >/proc/sys/kernel/hostname
sleep 0.5
"""


@pytest.fixture(scope="module")
def planted() -> Iterator[TargetSpec]:
    """The namespaces lab solved with the reference steps, then the bytes planted."""
    spec = environments.start(LAB, NAME)
    try:
        for task in LAB.tasks:
            code, _, err = run_script(spec, step_script(LAB, task))
            assert code == 0, f"step {task.id}: {err}"
        code, _, err = run_script(spec, PLANT)
        assert code == 0, err
        assert run_script(spec, "ip netns list")[1].count("\ufffd") == 1
        yield spec
    finally:
        environments.remove(NAME)


@pytest.mark.parametrize(
    ("engine", "vantage"),
    [("persistent", "inside"), ("testinfra", "inside"), ("persistent", "outside")],
)
def test_a_solved_environment_with_planted_bytes_still_passes_every_task(planted, engine, vantage):
    [report] = run_checks(LAB, [planted], engine=engine, include_hidden=True, vantage=vantage)
    assert {task.id: (task.status, task.message) for task in report.tasks} == {
        task.id: ("passed", "") for task in LAB.tasks
    }
    assert report.score == report.max_score


def test_lab_check_writes_well_formed_junit_whatever_netns_names_a_learner_made(tmp_path):
    name = environments.container_name(LAB.id, "planted-xml")
    spec = environments.start(LAB, name)
    try:
        # U+FFFF and U+FFFE are valid UTF-8 but not XML; the net check quotes the names it found.
        plant = r"""ip netns add "$(printf 'bad\357\277\277\357\277\276')" """
        code, _, err = run_script(spec, plant)
        assert code == 0, err
        junit = tmp_path / "junit.xml"
        result = CliRunner().invoke(
            main,
            ["check", LAB.id, "--target", spec.spec, "--junit", str(junit)],
            env={"K2C_ROOT": str(REPO)},
        )
        assert result.exit_code == ExitCode.CHECKS_FAILED, result.output
        failures = {
            case.get("name"): case.find("failure")
            for case in ET.parse(junit).getroot().iter("testcase")
        }
        assert "bad\ufffd\ufffd" in failures["net"].get("message", "")
    finally:
        environments.remove(name)
