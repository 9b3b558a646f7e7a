"""Benchmark: grade a class of N containers, against serial testinfra, in the same run.

    python bench/grade_class.py --students 100 [--jobs N] [--lab namespaces] [--json FILE]

Brings N class containers of the lab up (a third solved, a third half solved, a third
untouched), then times, on the same containers:

- serial testinfra, one session: one pytest session over every target, stock testinfra backend,
  targets one after the other (`run_checks(..., engine="testinfra")`);
- serial testinfra, one `lab check` per learner: a loop of one session per target, timed on a
  sample of `--loop-sample` targets and scaled to N (said so in the output);
- `grade_class` with the stock testinfra backend and `--jobs` sessions;
- `grade_class` with the persistent engine and `--jobs` sessions.

Every method must give every learner the same score, or the benchmark fails. The containers
are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from checker.classroom.fleet import class_down, class_up
from checker.classroom.grader import default_jobs, grade_class
from checker.classroom.identity import load_state
from checker.classroom.model import Roster, Student
from checker.manifest import Lab, load_lab
from checker.paths import repo_root
from checker.runner import run_checks
from checker.solve import apply_steps
from checker.spec import parse_spec


def _roster(lab: Lab, students: int, folder: Path) -> Roster:
    ids = [f"bench-{number:03d}" for number in range(1, students + 1)]
    path = folder / "bench.csv"
    path.write_text("id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    return Roster(path=path, students=tuple(Student(i, line=n + 2) for n, i in enumerate(ids)))


def solve_thirds(lab: Lab, specs: list[str], jobs: int) -> dict[str, int]:
    """Solve the first third of the targets fully and the second by half; the expected scores."""
    half = list(lab.tasks[: len(lab.tasks) // 2])
    third = len(specs) // 3
    plan = {
        spec: (None if number < third else (half if number < 2 * third else []))
        for number, spec in enumerate(specs)
    }
    with ThreadPoolExecutor(jobs) as pool:
        list(
            pool.map(
                lambda item: (
                    apply_steps(lab, parse_spec(item[0]), item[1]) if item[1] != [] else None
                ),
                plan.items(),
            )
        )
    return {
        spec: (lab.max_score if tasks is None else sum(t.points for t in tasks))
        for spec, tasks in plan.items()
    }


def _prepare(lab: Lab, roster: Roster, state: Path, jobs: int) -> dict[str, int]:
    """Start the class and solve a third fully, a third by half; return the expected scores."""
    class_up(lab, roster, state, jobs=jobs)
    return solve_thirds(lab, [student.spec(lab.id) for student in roster.students], jobs)


def _timed(
    name: str, run: Callable[[], dict[str, int]], expected: dict[str, int], scale: float = 1.0
) -> dict[str, object]:
    started = time.monotonic()
    scores = run()
    seconds = (time.monotonic() - started) * scale
    wrong = {spec: score for spec, score in scores.items() if expected.get(spec) != score}
    print(
        f"  {name:<44} {seconds:8.1f} s"
        + (f"  (scaled from {len(scores)} targets)" if scale != 1.0 else ""),
        flush=True,
    )
    if wrong:
        raise SystemExit(
            f"{name}: wrong scores for {len(wrong)} targets, e.g. {next(iter(wrong.items()))}"
        )
    return {"method": name, "seconds": round(seconds, 2), "scaled": scale != 1.0}


def main() -> None:
    """Run the benchmark and print (and optionally write) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="namespaces")
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="check sessions at once (default: as `lab grade`)",
    )
    parser.add_argument("--loop-sample", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    lab = load_lab(repo_root() / "labs" / args.lab)
    with tempfile.TemporaryDirectory(prefix="k2c-bench-") as name:
        folder = Path(name)
        roster = _roster(lab, args.students, folder)
        state_file = folder / "state.json"
        try:
            started = time.monotonic()
            expected = _prepare(lab, roster, state_file, args.jobs)
            print(
                f"{args.students} containers of {lab.id} up and solved in "
                f"{time.monotonic() - started:.0f} s; {os.cpu_count()} cores",
                flush=True,
            )
            state = load_state(state_file, lab.id)
            specs = list(expected)
            sample = specs[:: max(1, len(specs) // args.loop_sample)][: args.loop_sample]

            def session(engine: str) -> dict[str, int]:
                reports = run_checks(
                    lab, [parse_spec(s) for s in specs], engine=engine, include_hidden=True
                )
                return {report.target: report.score for report in reports}

            def loop() -> dict[str, int]:
                return {
                    spec: run_checks(
                        lab, [parse_spec(spec)], engine="testinfra", include_hidden=True
                    )[0].score
                    for spec in sample
                }

            def grade(engine: str) -> dict[str, int]:
                outcomes = grade_class(
                    lab, roster.students, engine=engine, jobs=args.jobs, state=state
                )
                assert all(o.status == "graded" for o in outcomes), "a target was not graded"
                return {o.spec: o.score for o in outcomes}

            results = [
                _timed("serial testinfra, one session", lambda: session("testinfra"), expected),
                _timed(
                    "serial testinfra, one session per learner",
                    loop,
                    expected,
                    scale=len(specs) / len(sample),
                ),
                _timed(
                    f"grade_class testinfra, {args.jobs} jobs", lambda: grade("testinfra"), expected
                ),
                _timed(
                    f"grade_class persistent, {args.jobs} jobs",
                    lambda: grade("persistent"),
                    expected,
                ),
            ]
        finally:
            class_down(lab, roster)
    baseline = results[0]["seconds"]
    for result in results:
        result["speedup_vs_serial_session"] = round(float(baseline) / float(result["seconds"]), 2)
    summary = {
        "lab": lab.id,
        "students": args.students,
        "jobs": args.jobs,
        "cores": os.cpu_count(),
        "results": results,
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
