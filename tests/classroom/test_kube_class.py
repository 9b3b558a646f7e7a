"""A class on Kubernetes, on the course's real cluster (two workers), graded while it breaks.

Twelve learners of the namespaces lab get a pod each (`lab class up --on kubernetes`), spread
over both workers; half are solved with the reference steps (`lab solve` on their pod). `lab
grade` then runs, and as soon as its first learner is recorded one pod still to be graded is
deleted and the worker holding the most pods still to be graded is stopped. Every learner must
be recorded: those reached are graded right (solved full marks, fresh none), those lost are
unreachable, never failed. `lab class down` then removes the class's pods (those on the lost
worker too) and nothing else: a bystander pod in the same namespace stays.

The registry path (`--registry HOST/PREFIX`) runs first, on the same cluster while both workers
are up: a registry built from Debian's docker-registry runs beside the cluster, known to this
machine's Docker engine and to the workers' containerd by one name; the pods of a small class
pull the lab's image from it, and a registry that does not answer stops `class up` in one line
before anything is made.

Needs the cluster images (`lab cluster build`, cached); about 5 minutes on 2 shared cores.
Run under `flock /tmp/k2c-docker.lock` (fixed names: cluster `k2c-kclass`).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from checker import clusters
from checker.engine.shells import KubectlShell, shell_for
from checker.spec import parse_spec

pytestmark = [
    pytest.mark.docker,
    pytest.mark.kubernetes,
    pytest.mark.slow,
]

CLUSTER = "k2c-kclass"
NAMESPACE = "k2c-kclass-ns"
LEARNERS = [f"s{index:02d}" for index in range(1, 13)]
SOLVED = set(LEARNERS[::2])  # s01, s03, ... s11
LAB = [str(Path(sys.executable).parent / "lab")]


@pytest.fixture(scope="module")
def cluster_up() -> Iterator[tuple[clusters.Cluster, str]]:
    """`lab cluster up`: a fresh course cluster of two workers and a registry beside it.

    Yields the cluster and what the command printed; removed afterwards whatever happens.
    """
    try:
        done = lab("cluster", "up", CLUSTER, "--workers", "2", "--with-registry", cwd=Path.cwd())
        assert done.returncode == 0, done.stderr
        yield clusters.Cluster(CLUSTER, workers=2), done.stdout
    finally:
        clusters.remove(CLUSTER)


@pytest.fixture(scope="module")
def cluster(cluster_up: tuple[clusters.Cluster, str]) -> clusters.Cluster:
    """The cluster `lab cluster up` started."""
    return cluster_up[0]


def kubectl(cluster: clusters.Cluster, *args: str, check: bool = True) -> str:
    """Run kubectl as the cluster's administrator, from the host."""
    result = subprocess.run(
        [clusters.kubectl_program(), f"--kubeconfig={cluster.kubeconfig}", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert not check or result.returncode == 0, result.stderr
    return result.stdout


def lab(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `lab` as an instructor does."""
    return subprocess.run(
        [*LAB, *args], cwd=cwd, capture_output=True, text=True, timeout=900, check=False
    )


def pods(cluster: clusters.Cluster, namespace: str = NAMESPACE) -> dict[str, dict]:
    """A namespace's pods by name (the class's namespace unless named)."""
    items = json.loads(kubectl(cluster, "-n", namespace, "get", "pods", "-o", "json"))["items"]
    return {item["metadata"]["name"]: item for item in items}


def _read_outcomes(grading: subprocess.Popen[str], recorded: list[tuple[float, str]]) -> None:
    """Note when `lab grade` prints each learner's line (`✔ s01 10/10`, `! s02 unreachable`)."""
    assert grading.stderr is not None
    for line in grading.stderr:
        words = line.split()
        if len(words) >= 2 and words[0] in ("✔", "✘", "!") and words[1] in LEARNERS:
            recorded.append((time.monotonic(), words[1]))


# ------------------------------------------------------ the registry path (--registry)
# These run before the test above stops a worker: they need both workers.

REGISTRY_NAMESPACE = "k2c-kclass-registry"
REGISTRY_LEARNERS = ["r1", "r2", "r3"]


@pytest.fixture(scope="module")
def registry(cluster_up: tuple[clusters.Cluster, str]) -> Iterator[clusters.Registry]:
    """The registry beside the cluster: 127.0.0.1:PORT for the engine, its container for the nodes.

    `lab cluster up --with-registry` started it and printed the `--registry` to give `class up`.
    """
    cluster, printed = cluster_up
    made = clusters.find_registry(cluster)
    assert made is not None, printed
    assert f"--registry {made.host}/k2c" in printed, printed
    try:
        yield made
    finally:
        clusters.stop_registry(cluster)
        # The tags `class up` made on this engine name a registry that is gone now.
        engine = clusters.client()
        for image in engine.images.list():
            for tag in image.tags:
                if tag.startswith(f"{made.host}/"):
                    engine.images.remove(tag, noprune=True)


def node_images(cluster: clusters.Cluster) -> dict[str, set[str]]:
    """Every image reference in each worker's containerd (the Kubernetes namespace)."""
    return {
        worker: set(clusters._exec(worker, "ctr -n k8s.io images ls -q")[1].split())
        for worker in cluster.worker_names
    }


def registry_get(registry: clusters.Registry, path: str, method: str = "GET") -> tuple[dict, str]:
    """Ask the registry's HTTP API, as the engine reaches it; return headers and body."""
    request = urllib.request.Request(
        f"http://{registry.host}{path}",
        method=method,
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return dict(answer.headers), answer.read().decode()


def test_a_class_pulls_the_labs_image_from_the_registry_it_names(
    cluster: clusters.Cluster, registry: clusters.Registry, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{s},Learner {s}\n" for s in REGISTRY_LEARNERS))
    prefix = f"{registry.host}/k2c"
    before = node_images(cluster)
    assert not any(ref.startswith(registry.host) for refs in before.values() for ref in refs)
    assert not any("namespaces" in ref for refs in before.values() for ref in refs), before

    up = lab(
        "class", "up", "namespaces", "-r", str(roster), "--on", "kubernetes",
        "--kubeconfig", str(cluster.kubeconfig), "--namespace", REGISTRY_NAMESPACE,
        "--registry", prefix, cwd=tmp_path,
    )  # fmt: skip
    assert up.returncode == 0, up.stderr + up.stdout
    state = json.loads((tmp_path / "roster.namespaces.class.json").read_text())
    assert state["placement"]["registry"] == prefix

    # The registry holds the lab's image, and every pod runs exactly that manifest, pulled.
    _, catalog = registry_get(registry, "/v2/_catalog")
    assert "k2c/namespaces" in json.loads(catalog)["repositories"]
    found = pods(cluster, REGISTRY_NAMESPACE)
    assert set(found) == {f"k2c-namespaces-{s}" for s in REGISTRY_LEARNERS}
    image = {pod["spec"]["containers"][0]["image"] for pod in found.values()}
    assert len(image) == 1
    reference = image.pop()
    assert reference.startswith(f"{prefix}/namespaces:")
    version = reference.rsplit(":", 1)[1]
    _, tags = registry_get(registry, "/v2/k2c/namespaces/tags/list")
    assert version in json.loads(tags)["tags"]
    headers, _ = registry_get(registry, f"/v2/k2c/namespaces/manifests/{version}", "HEAD")
    digest = headers["Docker-Content-Digest"]
    for name, pod in found.items():
        assert pod["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
        status = pod["status"]["containerStatuses"][0]
        assert status["imageID"] == f"{prefix}/namespaces@{digest}", (name, status)
    events = json.loads(kubectl(cluster, "-n", REGISTRY_NAMESPACE, "get", "events", "-o", "json"))
    pulled = [e["message"] for e in events["items"] if e["reason"] == "Pulled"]
    assert any(m.startswith("Successfully pulled image") for m in pulled), pulled
    # Nothing was loaded into the nodes by us: what the workers hold of the lab came by pull.
    after = node_images(cluster)
    for worker, refs in after.items():
        new = {ref for ref in refs - before[worker] if not ref.startswith("sha256:")}
        assert all(ref.startswith(f"{prefix}/namespaces") for ref in new), (worker, new)
    holding = {pod["spec"]["nodeName"] for pod in found.values()}
    assert all(reference in after[worker] for worker in holding), (holding, after)

    # Graded as any class: the solved learner full marks, the others graded and failed.
    target = f"kubectl://k2c-namespaces-r1?namespace={REGISTRY_NAMESPACE}&context={CLUSTER}"
    solved = lab(
        "solve", "namespaces", "-t", f"{target}&kubeconfig={cluster.kubeconfig}", cwd=tmp_path
    )
    assert solved.returncode == 0, solved.stderr + solved.stdout
    grade = lab("grade", "namespaces", "-r", str(roster), "-o", "out", cwd=tmp_path)
    assert grade.returncode == 0, grade.stderr + grade.stdout
    with (tmp_path / "out" / "gradebook.csv").open(newline="") as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    assert set(rows) == set(REGISTRY_LEARNERS)
    for student, row in rows.items():
        seen = (student, row["status"], row["score"], row["error"])
        assert row["status"] == "graded", seen
        assert row["nonce_status"] == "verified", seen
        assert row["score"] == ("10" if student == "r1" else "0"), seen

    down = lab("class", "down", "namespaces", "-r", str(roster), cwd=tmp_path)
    assert down.returncode == 0, down.stderr + down.stdout
    assert pods(cluster, REGISTRY_NAMESPACE) == {}
    kubectl(cluster, "delete", "namespace", REGISTRY_NAMESPACE, "--wait=false")


def test_a_registry_that_does_not_answer_stops_class_up_in_one_line_leaving_nothing(
    cluster: clusters.Cluster, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nq1,Learner q1\n")
    namespace = "k2c-kclass-noregistry"
    up = lab(
        "class", "up", "namespaces", "-r", str(roster), "--on", "kubernetes",
        "--kubeconfig", str(cluster.kubeconfig), "--namespace", namespace,
        "--registry", f"127.0.0.1:{port}/k2c", cwd=tmp_path,
    )  # fmt: skip
    assert up.returncode == 3, up.stderr + up.stdout  # the target could not be started
    lines = up.stderr.strip().splitlines()
    assert len(lines) == 1, up.stderr
    assert lines[0].startswith(f"error: registry 127.0.0.1:{port} did not take"), lines[0]
    # Nothing made: no namespace, no class state, no tag of that registry on this engine.
    assert f"namespace/{namespace}" not in kubectl(cluster, "get", "namespaces", "-o", "name")
    assert not (tmp_path / "roster.namespaces.class.json").exists()
    tags = subprocess.run(
        ["docker", "images", "-q", f"127.0.0.1:{port}/k2c/namespaces"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert tags.stdout.strip() == ""


def test_a_class_of_pods_is_graded_while_a_pod_and_a_worker_are_lost(
    cluster: clusters.Cluster, tmp_path: Path
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{s},Learner {s}\n" for s in LEARNERS))
    where = ["--kubeconfig", str(cluster.kubeconfig), "--namespace", NAMESPACE]

    # A pod that is no learner's, in the class's own namespace: nothing may touch it.
    kubectl(cluster, "create", "namespace", NAMESPACE)
    kubectl(
        cluster,
        "-n",
        NAMESPACE,
        "run",
        "bystander",
        f"--image={clusters.SANDBOX_IMAGE}",
        "--image-pull-policy=Never",
        "--restart=Never",
    )

    up = lab(
        "class", "up", "namespaces", "-r", str(roster), "--on", "kubernetes", *where, cwd=tmp_path
    )
    assert up.returncode == 0, up.stderr + up.stdout
    state = json.loads((tmp_path / "roster.namespaces.class.json").read_text())
    assert state["placement"]["namespace"] == NAMESPACE
    found = pods(cluster)
    class_pods = {f"k2c-namespaces-{s}": s for s in LEARNERS}
    assert set(class_pods) <= set(found)
    node_of = {class_pods[n]: found[n]["spec"]["nodeName"] for n in class_pods}
    assert set(node_of.values()) == set(cluster.worker_names), node_of  # both workers used
    for name, student in class_pods.items():
        meta, spec = found[name]["metadata"], found[name]["spec"]
        assert meta["labels"]["org.kernel-to-cloud/class"] == "namespaces"
        assert meta["labels"]["org.kernel-to-cloud/student"] == student
        assert meta["labels"]["org.kernel-to-cloud/nonce"] == state["nonces"][student]
        env = {e["name"]: e["value"] for e in spec["containers"][0]["env"]}
        assert env["K2C_NONCE"] == state["nonces"][student]
        security = spec["containers"][0]["securityContext"]
        assert set(security["capabilities"]["add"]) == {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"}
        assert security["seccompProfile"] == {"type": "Unconfined"}
        assert spec["containers"][0]["resources"]["limits"]["memory"] == "1Gi"
        assert spec["automountServiceAccountToken"] is False

    listed = json.loads(
        lab("class", "list", "namespaces", "-r", str(roster), "--json", cwd=tmp_path).stdout
    )
    targets = {entry["id"]: entry["target"] for entry in listed}
    assert targets["s01"] == (
        f"kubectl://k2c-namespaces-s01?namespace={NAMESPACE}&context={CLUSTER}"
        f"&kubeconfig={cluster.kubeconfig}"
    )
    assert all("exec -it" in entry["shell"] for entry in listed)
    # Solving and grading reach these pods through the API's exec, no kubectl process per pod.
    shell = shell_for(parse_spec(targets["s01"]).primary)
    assert isinstance(shell, KubectlShell)
    assert shell.api is not None, shell.fallback

    with ThreadPoolExecutor(3) as pool:
        solves = list(
            pool.map(lambda s: lab("solve", "namespaces", "-t", targets[s], cwd=tmp_path), SOLVED)
        )
    assert all(solved.returncode == 0 for solved in solves), [s.stderr for s in solves]

    # Grade, and break the cluster as soon as the first learner is recorded. A learner recorded
    # after the pod is gone (its deletion waited for) and the worker killed must be unreachable
    # if lost; one recorded meanwhile may have been checked before, so graded right is fine too.
    grading = subprocess.Popen(
        [
            *LAB,
            "grade",
            "namespaces",
            "-r",
            str(roster),
            "-o",
            "out",
            "--jobs",
            "2",
            "--timeout",
            "45",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    recorded: list[tuple[float, str]] = []
    reader = threading.Thread(target=_read_outcomes, args=(grading, recorded), daemon=True)
    reader.start()
    while not recorded and grading.poll() is None:
        time.sleep(0.1)
    rest = [s for s in LEARNERS if s not in {student for _, student in recorded}]
    per_worker = {w: [s for s in rest if node_of[s] == w] for w in cluster.worker_names}
    worker = max(per_worker, key=lambda w: len(per_worker[w]))
    victim = ([s for s in rest if node_of[s] != worker] or rest)[-1]
    subprocess.run(["docker", "kill", worker], check=True, capture_output=True)
    kubectl(cluster, "-n", NAMESPACE, "delete", "pod", f"k2c-namespaces-{victim}")
    cut = time.monotonic()
    lost = {victim} | {s for s in LEARNERS if node_of[s] == worker}
    assert grading.wait(timeout=600) == 3  # some learners could not be graded
    reader.join(timeout=10)

    with (tmp_path / "out" / "gradebook.csv").open(newline="") as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    assert set(rows) == set(LEARNERS)  # every learner recorded
    after = {student for when, student in recorded if when > cut}
    missed = 0
    for student, row in rows.items():
        right = (
            row["status"] == "graded"
            and row["nonce_status"] == "verified"
            and row["score"] == ("10" if student in SOLVED else "0")
        )
        seen = (student, row["status"], row["score"], row["error"])
        if student in lost and student in after:
            assert row["status"] == "unreachable", seen
        elif student in lost:
            assert right or row["status"] == "unreachable", seen
        else:
            assert right, seen
        missed += row["status"] == "unreachable"
    assert missed >= 1  # something was lost mid-grade, and recorded as such

    down = lab("class", "down", "namespaces", "-r", str(roster), cwd=tmp_path)
    assert down.returncode == 0, down.stderr + down.stdout
    left = pods(cluster)
    assert set(left) == {"bystander"}, sorted(left)
    # It may have been on the stopped worker, whose kubelet can no longer confirm it gone.
    kubectl(cluster, "-n", NAMESPACE, "delete", "pod", "bystander", "--force", "--grace-period=0")
    deadline = time.monotonic() + 60
    while pods(cluster) and time.monotonic() < deadline:
        time.sleep(1)
    assert pods(cluster) == {}
