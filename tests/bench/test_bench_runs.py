"""`python -m bench` keeps running end to end: its four tables and its ratios line.

A tiny class and few repeats: this proves the command works, it measures nothing (the figures
are read from a full run, never asserted in tests).
"""

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.docker


def test_the_benchmark_prints_its_four_tables_and_the_ratios_line():
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--class-size", "3", "--repeat", "1",
         "--ssh-calls", "5", "--watch-cycles", "3"],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    titles = (
        "1. A 30-command lab",
        "2. 3 containers x the 30-command lab",
        "3. ssh, per command",
        "4. Re-checking the 30-command lab: 3 watch cycles vs 1 `lab check` runs",
    )
    for title in titles:
        assert title in out, out
    assert "floor: raw shells, a round trip per command" in out
    last = out.strip().splitlines()[-1]
    assert re.fullmatch(
        r"ratios: check=[\d.]+ check_cold=[\d.]+ class_serial=[\d.]+ class_xdist=[\d.]+"
        r" ssh=[\d.]+ watch=[\d.]+",
        last,
    ), last
    leftover = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=k2c-bench"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert leftover.strip() == "", "the benchmark left containers behind"
