"""Benchmark 2: a class of containers x the 30-command lab, graded three ways."""

import sys
import time
from dataclasses import dataclass

from bench import containers, floor
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
    floor: Run  # raw shells, a round trip per command
    pipelined: Run  # raw shells, every command in one write
    examined_inside: Run  # lab grade of the examiner lab, through each target's own shell
    examined_outside: Run  # the same, from outside: the examiner container

    def scaled(self, run: Run) -> float:
        """A baseline's time for the whole class (runs are linear in the number of targets)."""
        return run.seconds * self.size / self.baseline_size

    @property
    def serial_ratio(self) -> float:
        """Serial testinfra over `lab grade`."""
        return self.scaled(self.serial) / self.fanout.seconds

    @property
    def xdist_ratio(self) -> float:
        """pytest-xdist -n 2 over `lab grade`."""
        return self.scaled(self.xdist) / self.fanout.seconds


def _fanout(
    specs: list[str], lab_id: str = "bench", vantage: str = "inside"
) -> tuple[Run, list[tuple[str, int]]]:
    """Grade every target as `lab grade` does: look from outside, then checks sessions at once.

    Returns the run and the commands the checks sent to one target, with their statuses.
    """
    from checker.classroom.grader import default_jobs, grade_class
    from checker.classroom.model import Student
    from checker.manifest import load_lab

    lab = load_lab(COURSE / "labs" / lab_id)
    students = [Student(spec.rsplit("/", 1)[-1], target=spec) for spec in specs]
    started = time.perf_counter()
    outcomes = grade_class(lab, students, jobs=default_jobs(), vantage=vantage)
    seconds_ = time.perf_counter() - started
    bad = [o for o in outcomes if o.status != "graded" or o.score != o.report.max_score]
    if bad:
        first = bad[0]
        failed = [f"{t.id}: {t.message}" for t in first.report.tasks if t.status != "passed"]
        sys.exit(
            f"lab grade graded {len(bad)} targets below full marks, e.g. {first.spec}: "
            f"{first.status}, {first.score}/{first.report.max_score} in {first.seconds:.1f} s; "
            f"{first.report.error or '; '.join(failed[:2])}"
        )
    return Run(seconds_, commands=len(outcomes)), floor.commands_of(outcomes[0].report)


def measure(size: int, baseline_size: int) -> ClassResults:
    """Start the class, then time serial testinfra, xdist -n 2, `lab grade` and the floors."""
    tag = containers.LABEL.split("=")[1]
    names = containers.start(f"k2c-bench-{tag}-{i:03d}" for i in range(size))
    specs = [f"docker://{name}" for name in names]
    base = [sys.executable, "-m", "pytest", "-p", "no:checker", "-p", "no:cacheprovider", "-q",
            str(CHECKS), "--hosts", ",".join(specs[:baseline_size])]  # fmt: skip
    time.sleep(3)  # let the engine finish starting a hundred containers before timing anything
    runs = [_fanout(specs) for _ in range(3)]
    fanout, commands = median_run([run for run, _ in runs]), runs[0][1]
    # The examiner container is long-lived (one per engine): started once, before timing.
    from checker.examiner.container import ensure_running

    ensure_running()
    inside = median_run([_fanout(specs, "bench-examiner", "inside")[0] for _ in range(3)])
    outside = median_run([_fanout(specs, "bench-examiner", "outside")[0] for _ in range(3)])
    round_trips = median_run([floor.measure(names, commands, pipelined=False) for _ in range(3)])
    pipelined = median_run([floor.measure(names, commands, pipelined=True) for _ in range(3)])
    serial = run_command(base)
    xdist = run_command([*base, "-n", "2"])
    return ClassResults(
        size, baseline_size, serial, xdist, fanout, round_trips, pipelined, inside, outside
    )


def report(results: ClassResults) -> str:
    """The benchmark's table."""
    scaled = results.baseline_size != results.size
    note = f" (measured on {results.baseline_size}, scaled)" if scaled else ""
    rows = [
        ["serial testinfra (pytest --hosts)" + note, seconds(results.scaled(results.serial)),
         ratio(results.scaled(results.serial), results.fanout.seconds)],
        ["pytest-xdist -n 2" + note, seconds(results.scaled(results.xdist)),
         ratio(results.scaled(results.xdist), results.fanout.seconds)],
        ["lab grade (engine, default jobs)", seconds(results.fanout.seconds), "1.0x"],
        ["floor: raw shells, a round trip per command", seconds(results.floor.seconds),
         ratio(results.floor.seconds, results.fanout.seconds)],
        ["floor: raw shells, every command in one write", seconds(results.pipelined.seconds),
         ratio(results.pipelined.seconds, results.fanout.seconds)],
        ["lab grade, examiner lab, inside (each target's shell)",
         seconds(results.examined_inside.seconds),
         ratio(results.examined_inside.seconds, results.fanout.seconds)],
        ["lab grade, examiner lab, outside (examiner container)",
         seconds(results.examined_outside.seconds),
         ratio(results.examined_outside.seconds, results.fanout.seconds)],
    ]  # fmt: skip
    per_target = ", ".join(
        f"{name} {run.seconds / results.size * 1000:.0f} ms"
        for name, run in (
            ("engine", results.fanout),
            ("examiner inside", results.examined_inside),
            ("examiner outside", results.examined_outside),
        )
    )
    return (
        render(
            f"2. {results.size} containers x the 30-command lab (end to end; engine and floors: "
            "median of 3)",
            ["run", "wall", "old / engine"],
            rows,
        )
        + f"\nper target: {per_target}"
    )
