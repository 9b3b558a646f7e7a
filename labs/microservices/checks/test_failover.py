"""Task failover: a catalog replica killed and left dead, the shop still answering."""

import pytest
from conftest import GATEWAY


@pytest.mark.task("failover")
def test_a_catalog_replica_was_killed(shop):
    """One catalog container was killed (SIGKILL: exit code 137) and stays down."""
    dead = [
        c
        for c in shop.containers("catalog")
        if not (c.get("State") or {}).get("Running")
        and (c.get("State") or {}).get("ExitCode") == 137
    ]
    assert dead, "No catalog replica was killed: `docker kill` one of them (and leave it dead)."
    assert shop.running("catalog"), "Every catalog replica is down: the shop cannot answer."


@pytest.mark.task("failover")
def test_the_shop_keeps_answering(shop):
    """Ten product lists in a row through the gateway all answer."""
    for attempt in range(10):
        status, body = shop.get(f"{GATEWAY}/api/products")
        error = body.get("error") if isinstance(body, dict) else str(body)[:160]
        assert status == 200, (
            f"Request {attempt + 1} of 10 answered {status or 'nothing'}: {error}."
        )
