"""A class on Kubernetes: one pod per learner, in a namespace of the class, graded like any other.

`lab class up LAB --on kubernetes` makes, for every roster student without a target of their own,
a pod named as the local class's container (`k2c-LAB-SLUG`) from the lab's image, labelled with
the lab, the student and the nonce, given the nonce as `K2C_NONCE` (PID 1's environment, as a
local class) and the security context the lab's manifest asks for (its capabilities, unconfined
seccomp and AppArmor). Where the class runs (kubeconfig, context, namespace) is kept in the class
state beside the nonces, so `lab class list` and `lab grade` find every learner's pod as
`kubectl://POD?namespace=N&context=C&kubeconfig=F`.

The image reaches the nodes from the registry the instructor names (pushed there), or, with no
registry, is loaded into the nodes' containerd: only possible for a course cluster whose nodes
are this machine's containers (`checker.clusters`).

From outside, the grader reads every pod of a namespace and every node in one call each (cached a
few seconds): a pod that is missing, pending, evicted, stopped or on a node that is not Ready is
unreachable without a session being opened to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from checker import environments
from checker.classroom import identity
from checker.classroom.model import Roster, Student
from checker.errors import TargetError, UsageError
from checker.manifest import Lab, Limits
from checker.spec import Node

Progress = Callable[[str], None]

# Kubernetes label keys of a class pod (a label key's prefix is a DNS name: no dots after the
# slash, so these are not the Docker labels' spelling). Label values are at most 63 characters
# of [A-Za-z0-9_.-]: the student's slug is one, their id (any text) goes in an annotation.
LAB_LABEL = "org.kernel-to-cloud/class"
STUDENT_LABEL = "org.kernel-to-cloud/student"
NONCE_LABEL = "org.kernel-to-cloud/nonce"
STUDENT_ANNOTATION = "org.kernel-to-cloud/student-id"
CONTAINER = "env"
READY_TIMEOUT = 300.0
# What a look from outside is trusted for: the probes of one grading run all fall in it.
LOOK_TTL = 10.0


def _quiet(_: str) -> None:
    """Progress sink that shows nothing."""


class KubeError(TargetError):
    """The cluster refused or failed what a class on Kubernetes asked of it."""


class RegistryError(KubeError):
    """The registry named by --registry did not take the lab's image: nothing was started."""


class NotOnKubernetes(UsageError):
    """The lab's environment cannot be a pod (several nodes, a VM)."""


@dataclass(frozen=True)
class Placement:
    """Where a class runs on Kubernetes: kubeconfig (empty: kubectl's default), context, namespace.

    >>> Placement("/k", "c", "ns").spec("k2c-namespaces-ada")
    'kubectl://k2c-namespaces-ada?namespace=ns&context=c&kubeconfig=/k'
    """

    kubeconfig: str = ""
    context: str = ""
    namespace: str = ""
    registry: str = ""

    def spec(self, pod: str) -> str:
        """The target spec of one learner's pod."""
        query = f"namespace={self.namespace}"
        if self.context:
            query += f"&context={quote(self.context, safe='')}"
        if self.kubeconfig:
            query += f"&kubeconfig={quote(self.kubeconfig, safe='/')}"
        return f"kubectl://{pod}?{query}"

    def kubectl_args(self) -> list[str]:
        """The options that make kubectl reach this cluster, context and namespace."""
        args = [f"--kubeconfig={self.kubeconfig}"] if self.kubeconfig else []
        if self.context:
            args.append(f"--context={self.context}")
        return [*args, f"--namespace={self.namespace}"]

    def shell_command(self, pod: str) -> str:
        """How someone with the kubeconfig gets a shell in the pod."""
        import shlex

        return shlex.join(["kubectl", *self.kubectl_args(), "exec", "-it", pod, "--", "bash"])

    def as_state(self) -> dict[str, str]:
        """The placement as the class state keeps it."""
        return {
            "on": "kubernetes",
            "kubeconfig": self.kubeconfig,
            "context": self.context,
            "namespace": self.namespace,
            "registry": self.registry,
        }

    @classmethod
    def from_state(cls, data: Mapping[str, str]) -> Placement | None:
        """The placement a class state records, or None for a class on this Docker host."""
        if data.get("on") != "kubernetes":
            return None
        return cls(
            data.get("kubeconfig", ""),
            data.get("context", ""),
            data.get("namespace", ""),
            data.get("registry", ""),
        )


