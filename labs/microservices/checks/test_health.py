"""Task health: every service has a health check, and the engine reports it healthy."""

import pytest
from conftest import SERVICES


@pytest.mark.task("health")
@pytest.mark.parametrize("service", list(SERVICES))
def test_the_engine_reports_the_service_healthy(shop, service):
    """Each running container of SERVICE has a health check, and its status is healthy."""
    running = shop.running(service)
    assert running, f"No container of {service} runs in project shop (task compose)."
    for container in running:
        name = str(container.get("Name", "")).lstrip("/")
        test = ((container.get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
        assert test, f"{name} has no health check: add a healthcheck to {service}."
        assert test[0] != "NONE", (
            f"{name} has no health check: add a healthcheck to {service} in "
            "docker-compose.yml and `docker-compose up -d`."
        )
        health = (container.get("State") or {}).get("Health") or {}
        status = health.get("Status", "none")
        last = (health.get("Log") or [{}])[-1].get("Output", "").strip()[:160]
        assert status == "healthy", (
            f"{name} is {status}" + (f" (last check said: {last})" if last else "") + "."
        )
