"""Task self-heal: a pod of web deleted by hand, and its ReplicaSet putting a new one in its place.

The evidence is the namespace's event record: the kubelet reports `Killing` for every pod it
stops; a ReplicaSet reports `SuccessfulDelete` for every pod it removes itself (scaling down, a
rollout). A stopped pod of web that no longer exists and that no ReplicaSet removed was deleted
by someone else, and the Deployment having all its replicas again means it was replaced.
"""

import pytest
from kubelab import APP, deployment, owned_replicasets, rollout_summary, settled


@pytest.mark.task("self-heal")
def test_deleted_pod_was_replaced(cluster):
    """A pod of web stopped without its ReplicaSet asking, and all replicas are back."""
    deploy = deployment(cluster)
    replicasets = {rs["metadata"]["name"] for rs in owned_replicasets(cluster, deploy)}
    events = cluster.events()
    removed_by_controller = {
        event.get("message", "").split("Deleted pod: ", 1)[1].strip()
        for event in events
        if event.get("reason") == "SuccessfulDelete" and "Deleted pod: " in event.get("message", "")
    }
    existing = {pod["metadata"]["name"] for pod in cluster.items("Pod")}
    stopped = {
        event["involvedObject"]["name"]
        for event in events
        if event.get("reason") == "Killing"
        and event.get("involvedObject", {}).get("kind") == "Pod"
        and event["involvedObject"].get("name", "").rsplit("-", 1)[0] in replicasets
    }
    deleted = stopped - removed_by_controller - existing
    assert deleted, (
        f"No pod of {APP} was deleted by hand (the events show none stopped without its "
        f"ReplicaSet removing it): `kubectl delete pod` one of them, then watch "
        f"`kubectl get pods -l app={APP} -w`. Events are kept for an hour or more."
    )
    fresh = cluster.fresh("deployments.apps", APP) or deploy
    assert settled(fresh), (
        f"Deployment {APP} is not back to all its replicas yet: {rollout_summary(fresh)}."
    )
