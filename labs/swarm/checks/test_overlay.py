"""Task overlay: services api and client on overlay network appnet, client reaching api by name."""

import pytest
from conftest import parse_json


@pytest.mark.task("overlay")
def test_appnet_is_an_overlay_network_with_both_services(swarm):
    """Network appnet is a swarm-scoped overlay network, and api and client are attached to it."""
    ready_swarm = swarm.ready()
    result = ready_swarm.docker("network", "inspect", "appnet")
    found = parse_json(result.stdout) if result.rc == 0 else None
    network = found[0] if isinstance(found, list) and found else None
    assert isinstance(network, dict), (
        "There is no network appnet: `docker network create -d overlay appnet`."
    )
    assert network.get("Driver") == "overlay", (
        f"appnet is a {network.get('Driver')} network, not an overlay one: remove it and "
        "create it with -d overlay."
    )
    for name in ("api", "client"):
        service = ready_swarm.service(name)
        assert service is not None, f"There is no service {name}."
        attached = {
            n.get("Target")
            for n in ((service.get("Spec") or {}).get("TaskTemplate") or {}).get("Networks") or []
        }
        assert network.get("Id") in attached or "appnet" in attached, (
            f"Service {name} is not on appnet: `docker service update --network-add appnet {name}`."
        )


@pytest.mark.task("overlay")
def test_client_reaches_api_by_name(swarm):
    """Service client's recent output is pages served by api's own containers."""
    ready_swarm = swarm.ready()
    why = ready_swarm.stuck("client")
    assert ready_swarm.running("client"), "No task of client is running" + (
        f" ({why})." if why else "."
    )
    api = {task.container[:12] for task in ready_swarm.tasks("api") if task.container}
    assert api, "Service api has no container: is it running?"
    logs = ready_swarm.docker("service", "logs", "--raw", "--tail", "40", "client")
    answered = [line for line in logs.stdout.splitlines() if any(c in line for c in api)]
    assert answered, (
        "client's last lines show no answer from api's containers: client must fetch "
        "http://api/cgi-bin/whoami in a loop, and api must be reachable by name "
        "(here, without IPVS, both with --endpoint-mode dnsrr)."
    )
