"""Task self-heal: a pod of web deleted by hand, and its ReplicaSet creating one in its place.

The learner notes the pod before deleting it, in a ConfigMap `deleted-pod` (its `pod` name and
`uid`). The evidence then reads only what the cluster itself recorded about that one pod:

- a pod with that uid no longer runs (gone, or being deleted);
- it belonged to a ReplicaSet of web (its owner, by name: ReplicaSets name their pods so);
- that ReplicaSet did not remove it itself (no `SuccessfulDelete` naming it: a scale-down or a
  rollout would say so), so someone deleted it;
- that ReplicaSet created a pod at or after the moment the note was made (a `SuccessfulCreate`
  event): the replacement;
- and the Deployment has all its replicas again.
"""

import pytest
from kubelab import APP, deployment, owned_replicasets, rollout_summary, settled

NOTE = "deleted-pod"
NOTE_HOW = (
    f"before `kubectl delete pod $pod`, note it: `kubectl create configmap {NOTE} "
    "--from-literal pod=$pod --from-literal uid=$(kubectl get pod $pod -o "
    "jsonpath='{.metadata.uid}')`"
)


def _events(cluster, reason, rs_name):
    """The messages and times of one ReplicaSet's events of a reason."""
    return [
        (event.get("message", ""), event.get("lastTimestamp") or event.get("eventTime") or "")
        for event in cluster.events()
        if event.get("reason") == reason
        and event.get("involvedObject", {}).get("kind") == "ReplicaSet"
        and event["involvedObject"].get("name") == rs_name
    ]


@pytest.mark.task("self-heal")
def test_deleted_pod_was_replaced(cluster):
    """The pod noted in ConfigMap deleted-pod is gone, and its ReplicaSet made another."""
    deploy = deployment(cluster)
    note = cluster.get("ConfigMap", NOTE)
    assert note is not None, f"No ConfigMap {NOTE!r} says which pod you deleted: {NOTE_HOW}."
    data = note.get("data") or {}
    name, uid = data.get("pod", "").strip(), data.get("uid", "").strip()
    missing = [key for key, value in (("pod", name), ("uid", uid)) if not value]
    assert not missing, f"ConfigMap {NOTE} lacks key {missing[0]}: {NOTE_HOW}."
    alive = [
        pod["metadata"]["name"]
        for pod in cluster.items("Pod")
        if pod["metadata"].get("uid") == uid and not pod["metadata"].get("deletionTimestamp")
    ]
    assert not alive, f"Pod {name} (uid {uid}) still runs: `kubectl delete pod {name}`."
    replicasets = {rs["metadata"]["name"] for rs in owned_replicasets(cluster, deploy)}
    owner = name.rsplit("-", 1)[0]
    assert owner in replicasets, (
        f"Pod {name} was not a pod of Deployment {APP} (its ReplicaSets: "
        f"{', '.join(sorted(replicasets)) or 'none'}): delete one of `kubectl get pods -l "
        f"app={APP}`."
    )
    removed = [text for text, _ in _events(cluster, "SuccessfulDelete", owner) if name in text]
    assert not removed, (
        f"ReplicaSet {owner} removed pod {name} itself ({removed[0]}): a scale-down or a "
        "rollout, not you, deleted it (it may have been Terminating already when you noted it). "
        "Note and delete a running pod of web that is not Terminating."
    )
    noted = note["metadata"]["creationTimestamp"]
    created = [
        text.removeprefix("Created pod: ")
        for text, when in _events(cluster, "SuccessfulCreate", owner)
        if when >= noted and name not in text
    ]
    assert created, (
        f"ReplicaSet {owner} created no pod since {noted}, when ConfigMap {NOTE} was made: "
        f"note the pod first, then delete it. Events are kept an hour: redo it if older."
    )
    fresh = cluster.fresh("deployments.apps", APP) or deploy
    assert settled(fresh), (
        f"Deployment {APP} is not back to all its replicas yet: {rollout_summary(fresh)}."
    )
