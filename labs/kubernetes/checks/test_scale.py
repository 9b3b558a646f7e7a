"""Task scale: the Deployment scaled out, every replica available."""

import pytest
from kubelab import APP, deployment, rollout_summary


@pytest.mark.task("scale")
def test_scaled_out(cluster, params):
    """Deployment web asks for the scaled number of replicas and has them all available."""
    deploy = deployment(cluster)
    wanted = deploy["spec"].get("replicas", 1)
    target = params["scaled_replicas"]
    assert wanted >= target, (
        f"Deployment {APP} asks for {wanted} replicas: scale it to {target} "
        f"(kubectl scale deployment/{APP} --replicas {target})."
    )
    fresh = cluster.fresh("deployments.apps", APP) or deploy
    available = fresh.get("status", {}).get("availableReplicas", 0)
    assert available >= target, (
        f"Deployment {APP} has {rollout_summary(fresh)}: the namespace's quota, or the "
        "nodes' room, may stop the new pods (kubectl describe replicaset)."
    )