def default_namespace(lab: Lab) -> str:
    """The class's namespace when the instructor names none: `k2c-LAB`."""
    return f"k2c-{lab.id}"


def pod_name(lab: Lab, student: Student) -> str:
    """A learner's pod: the name their container has in a local class."""
    return environments.container_name(lab.id, student.id)


def on_pods(roster: Roster, lab: Lab, placement: Placement) -> list[Student]:
    """The roster with every managed learner's target set to their pod's spec."""
    from dataclasses import replace

    return [
        replace(student, target=placement.spec(pod_name(lab, student)))
        if student.managed
        else student
        for student in roster.students
    ]


def ensure_kubectl() -> str:
    """Make `kubectl` runnable by name (the engine's pod shell runs it so) and return its path.

    The one on PATH, else the course's own (`lab cluster up` installs it): its folder is then
    appended to this process's PATH, which grading sessions inherit.
    """
    from checker import clusters

    program = clusters.kubectl_program()
    if shutil.which("kubectl") is None:
        os.environ["PATH"] = f"{os.environ.get('PATH', '')}{os.pathsep}{clusters.kubectl_dir()}"
    return program


def kubectl(
    placement: Placement,
    *args: str,
    stdin: str | None = None,
    timeout: float = 120,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run kubectl on the class's cluster and namespace.

    Raises:
        KubeError: kubectl could not run, or (with `check`) exited non-zero; the message quotes it.
    """
    argv = [ensure_kubectl(), *placement.kubectl_args(), *args]
    try:
        result = subprocess.run(
            argv, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KubeError(f"kubectl {' '.join(args[:2])}: {exc}") from exc
    if check and result.returncode != 0:
        detail = " ".join(result.stderr.split())[-400:] or f"exit {result.returncode}"
        raise KubeError(f"kubectl {' '.join(args[:2])} failed: {detail}")
    return result


# ------------------------------------------------------------------------------ the pods


def refuse_unless_pod(lab: Lab) -> None:
    """Say plainly when the lab's environment cannot be one pod.

    Raises:
        NotOnKubernetes: the lab has several nodes (the swarm lab) or needs a VM.
    """
    config = lab.environment
    if config.nodes:
        names = ", ".join(node.name for node in config.nodes)
        raise NotOnKubernetes(
            f"lab {lab.id} runs only on a Docker host: each learner's environment is "
            f"{len(config.nodes)} containers ({names}) on a private network of their own, "
            f"with Docker engines reaching each other; run `lab class up {lab.id}` without --on"
        )
    if config.vm:
        raise NotOnKubernetes(f"lab {lab.id} needs a virtual machine ({config.vm}), not a pod")


_SIZE = re.compile(r"^(\d+)([bkmg]?)$")


def quantity(size: str) -> str:
    """A Docker size (`1g`, `512m`) as a Kubernetes quantity (`1Gi`, `512Mi`).

    >>> quantity("1g"), quantity("512m"), quantity("64k"), quantity("1000")
    ('1Gi', '512Mi', '64Ki', '1000')
    """
    found = _SIZE.match(size.strip().lower())
    if found is None:
        raise UsageError(f"memory {size!r} is not a size like 512m or 1g")
    number, unit = found.groups()
    return number + {"": "", "b": "", "k": "Ki", "m": "Mi", "g": "Gi"}[unit]


def pod_manifest(
    lab: Lab,
    student: Student,
    seed: identity.Seed,
    *,
    image: str,
    pull: str,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """The pod of one learner: the lab's image, labels, nonce, security context and limits.

    Memory is requested as much as it is limited: a node is never promised more than it holds.
    The pod gets no service account token (a learner must not reach the cluster's API), no
    service links, and never restarts: a dead environment is unreachable, not silently fresh.
    Pods of a class spread over the nodes (at most one more on any node than on another, when
    the nodes allow it).
    """
    config = lab.environment
    limits = limits or config.limits
    caps = list(config.capabilities)
    if config.privileged:
        caps = list(dict.fromkeys([*environments.PRIVILEGED_CAPS, *caps]))
    security: dict[str, Any] = {}
    annotations = {STUDENT_ANNOTATION: student.id}
    if caps:
        security["capabilities"] = {"add": caps}
    if config.privileged:
        security["seccompProfile"] = {"type": "Unconfined"}
        annotations[f"container.apparmor.security.beta.kubernetes.io/{CONTAINER}"] = "unconfined"
    memory = quantity(limits.memory)
    labels = {LAB_LABEL: lab.id, STUDENT_LABEL: student.slug, NONCE_LABEL: seed.nonce}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod_name(lab, student), "labels": labels, "annotations": annotations},
        "spec": {
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 1,
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": {LAB_LABEL: lab.id}},
                }
            ],
            "containers": [
                {
                    "name": CONTAINER,
                    "image": image,
                    "imagePullPolicy": pull,
                    "env": [{"name": k, "value": v} for k, v in seed.environment.items()],
                    "securityContext": security,
                    "resources": {"requests": {"memory": memory}, "limits": {"memory": memory}},
                }
            ],
        },
    }


def _place_image(lab: Lab, placement: Placement, progress: Progress) -> tuple[str, str]:
    """Bring the lab's image where the nodes find it; return its reference and pull policy."""
    tag = environments.build_image(lab, progress)
    if placement.registry:
        return push_image(tag, placement.registry, lab.id, progress), "IfNotPresent"
    cluster = _course_cluster(placement)
    if cluster is None:
        raise KubeError(
            "no --registry given, and this cluster's nodes are not containers of this machine: "
            "push the lab's image to a registry the nodes pull from and name it with "
            "--registry HOST/PREFIX"
        )
    from checker import clusters

    progress(f"loading {tag} into the nodes of {cluster.name}")
    clusters.import_images(cluster, [tag])
    return tag, "Never"


def push_image(tag: str, registry: str, name: str, progress: Progress = _quiet) -> str:
    """Push a local image to `registry` (HOST/PREFIX) as `HOST/PREFIX/NAME:ID`; return that.

    ID is the start of the image's own id, so the same image is the same reference. The tag
    this makes on the local Docker engine is removed again when the push fails.

    Raises:
        RegistryError: the registry did not take the image (down, refused, not trusted).
    """
    import docker.errors

    api = environments.client().api
    repository = f"{registry.strip('/')}/{name}"
    version = str(api.inspect_image(tag)["Id"]).split(":")[-1][:16]
    reference = f"{repository}:{version}"
    made, failure = False, ""
    try:
        try:
            api.inspect_image(reference)
        except docker.errors.ImageNotFound:
            api.tag(tag, repository, version)
            made = True
        progress(f"pushing {reference}")
        for chunk in api.push(repository, tag=version, stream=True, decode=True):
            if "error" in chunk:
                failure = str(chunk["error"])
                break
    except docker.errors.APIError as exc:
        failure = str(exc.explanation or exc)
    if failure:
        if made:
            with contextlib.suppress(docker.errors.APIError):
                api.remove_image(reference, noprune=True)
        host = registry.strip("/").split("/")[0]
        raise RegistryError(
            f"registry {host} did not take the lab's image {reference}: "
            f"{' '.join(failure.split())}; is it running, and reachable from this machine's "
            "Docker engine (a registry over plain HTTP must be one of its insecure registries)?"
        )
    return reference


def _course_cluster(placement: Placement) -> Any:
    """The course cluster the placement's context reaches, if its nodes are local containers."""
    from checker import clusters

    view = kubectl(
        placement, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].name}", check=False
    )
    name = view.stdout.strip() if view.returncode == 0 else ""
    return clusters.find(name) if name else None


