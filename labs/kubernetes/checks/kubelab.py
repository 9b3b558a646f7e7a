"""Helpers of the kubernetes checks: the learner's namespace as the API shows it.

The target is a shell whose kubectl reaches the cluster, its context set to the learner's
namespace (`kube://...` specs do that; any shell with a working kubectl does too). Every check
reads live state from the API as JSON, or asks the pods themselves (`kubectl exec`): the limit
the kernel applies, the page a Service answers with. Nothing here changes the learner's objects.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

APP = "web"
CONTAINER = "web"
# Pods of one revision share one template: asking one of them is enough, and each `kubectl exec`
# costs about a second.
ASKED = 1
# One read of the namespace serves every check of a target: the kinds they look at, by the
# resource name kubectl is given (APIs served by Kubernetes 1.20 and by current releases alike).
KINDS = {
    "deployments.apps": "Deployment",
    "replicasets.apps": "ReplicaSet",
    "pods": "Pod",
    "services": "Service",
    "endpoints": "Endpoints",
    "configmaps": "ConfigMap",
    "secrets": "Secret",
    "resourcequotas": "ResourceQuota",
}


def quantity(text: str | int | float) -> float:
    """A Kubernetes quantity as a number: `32Mi` -> 33554432, `200m` -> 0.2."""
    value = str(text).strip()
    binary = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    decimal = {"k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "m": 1e-3}
    for suffix, factor in binary.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    if value and value[-1] in decimal:
        return float(value[:-1]) * decimal[value[-1]]
    return float(value)


@dataclass
class Cluster:
    """The learner's namespace as the API shows it, plus ways to ask its pods."""

    host: Any
    namespace: str
    reachable: bool
    problem: str = ""
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def kubectl(self, *args: str, timeout: int = 20) -> Any:
        """Run kubectl in the learner's namespace; return testinfra's CommandResult."""
        argv = ["kubectl", f"--request-timeout={timeout}s", "-n", self.namespace, *args]
        return self.host.run(" ".join(shlex.quote(arg) for arg in argv))

    def require(self) -> None:
        """Fail the check with the reason when the cluster could not be read."""
        assert self.reachable, self.problem

    def items(self, kind: str) -> list[dict[str, Any]]:
        """Every object of a kind (`Deployment`, `Pod`...) in the namespace, as read once."""
        self.require()
        return self.objects.get(kind, [])

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """One object by name, or None."""
        for item in self.items(kind):
            if item["metadata"]["name"] == name:
                return item
        return None

    def fresh(self, kind: str, name: str) -> dict[str, Any] | None:
        """One object read again now (for state that moves while checks run)."""
        result = self.kubectl("get", kind, name, "-o", "json")
        return json.loads(result.stdout) if result.rc == 0 else None

    def exec(self, pod: str, command: str) -> Any:
        """Run `sh -c COMMAND` in container web of a pod."""
        return self.kubectl("exec", pod, "-c", CONTAINER, "--", "sh", "-c", command)

    def events(self) -> list[dict[str, Any]]:
        """The namespace's events (the record of what controllers and kubelets did)."""
        result = self.kubectl("get", "events", "-o", "json")
        return json.loads(result.stdout).get("items", []) if result.rc == 0 else []


# ---------------------------------------------------------------------------- the app


def deployment(cluster: Cluster) -> dict[str, Any]:
    """The Deployment web, or the check fails saying it is missing."""
    found = cluster.get("Deployment", APP)
    assert found is not None, (
        f"No Deployment named {APP!r} in namespace {cluster.namespace!r} "
        f"(kubectl get deployments -n {cluster.namespace})."
    )
    return found


def container(spec: dict[str, Any]) -> dict[str, Any]:
    """Container web of a Deployment's (or ReplicaSet's) pod template, or the check fails."""
    containers = spec["spec"]["template"]["spec"].get("containers", [])
    found = next((c for c in containers if c.get("name") == CONTAINER), None)
    names = ", ".join(c.get("name", "?") for c in containers)
    assert found is not None, (
        f"The pod template of {APP} has no container named {CONTAINER!r} (it has: {names})."
    )
    return found


def current_replicaset(cluster: Cluster, deploy: dict[str, Any]) -> dict[str, Any] | None:
    """The ReplicaSet that runs the Deployment's current revision."""
    revision = deploy["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision")
    for rs in owned_replicasets(cluster, deploy):
        if rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision") == (
            revision
        ):
            return rs
    return None


def owned_replicasets(cluster: Cluster, deploy: dict[str, Any]) -> list[dict[str, Any]]:
    """The ReplicaSets the Deployment owns (its revision history)."""
    uid = deploy["metadata"]["uid"]
    return [
        rs
        for rs in cluster.items("ReplicaSet")
        if any(ref.get("uid") == uid for ref in rs["metadata"].get("ownerReferences", []))
    ]


def revision(obj: dict[str, Any]) -> int:
    """A ReplicaSet's (or Deployment's) revision number, 0 when it has none."""
    value = obj["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "0")
    return int(value) if str(value).isdigit() else 0


def running_pods(cluster: Cluster, deploy: dict[str, Any]) -> list[dict[str, Any]]:
    """The running pods of the Deployment's current ReplicaSet, not being deleted."""
    rs = current_replicaset(cluster, deploy)
    if rs is None:
        return []
    uid = rs["metadata"]["uid"]
    return [
        pod
        for pod in cluster.items("Pod")
        if any(ref.get("uid") == uid for ref in pod["metadata"].get("ownerReferences", []))
        and pod.get("status", {}).get("phase") == "Running"
        and not pod["metadata"].get("deletionTimestamp")
    ]


def is_ready(pod: dict[str, Any]) -> bool:
    """True when the pod's Ready condition is True."""
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def rollout_summary(deploy: dict[str, Any]) -> str:
    """The Deployment's replica counts, as `kubectl get deployment` shows them."""
    status = deploy.get("status", {})
    return (
        f"{status.get('readyReplicas', 0)}/{deploy['spec'].get('replicas', 1)} ready, "
        f"{status.get('updatedReplicas', 0)} up to date, "
        f"{status.get('availableReplicas', 0)} available"
    )


def settled(deploy: dict[str, Any]) -> bool:
    """True when the Deployment's rollout is complete and every replica is available."""
    status = deploy.get("status", {})
    wanted = deploy["spec"].get("replicas", 1)
    return (
        status.get("observedGeneration", 0) >= deploy["metadata"].get("generation", 0)
        and status.get("updatedReplicas", 0) == wanted
        and status.get("availableReplicas", 0) == wanted
        and status.get("replicas", 0) == wanted
    )


def read_cluster(host: Any) -> Cluster:
    """Read the learner's namespace once: its name comes from the kubeconfig's context."""
    found = host.run("kubectl config view --minify -o 'jsonpath={..namespace}'")
    namespace = found.stdout.strip() or "default"
    probe = host.run("kubectl --request-timeout=15s get --raw /version")
    if probe.rc != 0:
        detail = (probe.stderr.strip().splitlines() or ["no answer"])[-1]
        return Cluster(host, namespace, False, f"The cluster's API does not answer: {detail}")
    result = host.run(
        f"kubectl --request-timeout=20s -n {shlex.quote(namespace)} get {','.join(KINDS)} -o json"
    )
    objects: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS.values()}
    if result.rc == 0:
        for item in json.loads(result.stdout).get("items", []):
            objects.setdefault(item.get("kind", ""), []).append(item)
    return Cluster(host, namespace, True, objects=objects)
