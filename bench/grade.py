"""Benchmark 2: a class of containers x the 30-command lab, graded three ways."""

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import containers
from bench.measure import CHECKS, COURSE, Run, median_run, run_command
from bench.table import ratio, render, seconds


@dataclass
class ClassResults:
    """What benchmark 2 measured; baselines may run on fewer targets and be scaled."""

    size: int
    baseline_size: int
    serial: Run
    xdist: Run
    fanout: Run

    def scaled(self, run: Run) -> float:
        """A baseline's time for the whole class (runs are linear in the number of targets)."""
        return run.seconds * self.size / self.baseline_size

    @property
    def serial_ratio(self) -> float:
        """Serial testinfra over the engine's fan-out."""
        return self.scaled(self.serial) / self.fanout.seconds

    @property
    def xdist_ratio(self) -> float:
        """pytest-xdist -n 2 over the engine's fan-out."""
        return self.scaled(self.xdist) / self.fanout.seconds


def _fanout(specs: list[str]) -> Run:
    """Grade every target in one pytest session (what `lab grade` runs), sessions in parallel."""
    from checker.manifest import load_lab
    from checker.runner import run_checks

    lab = load_lab(COURSE / "labs" / "bench")
    with tempfile.TemporaryDirectory(prefix="k2c-bench-") as folder:
        stats = Path(folder) / "stats.jsonl"
        os.environ["K2C_BENCH_STATS"] = str(stats)
        try:
            started = time.perf_counter()
            reports = run_checks(lab, specs, include_hidden=True)
            seconds_ = time.perf_counter() - started
        finally:
            del os.environ["K2C_BENCH_STATS"]
        bad = [r.target for r in reports if r.score != r.max_score]
        if bad:
            sys.exit(f"the engine graded {len(bad)} targets below full marks, e.g. {bad[0]}")
        return Run(seconds_, commands=sum(1 for _ in reports))


def measure(size: int, baseline_size: int) -> ClassResults:
    """Start the class, then time serial testinfra, xdist -n 2 and the engine's fan-out."""
    tag = containers.LABEL.split("=")[1]
    names = containers.start(f"k2c-bench-{tag}-{i:03d}" for i in range(size))
    specs = [f"docker://{name}" for name in names]
    base = [sys.executable, "-m", "pytest", "-p", "no:checker", "-p", "no:cacheprovider", "-q",
            str(CHECKS), "--hosts", ",".join(specs[:baseline_size])]  # fmt: skip
    time.sleep(3)  # let the engine finish starting a hundred containers before timing anything
    fanout = median_run([_fanout(specs) for _ in range(3)])
    serial = run_command(base)
    xdist = run_command([*base, "-n", "2"])
    return ClassResults(size, baseline_size, serial, xdist, fanout)


def report(results: ClassResults) -> str:
    """The benchmark's table."""
    scaled = results.baseline_size != results.size
    note = f" (measured on {results.baseline_size}, scaled)" if scaled else ""
    rows = [
        ["serial testinfra (pytest --hosts)" + note, seconds(results.scaled(results.serial)),
         ratio(results.scaled(results.serial), results.fanout.seconds)],
        ["pytest-xdist -n 2" + note, seconds(results.scaled(results.xdist)),
         ratio(results.scaled(results.xdist), results.fanout.seconds)],
        ["engine fan-out (one pytest session, lab grade)", seconds(results.fanout.seconds),
         "1.0x"],
    ]  # fmt: skip
    return render(
        f"2. {results.size} containers x the 30-command lab (end to end; engine: median of 3)",
        ["run", "wall", "old / engine"],
        rows,
    )