def class_up_pods(
    lab: Lab,
    roster: Roster,
    state_file: os.PathLike[str],
    placement: Placement,
    *,
    progress: Progress = _quiet,
    limits: Limits | None = None,
    timeout: float = READY_TIMEOUT,
) -> dict[str, str]:
    """Start a fresh pod for every roster student without a target of their own.

    The nonces and the placement are recorded in the class state before any pod exists; pods of
    the same names are replaced.

    Returns:
        Each started student's id and target spec.

    Raises:
        NotOnKubernetes: the lab's environment cannot be a pod.
        KubeError: the cluster refused something, or a pod did not run within `timeout`.
    """
    from pathlib import Path

    refuse_unless_pod(lab)
    managed = [student for student in roster.students if student.managed]
    image, pull = _place_image(lab, placement, progress)
    existing = kubectl(placement, "get", "namespace", placement.namespace, check=False)
    if existing.returncode != 0:
        progress(f"creating namespace {placement.namespace}")
        kubectl(placement, "create", "namespace", placement.namespace)
    path = Path(state_file)
    state = identity.load_state(path, lab.id)
    seeds = {student.id: identity.seed(student.id, lab.id) for student in managed}
    state.nonces.update({student_id: seed.nonce for student_id, seed in seeds.items()})
    state.placement = placement.as_state()
    identity.save_state(path, state)
    names = [pod_name(lab, student) for student in managed]
    progress(f"replacing any earlier pods of the {len(names)} students")
    kubectl(placement, "delete", "pod", "--ignore-not-found", "--wait=true", *names, timeout=300)
    pods = [
        pod_manifest(lab, student, seeds[student.id], image=image, pull=pull, limits=limits)
        for student in managed
    ]
    progress(f"creating {len(pods)} pods in {placement.namespace}")
    kubectl(
        placement,
        "create",
        "-f",
        "-",
        stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}),
    )
    wait_running(placement, names, timeout, progress)
    return {student.id: placement.spec(pod_name(lab, student)) for student in managed}


