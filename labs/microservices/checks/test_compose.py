"""Task compose: catalog, orders and gateway running as compose project shop."""

import pytest
from conftest import GATEWAY, SERVICES


@pytest.mark.task("compose")
@pytest.mark.parametrize("service", list(SERVICES))
def test_the_service_runs_in_project_shop(shop, service):
    """A container of SERVICE runs in project shop, from image shop/SERVICE:1."""
    containers = shop.containers(service)
    assert containers, (
        f"Compose project shop has no {service} container: describe it in "
        "/root/shop/docker-compose.yml and `docker-compose up -d` there."
    )
    running = shop.running(service)
    assert running, (
        f"No container of {service} is running: `docker-compose logs {service}` says why."
    )
    image = shop.image(f"shop/{service}:1")
    assert image is not None, f"There is no image shop/{service}:1 (task images)."
    assert any(c.get("Image") == image.get("Id") for c in running), (
        f"{service} does not run the current shop/{service}:1: `docker-compose up -d` again."
    )


@pytest.mark.task("compose")
def test_the_gateway_is_published_on_port_8000(shop):
    """The gateway answers its health check on port 8000 of the environment."""
    status, _ = shop.get(f"{GATEWAY}/health")
    assert status == 200, (
        f"{GATEWAY}/health answered {status or 'nothing'}: publish gateway's port 8000 "
        '(ports: ["8000:8000"]).'
    )
