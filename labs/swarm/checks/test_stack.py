"""Task stack: stack shop deployed from /root/stack/compose.yaml, front answering on 8090."""

import pytest

PORT = 8090


@pytest.mark.task("stack")
def test_stack_shop_runs_front_and_back(swarm):
    """Stack shop has services front and back, every task of both running."""
    ready_swarm = swarm.ready()
    listed = ready_swarm.docker("stack", "services", "--format", "{{.Name}}", "shop")
    services = set(listed.stdout.split())
    missing = sorted({"shop_front", "shop_back"} - services)
    assert not missing, (
        f"Stack shop has no {missing[0].removeprefix('shop_')} service: `docker stack deploy "
        "-c /root/stack/compose.yaml shop`."
    )
    for name in ("shop_front", "shop_back"):
        service = ready_swarm.service(name) or {}
        wanted = (((service.get("Spec") or {}).get("Mode") or {}).get("Replicated") or {}).get(
            "Replicas", 0
        )
        running = ready_swarm.running(name)
        assert wanted, f"{name} wants no replica."
        assert len(running) >= wanted, (
            f"{len(running)} of {name}'s {wanted} tasks run"
            + (f" ({why})" if (why := ready_swarm.stuck(name)) else "")
            + "."
        )


@pytest.mark.task("stack")
def test_front_answers_on_its_published_port(swarm):
    """Port 8090 answers web's page on a node that runs front."""
    ready_swarm = swarm.ready()
    nodes = sorted({task.node for task in ready_swarm.running("shop_front")})
    assert nodes, "No task of shop_front is running."
    status, body = ready_swarm.get(nodes[0], PORT)
    assert status == 200, (
        f"http://{nodes[0]}:{PORT}/ answered {status or 'nothing'}: front must publish port 80 "
        f"on {PORT}."
    )
    assert "Hello from the swarm" in body, f"http://{nodes[0]}:{PORT}/ is not web's page."
