"""Benchmark: grade a class of pods on a course Kubernetes cluster, against serial testinfra.

    python bench/grade_kube_class.py [--students 24] [--workers 2] [--jobs N] [--json FILE]

Starts a course cluster (`k2c-bench-kube`, `--workers` workers), brings a class of the lab up on
it (`lab class up --on kubernetes`: one pod per learner, a third solved, a third half solved, a
third untouched), then times, side by side on the same pods:

- testinfra's own `kubectl://` backend, serially: one pytest session over every pod, one
  `kubectl exec` per command (`run_checks(..., engine="testinfra")`);
- `lab grade` as it runs (`grade_class`, persistent engine, `--jobs` sessions): one
  `kubectl exec` per pod, kept open for every command;
- the session cost alone: `--sessions` times, open a persistent shell on a pod, run `true`,
  close it (serially), and the same through testinfra's backend (one `kubectl exec`).

Each method must give every learner the expected score, or the benchmark fails. It prints the
ratio (serial testinfra over `lab grade`), the per-pod session cost, and the CPU each part of
the system spent during each grade: this process and its children (the grader: pytest, kubectl),
the control plane's container (API server, etcd) and the workers' (kubelet, containerd, the
pods). The cluster is removed at the end.
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


def _session_costs(spec: str, count: int, folder: Path) -> dict[str, float]:
    """Median seconds to run `true` on a pod, four ways.

    Our session opened, used and closed; testinfra's one `kubectl exec`; the API's exec without
    kubectl; kubectl starting and doing nothing (what any `kubectl exec` pays on top).
    """
    from testinfra import get_host

    from checker.engine.backend import PersistentBackend
    from checker.engine.shells import shell_for

    shell = shell_for(parse_spec(spec).primary)
    assert shell is not None
    target = parse_spec(spec)
    kubeconfig = Path(target.option("kubeconfig") or "")
    namespace = target.option("namespace") or "default"
    ours, theirs, api, start = [], [], [], []
    for _ in range(count):
        api.append(_api_exec(kubeconfig, namespace, target.name, folder))
        started = time.monotonic()
        subprocess.run(["kubectl", "version", "--client"], capture_output=True, check=True)
        start.append(time.monotonic() - started)
        started = time.monotonic()
        backend = PersistentBackend(shell, timeout=60)
        assert backend.run("true").rc == 0
        backend.close()
        ours.append(time.monotonic() - started)
        host = get_host(spec)
        started = time.monotonic()
        assert host.run("true").rc == 0
        theirs.append(time.monotonic() - started)
    return {
        "persistent_open_run_close": round(statistics.median(ours), 3),
        "testinfra_one_command": round(statistics.median(theirs), 3),
        "api_exec_no_kubectl": round(statistics.median(api), 3),
        "kubectl_start_alone": round(statistics.median(start), 3),
    }


def _api_exec(kubeconfig: Path, namespace: str, pod: str, folder: Path) -> float:
    """Seconds to run `true` in the pod through the API's exec directly (a WebSocket, no kubectl).

    The smallest client that can: TLS with the kubeconfig's client certificate, one upgrade
    request (channel protocol v4), frames read until the status channel says Success.
    """
    import base64
    import secrets
    import socket
    import ssl
    from urllib.parse import urlsplit

    import yaml

    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8"))
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    files = {}
    for key in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
        files[key] = folder / key
        files[key].write_bytes(base64.b64decode(cluster.get(key) or user[key]))
    context = ssl.create_default_context(cafile=str(files["certificate-authority-data"]))
    context.load_cert_chain(str(files["client-certificate-data"]), str(files["client-key-data"]))
    server = urlsplit(cluster["server"])
    started = time.monotonic()
    raw = socket.create_connection((server.hostname, server.port or 443), timeout=30)
    stream = context.wrap_socket(raw, server_hostname=server.hostname)
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/exec?command=true&stdout=true&stderr=true"
    stream.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {server.netloc}\r\nConnection: Upgrade\r\n"
            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(secrets.token_bytes(16)).decode()}\r\n"
            "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n"
        ).encode()
    )
    data = b""
    while b"\r\n\r\n" not in data:
        data += stream.recv(4096)
    head, _, data = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    status = b""
    while b"Success" not in status:
        while len(data) < 2 or len(data) < _frame_end(data):
            chunk = stream.recv(65536)
            assert chunk, f"the API closed the exec stream: {status!r}"
            data += chunk
        end = _frame_end(data)
        payload, data = data[_frame_start(data) : end], data[end:]
        if payload[:1] == b"\x03":  # the status channel
            status += payload[1:]
            assert b"Failure" not in status, status
    stream.close()
    return time.monotonic() - started


def _frame_start(data: bytes) -> int:
    size = data[1] & 0x7F
    return 2 + {126: 2, 127: 8}.get(size, 0)


def _frame_end(data: bytes) -> int:
    size = data[1] & 0x7F
    if size == 126:
        size = int.from_bytes(data[2:4], "big") if len(data) >= 4 else 1 << 30
    elif size == 127:
        size = int.from_bytes(data[2:10], "big") if len(data) >= 10 else 1 << 30
    return _frame_start(data) + size


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

            def grade() -> dict[str, int]:
                outcomes = grade_class(lab, students, jobs=args.jobs, state=state)
                assert all(o.status == "graded" for o in outcomes), "a pod was not graded"
                return {o.spec: o.score for o in outcomes}

            results = [
                _timed("testinfra kubectl://, serial", serial, expected, cluster),
                _timed(f"lab grade (persistent, {args.jobs} jobs)", grade, expected, cluster),
            ]
            sessions = _session_costs(specs[0], args.sessions, folder)
            print(f"  per-pod session (median of {args.sessions}): {sessions}")
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
    ratio = round(float(str(results[0]["seconds"])) / float(str(results[1]["seconds"])), 2)
    summary = {
        "lab": lab.id,
        "students": args.students,
        "workers": args.workers,
        "jobs": args.jobs,
        "cores": os.cpu_count(),
        "results": results,
        "sessions": sessions,
        "ratio_serial_over_grade": ratio,
        "grade_seconds_per_pod": round(float(str(results[1]["seconds"])) / args.students, 3),
    }
    print(json.dumps(summary, indent=2))
    print(f"ratio: serial testinfra / lab grade = {ratio}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
