"""Timing helpers: run a command or a function, take the median of a few runs."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COURSE = REPO / "bench" / "course"
CHECKS = COURSE / "labs" / "bench" / "checks"


@dataclass
class Run:
    """One timed run: wall seconds, and what the checks' instrumentation counted."""

    seconds: float
    commands: int = 0
    command_seconds: float = 0.0
    session_seconds: float = 0.0
    output: str = field(default="", repr=False)


def run_command(argv: Sequence[str], *, env: dict[str, str] | None = None) -> Run:
    """Run a command to completion, timing it end to end; fail loudly if it fails."""
    with tempfile.TemporaryDirectory(prefix="k2c-bench-") as folder:
        stats = Path(folder) / "stats.jsonl"
        full_env = {**os.environ, **(env or {}), "K2C_BENCH_STATS": str(stats)}
        started = time.perf_counter()
        done = subprocess.run(argv, env=full_env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(
                f"benchmark step failed: {' '.join(argv[:6])} ...\n{done.stdout[-2000:]}"
                f"\n{done.stderr[-2000:]}"
            )
        run = Run(seconds, output=done.stdout)
        if stats.exists():
            for line in stats.read_text().splitlines():
                totals = json.loads(line)
                run.commands += totals["commands"]
                run.command_seconds += totals["command_seconds"]
                run.session_seconds += totals["session_seconds"]
        return run


def median_run(runs: list[Run]) -> Run:
    """The run with the median wall time (its counters come with it)."""
    ordered = sorted(runs, key=lambda run: run.seconds)
    return ordered[len(ordered) // 2]


def repeat(function: Callable[[], Run], times: int) -> Run:
    """Run ``function`` ``times`` times and keep the median run."""
    return median_run([function() for _ in range(times)])


def per_call(function: Callable[[], object], calls: int) -> float:
    """Median seconds of one call, over ``calls`` calls."""
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
