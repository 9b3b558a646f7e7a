"""Task spread: a rule that spreads web's pods over the nodes, and the pods spread by it."""

from collections import Counter

import pytest
from kubelab import APP, deployment, rollout_summary, running_pods, settled

HOSTNAME = "kubernetes.io/hostname"


def _spreads(template_spec):
    """True when the pod template requires its pods apart, one node from the next."""
    for constraint in template_spec.get("topologySpreadConstraints") or []:
        if (
            constraint.get("topologyKey") == HOSTNAME
            and constraint.get("maxSkew") == 1
            and constraint.get("whenUnsatisfiable") == "DoNotSchedule"
        ):
            return True
    return False


@pytest.mark.task("spread")
def test_template_requires_the_spread(cluster):
    """The pod template has a hard topology spread constraint over node hostnames, skew 1."""
    spec = deployment(cluster)["spec"]["template"]["spec"]
    constraints = spec.get("topologySpreadConstraints") or []
    assert constraints, (
        f"The pod template of {APP} has no topologySpreadConstraints: the scheduler may put "
        "every pod on one node, and losing that node loses them all."
    )
    assert _spreads(spec), (
        f"{APP}'s topologySpreadConstraints are {constraints}: ask for maxSkew 1 over "
        f"topologyKey {HOSTNAME}, whenUnsatisfiable DoNotSchedule."
    )


@pytest.mark.task("spread")
def test_pods_are_on_several_nodes(cluster):
    """The running pods sit on at least two nodes, no node holding two more than another."""
    deploy = deployment(cluster)
    assert settled(deploy), f"Deployment {APP} is still rolling: {rollout_summary(deploy)}."
    pods = running_pods(cluster, deploy)
    per_node = Counter(pod["spec"].get("nodeName", "?") for pod in pods)
    assert len(per_node) >= 2, (
        f"All running pods of {APP} are on {', '.join(per_node) or 'no node'}: "
        "spread them (a cluster with one schedulable node cannot pass this task)."
    )
    assert max(per_node.values()) - min(per_node.values()) <= 1, (
        f"{APP}'s pods per node: {dict(per_node)}: more than one apart."
    )
