"""Task scale: api scaled to six replicas, spread by the scheduler over the active nodes."""

import pytest


@pytest.mark.task("scale")
def test_api_runs_six_replicas_on_every_active_node(swarm):
    """Service api wants 6 replicas, runs 6, and every active node runs some."""
    ready_swarm = swarm.ready()
    service = ready_swarm.service("api")
    assert service is not None, "There is no service api (task overlay)."
    replicas = (((service.get("Spec") or {}).get("Mode") or {}).get("Replicated") or {}).get(
        "Replicas"
    )
    assert replicas == 6, f"api wants {replicas} replicas: `docker service scale api=6`."
    running = ready_swarm.running("api")
    assert len(running) == 6, (
        f"{len(running)} of api's 6 tasks run"
        + (f" ({why})" if (why := ready_swarm.stuck("api")) else "")
        + "."
    )
    idle = sorted(set(ready_swarm.active_nodes()) - {task.node for task in running})
    assert not idle, f"No task of api runs on {', '.join(idle)}, an active node."
