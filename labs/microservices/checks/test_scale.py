"""Task scale: three catalog replicas, the gateway taking them in turn."""

import pytest
from conftest import GATEWAY


@pytest.mark.task("scale")
def test_catalog_has_three_replicas(shop):
    """Project shop has (at least) three catalog containers."""
    containers = shop.containers("catalog")
    assert len(containers) >= 3, (
        f"catalog has {len(containers)} container(s): `docker-compose up -d --scale catalog=3`."
    )


@pytest.mark.task("scale")
def test_the_gateway_spreads_requests_over_every_running_replica(shop):
    """Product lists fetched through the gateway come from every running catalog replica."""
    running = {str(c.get("Config", {}).get("Hostname", "")) for c in shop.running("catalog")}
    assert len(running) >= 2, f"{len(running)} catalog replica(s) run: scale it to 3."
    seen = set()
    for _ in range(3 * len(running)):
        status, body = shop.get(f"{GATEWAY}/api/products")
        error = body.get("error") if isinstance(body, dict) else str(body)[:160]
        assert status == 200, f"{GATEWAY}/api/products answered {status or 'nothing'}: {error}."
        seen.add(body.get("served_by") if isinstance(body, dict) else None)
    idle = sorted(running - seen)
    assert not idle, f"No request reached catalog replica {idle[0]}: is the gateway wired to it?"
