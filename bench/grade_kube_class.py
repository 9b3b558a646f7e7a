"""Benchmark: grade a class of pods on a course Kubernetes cluster, against serial testinfra.

    python bench/grade_kube_class.py [--students 24] [--workers 2] [--jobs N] [--json FILE]

Starts a course cluster (`k2c-bench-kube`, `--workers` workers), brings a class of the lab up on
it (`lab class up --on kubernetes`: one pod per learner, a third solved, a third half solved, a
third untouched), then times, side by side on the same pods:

- testinfra's own `kubectl://` backend, serially: one pytest session over every pod, one
  `kubectl exec` per command (`run_checks(..., engine="testinfra")`);
- `lab grade` as it runs (`grade_class`, persistent engine, `--jobs` sessions): one session
  per pod, kept open for every command, through the API's exec (the default), then the same
  through `kubectl exec` (`K2C_KUBE_EXEC=kubectl`);
- the session cost alone: `--sessions` times, open a persistent shell on a pod, run `true`,
  close it (serially), over the API's exec and over `kubectl exec`, and the same through
  testinfra's backend (one `kubectl exec`), and kubectl starting alone.

Each method must give every learner the expected score, or the benchmark fails. It prints the
ratios (serial testinfra over `lab grade`; `lab grade` through kubectl over through the API),
the per-pod session costs, and the CPU each part of the system spent during each grade: this
process and its children (the grader: pytest, kubectl), the control plane's container (API
server, etcd) and the workers' (kubelet, containerd, the pods). The cluster is removed at the
end.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from bench.grade_class import solve_thirds
from checker import clusters, environments
from checker.classroom import kube
from checker.classroom.grader import default_jobs, grade_class
from checker.classroom.identity import load_state
from checker.classroom.model import Roster, Student
from checker.manifest import Lab, load_lab
from checker.paths import repo_root
from checker.runner import run_checks
from checker.spec import parse_spec

CLUSTER = "k2c-bench-kube"


def _roster(students: int, folder: Path) -> Roster:
    ids = [f"bench-{number:03d}" for number in range(1, students + 1)]
    path = folder / "bench.csv"
    path.write_text("id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    return Roster(path=path, students=tuple(Student(i, line=n + 2) for n, i in enumerate(ids)))


def _cpu(cluster: clusters.Cluster) -> dict[str, float]:
    """CPU seconds used so far: this process and its children, and each node container."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = {
        "grader": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
    }
    engine = environments.client()
    for node in cluster.nodes:
        stats = engine.api.stats(node, stream=False)
        role = "control-plane" if node == cluster.control_plane else "workers"
        used[role] = used.get(role, 0.0) + stats["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9
    return used


def _timed(
    name: str,
    run: Callable[[], dict[str, int]],
    expected: dict[str, int],
    cluster: clusters.Cluster,
) -> dict[str, object]:
    before = _cpu(cluster)
    started = time.monotonic()
    scores = run()
    seconds = time.monotonic() - started
    after = _cpu(cluster)
    cpu = {part: round(after[part] - before[part], 1) for part in after}
    wrong = {spec: score for spec, score in scores.items() if expected.get(spec) != score}
    print(f"  {name:<46} {seconds:7.1f} s   CPU s: {cpu}", flush=True)
    if wrong:
        raise SystemExit(
            f"{name}: wrong scores for {len(wrong)} pods, e.g. {next(iter(wrong.items()))}"
        )
    return {"method": name, "seconds": round(seconds, 2), "cpu_seconds": cpu}


def _session_costs(spec: str, count: int) -> dict[str, float]:
    """Median seconds to open a session on a pod, run `true` and close it, each way side by side.

    Our persistent session over the API's exec (the WebSocket channel, no kubectl) and over
    `kubectl exec`; testinfra's backend (one `kubectl exec` per command); kubectl starting and
    doing nothing (what any `kubectl exec` pays on top).
    """
    from testinfra import get_host

    from checker.engine.backend import PersistentBackend
    from checker.engine.shells import KubectlShell, shell_for

    api = shell_for(parse_spec(spec).primary)
    assert isinstance(api, KubectlShell)
    assert api.api is not None, f"the API path does not apply: {api.fallback}"
    shells = {"api_exec_session": api, "kubectl_exec_session": replace(api, api=None)}
    times: dict[str, list[float]] = {name: [] for name in (*shells, "testinfra", "kubectl_start")}
    for _ in range(count):
        for name, shell in shells.items():
            started = time.monotonic()
            backend = PersistentBackend(shell, timeout=60)
            assert backend.run("true").rc == 0
            backend.close()
            times[name].append(time.monotonic() - started)
        host = get_host(spec)
        started = time.monotonic()
        assert host.run("true").rc == 0
        times["testinfra"].append(time.monotonic() - started)
        started = time.monotonic()
        subprocess.run(["kubectl", "version", "--client"], capture_output=True, check=True)
        times["kubectl_start"].append(time.monotonic() - started)
    return {name: round(statistics.median(values), 3) for name, values in times.items()}


def _prepare(
    lab: Lab, roster: Roster, state: Path, placement: kube.Placement, jobs: int
) -> dict[str, int]:
    """Start the class of pods and solve a third fully, a third by half; the expected scores."""
    specs = kube.class_up_pods(lab, roster, state, placement)
    return solve_thirds(lab, [specs[student.id] for student in roster.students], jobs)


def main() -> None:
    """Run the benchmark and print (and optionally write) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="namespaces")
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    lab = load_lab(repo_root() / "labs" / args.lab)
    cluster = clusters.Cluster(CLUSTER, args.workers)
    with tempfile.TemporaryDirectory(prefix="k2c-bench-kube-") as name:
        folder = Path(name)
        roster = _roster(args.students, folder)
        state_file = folder / "state.json"
        try:
            started = time.monotonic()
            clusters.start(cluster)
            placement = kube.Placement(str(cluster.kubeconfig), CLUSTER, "k2c-bench")
            kube.ensure_kubectl()
            print(f"cluster of {args.workers} workers up in {time.monotonic() - started:.0f} s")
            started = time.monotonic()
            expected = _prepare(lab, roster, state_file, placement, args.jobs)
            print(
                f"{args.students} pods of {lab.id} up and solved in "
                f"{time.monotonic() - started:.0f} s; {os.cpu_count()} cores, load "
                f"{os.getloadavg()[0]:.0f}",
                flush=True,
            )
            state = load_state(state_file, lab.id)
            students = kube.on_pods(roster, lab, placement)
            specs = list(expected)

            def serial() -> dict[str, int]:
                reports = run_checks(
                    lab, [parse_spec(s) for s in specs], engine="testinfra", include_hidden=True
                )
                return {report.target: report.score for report in reports}

            def grade(exec_through: str) -> Callable[[], dict[str, int]]:
                def run() -> dict[str, int]:
                    os.environ["K2C_KUBE_EXEC"] = exec_through  # read by each pod's shell
                    try:
                        outcomes = grade_class(lab, students, jobs=args.jobs, state=state)
                    finally:
                        del os.environ["K2C_KUBE_EXEC"]
                    assert all(o.status == "graded" for o in outcomes), "a pod was not graded"
                    return {o.spec: o.score for o in outcomes}

                return run

            results = [
                _timed("testinfra kubectl://, serial", serial, expected, cluster),
                _timed(f"lab grade, API exec ({args.jobs} jobs)", grade("api"), expected, cluster),
                _timed(
                    f"lab grade, kubectl exec ({args.jobs} jobs)",
                    grade("kubectl"),
                    expected,
                    cluster,
                ),
            ]
            sessions = _session_costs(specs[0], args.sessions)
            print(f"  per-pod session, open + `true` + close (median of {args.sessions}):")
            for name, seconds in sessions.items():
                print(f"    {name:<24} {seconds:6.3f} s")
            _summarise(args, lab, results, sessions)
        finally:
            # After the figures: removing nodes can take minutes on a loaded Docker engine.
            for attempt in range(3):
                try:
                    clusters.remove(CLUSTER)
                    break
                except Exception as exc:  # a slow engine's read timeout: try again
                    print(f"removing {CLUSTER} (attempt {attempt + 1}): {exc}", file=sys.stderr)


def _summarise(
    args: argparse.Namespace, lab: Lab, results: list[dict[str, object]], sessions: dict
) -> None:
    """Print the figures as JSON (and write them to --json), then the ratio line."""
    seconds = [float(str(result["seconds"])) for result in results]
    ratio = round(seconds[0] / seconds[1], 2)
    summary = {
        "lab": lab.id,
        "students": args.students,
        "workers": args.workers,
        "jobs": args.jobs,
        "cores": os.cpu_count(),
        "results": results,
        "sessions": sessions,
        "ratio_serial_over_grade": ratio,
        "ratio_kubectl_exec_over_api_exec": round(seconds[2] / seconds[1], 2),
        "grade_seconds_per_pod": round(seconds[1] / args.students, 3),
    }
    print(json.dumps(summary, indent=2))
    print(f"ratio: serial testinfra / lab grade = {ratio}", flush=True)
    print(
        "ratio: lab grade through kubectl exec / through the API's exec = "
        f"{summary['ratio_kubectl_exec_over_api_exec']}",
        flush=True,
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