def wait_running(
    placement: Placement, names: Sequence[str], timeout: float, progress: Progress = _quiet
) -> None:
    """Wait until every named pod runs.

    Raises:
        KubeError: some did not within `timeout`, or failed; the message names them and why.
    """
    deadline = time.monotonic() + timeout
    waiting: dict[str, str] = {}
    while True:
        pods = _pods(placement)
        waiting = {}
        for name in names:
            pod = pods.get(name)
            why = "does not exist" if pod is None else pod_trouble(pod)
            if why:
                waiting[name] = why
        if not waiting:
            return
        broken = {n: w for n, w in waiting.items() if "Failed" in w or "ErrImage" in w}
        if broken or time.monotonic() > deadline:
            shown = "; ".join(f"{n} {w}" for n, w in list((broken or waiting).items())[:3])
            raise KubeError(f"{len(broken or waiting)} pods are not running: {shown}")
        progress(f"{len(names) - len(waiting)}/{len(names)} pods running")
        time.sleep(1)


def _pods(placement: Placement) -> dict[str, dict[str, Any]]:
    items = json.loads(kubectl(placement, "get", "pods", "-o", "json").stdout)["items"]
    return {item["metadata"]["name"]: item for item in items}


def pod_trouble(pod: Mapping[str, Any], nodes: Mapping[str, bool] | None = None) -> str:
    """Why a pod cannot be graded ('' when it runs, on a node known Ready or not known).

    >>> pod_trouble({"status": {"phase": "Pending", "reason": ""}})
    'is Pending'
    >>> pod_trouble({"status": {"phase": "Failed", "reason": "Evicted", "message": "low memory"}})
    'is Failed (Evicted: low memory)'
    >>> pod_trouble({"spec": {"nodeName": "w2"}, "status": {"phase": "Running"}}, {"w2": False})
    "runs on node 'w2', which is not Ready"
    """
    status = pod.get("status", {})
    phase = status.get("phase", "Unknown")
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return "is being deleted"
    if phase != "Running":
        why = ": ".join(str(status[k]) for k in ("reason", "message") if status.get(k))
        for container in status.get("containerStatuses", ()):
            waiting = container.get("state", {}).get("waiting")
            if waiting:
                why = why or ": ".join(
                    str(waiting[k]) for k in ("reason", "message") if waiting.get(k)
                )
        return f"is {phase}" + (f" ({why})" if why else "")
    for container in status.get("containerStatuses", ()):
        if "running" not in container.get("state", {}):
            return f"runs, but its container {container.get('name', '')!r} does not"
    node = pod.get("spec", {}).get("nodeName", "")
    if nodes is not None and nodes.get(node) is False:
        return f"runs on node {node!r}, which is not Ready"
    return ""


