"""Task rolling-update: web rolled out to version 2 under a policy, then rolled back."""

import pytest
from conftest import REGISTRY, container_spec, image_name


@pytest.mark.task("rolling-update")
def test_the_update_ran_under_a_policy(swarm):
    """The update to web:2 had parallelism 1 or 2, a delay, and rollback on failure."""
    ready_swarm = swarm.ready()
    service = ready_swarm.service("web")
    assert service is not None, "There is no service web (task deploy)."
    previous = service.get("PreviousSpec")
    assert previous, "Service web was never updated: roll out registry:5000/web:2."
    rolled_to = image_name(str(container_spec(previous).get("Image", "")))
    assert rolled_to == f"{REGISTRY}/web:2", (
        f"The last update of web rolled out {rolled_to or 'no image'}, not {REGISTRY}/web:2, "
        "or web was not rolled back from it."
    )
    # The policy an update runs under is the one in the spec it rolls out: after the rollback,
    # that spec is PreviousSpec.
    policy = previous.get("UpdateConfig") or {}
    assert policy.get("Parallelism") in (1, 2), (
        f"The update replaced {policy.get('Parallelism') or 'all'} tasks at once: "
        "--update-parallelism 1 keeps the others serving."
    )
    assert (policy.get("Delay") or 0) >= 1_000_000_000, (
        "The update waited no time between batches: --update-delay 2s (at least 1s)."
    )
    assert policy.get("FailureAction") == "rollback", (
        f"On failure the update would {policy.get('FailureAction') or 'pause'}: "
        "--update-failure-action rollback."
    )


@pytest.mark.task("rolling-update")
def test_web_was_rolled_back_to_version_1(swarm):
    """The rollback completed: web runs web:1 again on every task."""
    ready_swarm = swarm.ready()
    service = ready_swarm.service("web")
    assert service is not None, "There is no service web (task deploy)."
    status = service.get("UpdateStatus") or {}
    state = status.get("State", "")
    assert state != "rollback_started", "web's rollback is still running: wait, then check."
    assert state == "rollback_completed", (
        f"web's last update is {state or 'none'}, not a completed rollback: "
        "`docker service rollback web`."
    )
    image = image_name(str(container_spec(service.get("Spec") or {}).get("Image", "")))
    assert image == f"{REGISTRY}/web:1", f"After the rollback web runs {image}, not web:1."
    wrong = [t.node for t in ready_swarm.running("web") if image_name(t.image) != image]
    assert not wrong, f"web's task on {wrong[0]} still runs another version."
