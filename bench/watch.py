"""Benchmark 4: `lab check --watch` cycles against a plain loop of `lab check` runs.

Both re-check the same container with the 30-command bench lab. The watch runs in a process of
its own (as `lab check --watch` does), pays for the imports, pytest's start and collection and
the session's opening once, then re-runs every check each cycle; each cycle's wall and CPU time
are its own figures (the first cycle, which opens the session, is shown apart). The plain loop
runs `lab check` again and again: every run pays for everything, and its CPU time is the child
process's (user + system).
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import containers
from bench.check import _lab_argv
from bench.measure import COURSE
from bench.table import millis, ratio, render, seconds

# Runs in the child: the watch must own its process (check modules stay imported).
_WATCH = """
import json, sys, time
started = time.perf_counter()
from checker.manifest import load_lab
from checker.watch import watch
from pathlib import Path
lab = load_lab(Path(sys.argv[1]))
cycles = []
def record(cycle):
    checks = sum(len(task.checks) for task in cycle.report.tasks)
    cycles.append({"seconds": cycle.seconds, "cpu": cycle.cpu_seconds,
                   "passed": cycle.report.passed, "checks": checks})
result = watch(lab, sys.argv[2], record, until_passed=False, max_cycles=int(sys.argv[3]),
               sleep=lambda seconds: None)
print(json.dumps({"cycles": cycles, "total": time.perf_counter() - started}))
"""


@dataclass
class WatchResults:
    """What benchmark 4 measured."""

    in_commands: float  # mean time per cycle inside host.run (the checks' 30 commands)
    first: float  # the first cycle: session opened, fixtures set up
    cycle: float  # median wall of the following cycles
    cycle_cpu: float  # median CPU of the following cycles
    cycles: int
    startup: float  # the watch process up to its first cycle's end (imports, collection, cycle)
    loop_run: float  # median wall of one plain `lab check`
    loop_cpu: float  # median CPU (user + system) of one plain `lab check`
    runs: int

    @property
    def ratio(self) -> float:
        """How many times cheaper a watch cycle is than a plain `lab check` run (wall)."""
        return self.loop_run / self.cycle


def measure(cycles: int = 50, runs: int = 5) -> WatchResults:
    """Time `cycles` watch cycles and `runs` plain `lab check` runs on one container."""
    name = f"k2c-bench-watch-{containers.LABEL.split('=')[1]}"
    containers.start([name])
    spec = f"docker://{name}"
    # A plain `lab check`: no resident checker answers for it (see benchmark 1 for one that does).
    env = {**os.environ, "K2C_ROOT": str(COURSE), "K2C_RESIDENT": "0"}
    lab_dir = COURSE / "labs" / "bench"
    with tempfile.TemporaryDirectory(prefix="k2c-bench-") as folder:
        stats = Path(folder) / "stats.jsonl"
        done = subprocess.run(
            [sys.executable, "-c", _WATCH, str(lab_dir), spec, str(cycles + 1)],
            env={**env, "K2C_BENCH_STATS": str(stats)},
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        if done.returncode != 0:
            sys.exit(f"watch benchmark failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        totals = json.loads(stats.read_text().splitlines()[-1])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    measured = data["cycles"]
    if not all(cycle["passed"] and cycle["checks"] == 10 for cycle in measured):
        sys.exit("watch benchmark: a cycle did not run all ten checks, passing")
    rest = measured[1:]
    walls, cpus = [], []
    argv = [*_lab_argv(), "check", "bench", "--target", spec]
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        run = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if run.returncode != 0:
            sys.exit(f"lab check failed in the watch benchmark:\n{run.stdout}\n{run.stderr}")
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return WatchResults(
        in_commands=totals["command_seconds"] / (cycles + 1),
        first=measured[0]["seconds"],
        cycle=statistics.median(cycle["seconds"] for cycle in rest),
        cycle_cpu=statistics.median(cycle["cpu"] for cycle in rest),
        cycles=len(rest),
        startup=data["total"] - sum(cycle["seconds"] for cycle in rest),
        loop_run=statistics.median(walls),
        loop_cpu=statistics.median(cpus),
        runs=runs,
    )


def report(results: WatchResults) -> str:
    """The benchmark's table."""
    rows = [
        ["lab check --watch: one cycle (median)", millis(results.cycle),
         millis(results.cycle_cpu), ratio(results.loop_run, results.cycle)],
        ["  of which in the checks' 30 commands (mean)", millis(results.in_commands), "-", "-"],
        ["lab check --watch: first cycle (opens the session)", millis(results.first), "-", "-"],
        ["lab check --watch: start-up to the first cycle's end", seconds(results.startup), "-",
         "-"],
        ["plain loop: one `lab check` run (median)", seconds(results.loop_run),
         seconds(results.loop_cpu), "1.0x"],
    ]  # fmt: skip
    return render(
        f"4. Re-checking the 30-command lab: {results.cycles} watch cycles vs "
        f"{results.runs} `lab check` runs",
        ["run", "wall", "CPU", "vs lab check"],
        rows,
    )
