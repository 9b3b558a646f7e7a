"""Task publish: port 80 of container `web` is published on port 8080, reachable from outside."""

import pytest

PORT = 8080


@pytest.mark.task("publish")
def test_web_publishes_port_80_on_8080(engine):
    """Container `web` maps its port 80/tcp to port 8080 of the machine."""
    host_ports = engine.running("web").host_ports("80/tcp")
    assert str(PORT) in host_ports, (
        f"Container `web` publishes port 80 on {', '.join(sorted(host_ports)) or 'no port'}; "
        f"expected {PORT} (`docker run -p {PORT}:80 ...`)."
    )


@pytest.mark.task("publish")
def test_port_8080_answers_from_outside(outside):
    """An HTTP GET from outside the environment to its port 8080 gets a page."""
    status, body = outside.get(PORT)
    assert status == 200, f"{outside.answered(PORT, status, body)}."