def class_down_pods(
    lab: Lab, placement: Placement, *, progress: Progress = _quiet, timeout: float = 300
) -> int:
    """Remove the class's pods of this lab from the namespace (nothing else), waiting for them.

    A pod on a node that is not Ready can never be confirmed gone by its kubelet: it is removed
    from the API at once (`--force`); should the node come back, its kubelet stops the container
    no pod names any more.

    Returns:
        How many pods were removed.

    Raises:
        KubeError: the cluster refused, or some pods were still there after `timeout`.
    """
    selector = f"{LAB_LABEL}={lab.id}"
    found = kubectl(placement, "get", "pods", "-l", selector, "-o", "name").stdout.split()
    if not found:
        return 0
    progress(f"removing {len(found)} pods from {placement.namespace}")
    kubectl(placement, "delete", "pods", "-l", selector, "--wait=false")
    deadline = time.monotonic() + timeout
    while True:
        pods = {
            name: pod
            for name, pod in _pods(placement).items()
            if pod.get("metadata", {}).get("labels", {}).get(LAB_LABEL) == lab.id
        }
        if not pods:
            return len(found)
        nodes = _nodes(placement)
        stranded = [
            name
            for name, pod in pods.items()
            if nodes.get(pod.get("spec", {}).get("nodeName")) is False
        ]
        if stranded:
            progress(f"{len(stranded)} pods are on nodes that are not Ready: removing them now")
            kubectl(placement, "delete", "pod", "--force", "--grace-period=0", *stranded)
        if time.monotonic() > deadline:
            raise KubeError(f"{len(pods)} pods of {lab.id} were still there after {timeout:.0f} s")
        progress(f"{len(found) - len(pods)}/{len(found)} pods removed")
        time.sleep(1)


# ------------------------------------------------------------------------ looking outside


class _Looks:
    """Pods and nodes of each (kubeconfig, context, namespace), read once per `LOOK_TTL`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[tuple[str, str, str], tuple[float, dict[str, Any], dict[str, bool]]] = {}

    def get(
        self, placement: Placement, fresh: bool = False
    ) -> tuple[dict[str, Any], dict[str, bool]]:
        key = (placement.kubeconfig, placement.context, placement.namespace)
        with self.lock:  # one reader per cluster at a time: the others take its answer
            when, pods, nodes = self.seen.get(key, (0.0, {}, {}))
            if fresh or time.monotonic() - when > LOOK_TTL:
                pods = _pods(placement)
                nodes = _nodes(placement)
                self.seen[key] = (time.monotonic(), pods, nodes)
            return pods, nodes


_looks = _Looks()


def _nodes(placement: Placement) -> dict[str, bool]:
    """Each node's readiness; empty when the class's account may not list nodes."""
    result = kubectl(placement, "get", "nodes", "-o", "json", check=False)
    if result.returncode != 0:
        return {}
    return {
        item["metadata"]["name"]: any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in item.get("status", {}).get("conditions", ())
        )
        for item in json.loads(result.stdout)["items"]
    }


def placement_of(node: Node) -> Placement:
    """The placement a `kubectl://` node's options name."""
    options = [node.option(key) or "" for key in ("kubeconfig", "context", "namespace")]
    return Placement(*options)


def look(node: Node, *, fresh: bool = False) -> dict[str, str] | str:
    """A pod's labels when it runs on a Ready node; otherwise why it cannot be graded.

    Never raises for the cluster's faults: a cluster that does not answer is the reason.
    """
    placement = placement_of(node)
    if not placement.namespace:
        placement = Placement(placement.kubeconfig, placement.context, "default")
    try:
        pods, nodes = _looks.get(placement, fresh)
    except (KubeError, ValueError, KeyError) as exc:
        return f"pod {node.name!r}: {exc}"
    pod = pods.get(node.name)
    if pod is None:
        return f"pod {node.name!r} does not exist in namespace {placement.namespace!r}"
    trouble = pod_trouble(pod, nodes)
    if trouble:
        return f"pod {node.name!r} {trouble}"
    return {str(k): str(v) for k, v in pod.get("metadata", {}).get("labels", {}).items()}
