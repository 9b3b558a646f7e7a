"""Task namespace: a namespace of the learner's own, with a ResourceQuota that caps its pods."""

import json

import pytest

QUOTA = "budget"


@pytest.mark.task("namespace")
def test_namespace_is_active(cluster):
    """The context's namespace exists, is Active, and is not `default`."""
    cluster.require()
    assert cluster.namespace != "default", (
        "Your kubeconfig's context works in namespace default: give it a namespace of its own "
        "(kubectl config set-context --current --namespace web) and create that namespace."
    )
    result = cluster.host.run(
        f"kubectl --request-timeout=15s get namespace {cluster.namespace} -o json"
    )
    assert result.rc == 0, (
        f"No namespace {cluster.namespace!r}: your context works in it, so create it "
        f"(kubectl create namespace {cluster.namespace})."
    )
    phase = json.loads(result.stdout).get("status", {}).get("phase")
    assert phase == "Active", f"Namespace {cluster.namespace!r} is {phase}, not Active."


@pytest.mark.task("namespace")
def test_quota_caps_pods(cluster, params):
    """ResourceQuota budget caps the pods, and the quota controller counts them."""
    quota = cluster.get("ResourceQuota", QUOTA)
    names = [q["metadata"]["name"] for q in cluster.items("ResourceQuota")]
    assert quota is not None, (
        f"No ResourceQuota named {QUOTA!r} in namespace {cluster.namespace!r} "
        f"(it has: {', '.join(names) or 'none'}): a namespace is also a budget."
    )
    hard = quota.get("spec", {}).get("hard", {})
    assert "pods" in hard, (
        f"ResourceQuota {QUOTA} sets {', '.join(hard) or 'nothing'} but not `pods`: "
        "cap how many pods the namespace may run."
    )
    limit = int(hard["pods"])
    assert 0 < limit <= params["max_quota_pods"], (
        f"ResourceQuota {QUOTA} allows {limit} pods: pick a real cap, between the "
        f"{params['scaled_replicas'] + 1} this lab needs at most and {params['max_quota_pods']}."
    )
    used = quota.get("status", {}).get("used", {})
    assert "pods" in used, (
        f"ResourceQuota {QUOTA} has no status yet: the quota controller has not counted the "
        "namespace (is the controller manager running?)."
    )
