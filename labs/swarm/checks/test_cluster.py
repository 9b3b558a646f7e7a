"""Task cluster: a swarm of three nodes, the manager leading and both workers joined."""

import pytest
from conftest import NODES


@pytest.mark.task("cluster")
def test_the_manager_runs_a_swarm(swarm):
    """The manager's engine is in an active swarm, as a manager."""
    state, manager = swarm.swarm_state()
    assert state != "unreachable", (
        "The manager's Docker engine does not answer: see /var/log/dockerd.log on the manager."
    )
    assert state == "active", f"The manager is in no swarm (state: {state}): `docker swarm init`."
    assert manager, "The manager's engine is in a swarm but not as a manager."


@pytest.mark.task("cluster")
def test_both_workers_joined_and_ready(swarm):
    """The swarm lists manager, worker1 and worker2, all Ready; the workers as workers."""
    ready_swarm = swarm.ready()
    nodes = ready_swarm.nodes()
    for name in NODES:
        node = nodes.get(name)
        if node is None:
            answer = ready_swarm.docker("info", "--format", "{{.Swarm.LocalNodeState}}", node=name)
            why = (
                f"its engine answers, in swarm state {answer.stdout.strip() or '?'}"
                if answer.rc == 0
                else f"its engine does not answer on tcp://{name}:2375 (is container "
                f"{ready_swarm.container_of(name)} running?)"
            )
            raise AssertionError(
                f"Node {name} has not joined the swarm ({why}): on {name}, `docker swarm "
                "join --token TOKEN manager:2377` with the token of `docker swarm join-token "
                "worker`."
            )
        state = (node.get("Status") or {}).get("State")
        assert state == "ready", (
            f"Node {name} is in the swarm but {state}: its engine stopped talking to the "
            f"manager (is container {ready_swarm.container_of(name)} running?)."
        )
    for name in ("worker1", "worker2"):
        role = (nodes[name].get("Spec") or {}).get("Role")
        assert role == "worker", f"Node {name} joined as a {role}, not as a worker."
    assert (nodes["manager"].get("ManagerStatus") or {}).get("Leader"), (
        "The manager is not the swarm's leader."
    )
