"""Over ssh there is no outside vantage point: lab grade fixes PATH and verifies the tools.

A VM's checks run inside a machine the learner controls. Graded (`--lab-vantage outside`), its
verdicts say so (`trust: inside`), its commands run with a fixed PATH (a liar first on the
learner's PATH is never run), and every tool the checks use is verified against its package's
checksums: a replaced binary is flagged.
"""

import subprocess
from pathlib import Path

import pytest

from checker.manifest import load_lab
from checker.runner import run_checks
from checker.spec import parse_spec

pytestmark = pytest.mark.docker

LAB = Path(__file__).resolve().parents[2] / "bench" / "course" / "labs" / "bench-examiner"
LIAR = "printf '#!/bin/sh\\nexit 1\\n' > /usr/local/sbin/grep && chmod +x /usr/local/sbin/grep"


def _exec(name: str, script: str) -> None:
    subprocess.run(["docker", "exec", name, "sh", "-c", script], check=True, timeout=60)


def _filesystem(report) -> str:
    return next(task.status for task in report.tasks if task.id == "filesystem")


def test_ssh_verdicts_are_inside_with_a_fixed_path_and_replaced_tools_flagged(sshd, ssh_setup):
    spec = parse_spec(f"ssh://{ssh_setup.alias}?ssh_config={ssh_setup.config}&sudo=true")
    lab = load_lab(LAB)
    [honest] = run_checks(lab, [spec], vantage="outside")
    assert honest.extra["trust"] == "inside"
    assert honest.extra["flags"] == []
    _exec(sshd.name, f"cp /usr/bin/ip /root/ip.saved && {LIAR}")
    try:
        _exec(sshd.name, "printf x >> /usr/bin/ip")
        [inside] = run_checks(lab, [spec], vantage="inside")
        [graded] = run_checks(lab, [spec], vantage="outside")
    finally:
        restore = "cp /root/ip.saved /usr/bin/ip; rm -f /usr/local/sbin/grep"
        _exec(sshd.name, restore)
    assert _filesystem(inside) == "failed"  # lab check runs the learner's grep, first on PATH
    assert _filesystem(graded) == "passed"  # lab grade's fixed PATH never runs it
    assert graded.extra["trust"] == "inside"
    assert graded.extra["flags"] == ["ip: /bin/ip differs from package iproute2"]
