"""Task cross: a checkout through the gateway crosses gateway, orders and catalog."""

import pytest
from conftest import GATEWAY


@pytest.mark.task("cross")
def test_a_checkout_crosses_every_service(shop):
    """GET /api/checkout?item=2&qty=3 prices the order, and its trace names all three services."""
    shop.stack_up()
    status, body = shop.get(f"{GATEWAY}/api/checkout?item=2&qty=3")
    error = body.get("error") if isinstance(body, dict) else str(body)[:160]
    assert status == 200, f"The checkout answered {status or 'nothing'}: {error}."
    assert isinstance(body, dict), "The checkout's answer is not JSON."
    trace = [str(hop).split("@")[0] for hop in body.get("trace") or []]
    assert trace == ["gateway", "orders", "catalog"], f"The checkout's trace is {trace}."
    assert body.get("total") == 6.0, f"3 cgroup stickers cost 6.0, not {body.get('total')}."
