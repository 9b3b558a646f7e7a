"""Task drain: a node drained, its tasks shut down and api's replaced on the other nodes."""

import pytest


@pytest.mark.task("drain")
def test_a_worker_is_drained_and_runs_nothing(swarm):
    """A worker's availability is drain, and no task runs on it any more."""
    ready_swarm = swarm.ready()
    drained = [
        name
        for name, node in sorted(ready_swarm.nodes().items())
        if (node.get("Spec") or {}).get("Availability") == "drain"
    ]
    assert drained, "No node is drained: `docker node update --availability drain worker2`."
    node = drained[0]
    listed = ready_swarm.docker("node", "ps", "--format", "{{.Name}} {{.CurrentState}}", node)
    running = [line for line in listed.stdout.splitlines() if " Running" in line]
    assert not running, f"{node} is drained but still runs {running[0].split()[0]}."


@pytest.mark.task("drain")
def test_api_tasks_were_rescheduled_elsewhere(swarm):
    """Service api's tasks on the drained node were shut down; all 6 still run elsewhere."""
    ready_swarm = swarm.ready()
    drained = {
        name
        for name, node in ready_swarm.nodes().items()
        if (node.get("Spec") or {}).get("Availability") == "drain"
    }
    assert drained, "No node is drained."
    tasks = ready_swarm.tasks("api")
    assert tasks, "There is no service api (task scale)."
    moved = [t for t in tasks if t.node in drained and t.desired == "shutdown"]
    assert moved, (
        f"No task of api ran on {', '.join(sorted(drained))} before it was drained: scale api "
        "over every node first, then drain."
    )
    running = ready_swarm.running("api")
    assert len(running) == 6, f"Only {len(running)} of api's 6 tasks run after the drain."
