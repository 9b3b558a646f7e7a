"""A class on Kubernetes, the parts that need no cluster: pods, placement, statuses, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.classroom import identity, kube
from checker.classroom.model import Roster, Student
from checker.errors import UsageError
from checker.manifest import Lab, Limits, load_lab
from checker.paths import repo_root
from checker.spec import parse_spec


def lab(lab_id: str) -> Lab:
    """One of the course's labs."""
    return load_lab(repo_root() / "labs" / lab_id)


def test_a_pod_carries_the_labs_security_limits_labels_and_nonce() -> None:
    student = Student("Zoë Smith")
    seed = identity.seed(student.id, "namespaces")
    pod = kube.pod_manifest(
        lab("namespaces"), student, seed, image="img:1", pull="Never", limits=Limits("512m", 99)
    )
    meta, spec = pod["metadata"], pod["spec"]
    container = spec["containers"][0]
    assert meta["name"] == "k2c-namespaces-zoe-smith"
    assert meta["labels"] == {
        kube.LAB_LABEL: "namespaces",
        kube.STUDENT_LABEL: "zoe-smith",
        kube.NONCE_LABEL: seed.nonce,
    }
    assert meta["annotations"][kube.STUDENT_ANNOTATION] == "Zoë Smith"
    assert meta["annotations"]["container.apparmor.security.beta.kubernetes.io/env"] == (
        "unconfined"
    )
    assert container["env"] == [{"name": "K2C_NONCE", "value": seed.nonce}]
    assert container["securityContext"] == {
        "capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"]},
        "seccompProfile": {"type": "Unconfined"},
    }
    assert container["resources"]["limits"] == {"memory": "512Mi"}
    assert container["image"] == "img:1"
    assert container["imagePullPolicy"] == "Never"
    assert spec["automountServiceAccountToken"] is False
    assert spec["restartPolicy"] == "Never"


def test_the_swarm_lab_says_it_runs_only_on_a_docker_host() -> None:
    with pytest.raises(kube.NotOnKubernetes, match="runs only on a Docker host"):
        kube.refuse_unless_pod(lab("swarm"))
    kube.refuse_unless_pod(lab("namespaces"))  # one container: a pod


def test_a_placement_makes_specs_the_parser_reads_back() -> None:
    placement = kube.Placement("/home/i/k config", "ctx a", "k2c-x")
    target = parse_spec(placement.spec("k2c-namespaces-ada"))
    assert target.scheme == "kubectl"
    assert target.name == "k2c-namespaces-ada"
    assert target.option("namespace") == "k2c-x"
    assert target.option("context") == "ctx a"
    assert target.option("kubeconfig") == "/home/i/k config"
    assert kube.placement_of(target.primary) == kube.Placement("/home/i/k config", "ctx a", "k2c-x")


def test_the_class_state_keeps_where_the_class_runs(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    state = identity.ClassState("namespaces", {"ada": "a" * 32})
    state.placement = kube.Placement("/k", "c", "ns", "reg/x").as_state()
    identity.save_state(path, state)
    again = identity.load_state(path, "namespaces")
    assert kube.Placement.from_state(again.placement) == kube.Placement("/k", "c", "ns", "reg/x")
    assert again.nonces == {"ada": "a" * 32}
    identity.save_state(path, identity.ClassState("namespaces"))
    assert kube.Placement.from_state(identity.load_state(path, "namespaces").placement) is None


def test_only_managed_learners_move_to_pods() -> None:
    roster = Roster(Path("r.csv"), (Student("ada"), Student("bob", target="ssh://bob@vm")))
    moved = kube.on_pods(roster, lab("namespaces"), kube.Placement("", "c", "ns"))
    assert moved[0].target == "kubectl://k2c-namespaces-ada?namespace=ns&context=c"
    assert moved[1].target == "ssh://bob@vm"


@pytest.mark.parametrize(
    ("pod", "nodes", "why"),
    [
        ({"status": {"phase": "Running"}, "spec": {"nodeName": "w1"}}, {"w1": True}, ""),
        ({"status": {"phase": "Running"}, "spec": {"nodeName": "w1"}}, {}, ""),
        ({"status": {"phase": "Running"}, "spec": {"nodeName": "w1"}}, {"w1": False}, "not Ready"),
        ({"status": {"phase": "Pending", "reason": "Unschedulable"}}, {}, "is Pending"),
        ({"status": {"phase": "Failed", "reason": "Evicted"}}, {}, "Evicted"),
        (
            {
                "status": {
                    "phase": "Running",
                    "containerStatuses": [{"name": "env", "state": {"terminated": {}}}],
                }
            },
            {},
            "does not",
        ),
        (
            {"metadata": {"deletionTimestamp": "x"}, "status": {"phase": "Running"}},
            {},
            "being deleted",
        ),
    ],
)
def test_a_pod_that_cannot_be_graded_says_why(pod: dict, nodes: dict, why: str) -> None:
    found = kube.pod_trouble(pod, nodes)
    assert (why in found) if why else found == ""


def test_docker_sizes_become_kubernetes_quantities() -> None:
    assert [kube.quantity(s) for s in ("1g", "512m", "2048k", "100")] == [
        "1Gi",
        "512Mi",
        "2048Ki",
        "100",
    ]
    with pytest.raises(UsageError, match="not a size"):
        kube.quantity("lots")
