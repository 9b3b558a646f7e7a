"""Task rollout: a rolling update to the new image, then a rollback, both in the history."""

import pytest
from kubelab import (
    APP,
    ASKED,
    container,
    current_replicaset,
    deployment,
    owned_replicasets,
    revision,
    rollout_summary,
    running_pods,
    settled,
)


def _image(obj):
    return container(obj).get("image", "")


@pytest.mark.task("rollout")
def test_new_version_was_rolled_out(cluster, params):
    """The Deployment's history holds a revision that ran the new image."""
    deploy = deployment(cluster)
    history = owned_replicasets(cluster, deploy)
    images = sorted({_image(rs) for rs in history})
    assert any(_image(rs) == params["new_image"] for rs in history), (
        f"No revision of {APP} ever ran {params['new_image']} (its history has: "
        f"{', '.join(images) or 'nothing'}): `kubectl set image deployment/{APP} "
        f"web={params['new_image']}`."
    )


@pytest.mark.task("rollout")
def test_rolled_back_to_the_first_version(cluster, params):
    """After the new version, the current revision runs the first image again, fully rolled."""
    deploy = deployment(cluster)
    history = owned_replicasets(cluster, deploy)
    new = [revision(rs) for rs in history if _image(rs) == params["new_image"]]
    assert new, f"No revision of {APP} ran {params['new_image']} to roll back from."
    current = current_replicaset(cluster, deploy)
    assert current is not None, f"Deployment {APP} has no current ReplicaSet yet."
    assert _image(current) == params["app_image"], (
        f"Deployment {APP} runs {_image(current)}: roll back "
        f"(kubectl rollout undo deployment/{APP})."
    )
    assert revision(current) > max(new), (
        f"{APP}'s current revision ({revision(current)}) is older than the one that ran "
        f"{params['new_image']} ({max(new)}): roll out the new image first, then undo."
    )
    assert settled(deploy), f"The rollback is not finished: {rollout_summary(deploy)}."
    pods = running_pods(cluster, deploy)
    for pod in pods[:ASKED]:
        name = pod["metadata"]["name"]
        page = cluster.exec(name, "timeout 3 wget -q -O- http://127.0.0.1:8080/").stdout
        assert page.startswith("web version 1 "), f"Pod {name} answers {page!r}, not version 1."
