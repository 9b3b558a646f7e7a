"""Task deploy: service web, three replicas from the lab registry, port 8080 on every node."""

import pytest
from conftest import REGISTRY, container_spec, image_name, spec_of

PORT = 8080


@pytest.mark.task("deploy")
def test_web_is_a_replicated_service_from_the_registry(swarm):
    """Service web runs 3 replicas of registry:5000/web and publishes port 80 on 8080."""
    ready_swarm = swarm.ready()
    service = ready_swarm.service("web")
    assert service is not None, (
        f"There is no service web: `docker service create --name web ... {REGISTRY}/web:1`."
    )
    spec = spec_of(service)
    replicas = ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas")
    assert replicas == 3, f"Service web wants {replicas} replicas (not replicated, or not 3)."
    image = image_name(str(container_spec(spec).get("Image", "")))
    assert image.startswith(f"{REGISTRY}/web:"), (
        f"Service web runs {image or 'no image'}, not an image of {REGISTRY}/web."
    )
    ports = (spec.get("EndpointSpec") or {}).get("Ports") or []
    published = [p for p in ports if p.get("TargetPort") == 80 and p.get("PublishedPort") == PORT]
    assert published, f"Service web does not publish its port 80 on {PORT}."
    mode, usable = published[0].get("PublishMode", "ingress"), ready_swarm.publish_mode()
    assert mode == usable or usable == "ingress", (
        f"Service web publishes in {mode} mode, which needs IPVS, and this kernel has none: "
        "publish with mode=host (`publish-mode` says what works here)."
    )


@pytest.mark.task("deploy")
def test_web_answers_on_every_active_node(swarm):
    """Port 8080 of every active node answers web's page; a node that does not is named."""
    ready_swarm = swarm.ready()
    assert ready_swarm.service("web") is not None, "There is no service web."
    nodes = ready_swarm.active_nodes()
    assert nodes, "The swarm has no active node."
    for node in nodes:
        status, body = ready_swarm.get(node, PORT)
        if status == 200 and "Hello from the swarm" in body:
            continue
        running = {task.node for task in ready_swarm.running("web")}
        why = ready_swarm.stuck("web")
        if node not in running:
            raise AssertionError(
                f"No task of web runs on {node}, so http://{node}:{PORT}/ answers "
                f"{status or 'nothing'}" + (f" ({why})" if why else "") + "."
            )
        raise AssertionError(
            f"http://{node}:{PORT}/ answered {status or 'nothing'}, not web's page."
        )
