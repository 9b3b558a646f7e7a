"""Task config: orders prices in euros because its environment says so, not its image."""

import pytest
from conftest import address, environ


@pytest.mark.task("config")
def test_orders_gets_currency_from_its_environment(shop):
    """The orders container has CURRENCY=EUR; its image has no CURRENCY; the process uses it."""
    running = shop.running("orders")
    assert running, "No container of orders runs in project shop (task compose)."
    image = shop.image("shop/orders:1")
    assert image is not None, "There is no image shop/orders:1."
    assert "CURRENCY" not in environ(image.get("Config") or {}), (
        "shop/orders:1 has CURRENCY baked in (ENV in its Dockerfile): remove it and build again; "
        "give it in docker-compose.yml instead."
    )
    for container in running:
        name = str(container.get("Name", "")).lstrip("/")
        value = environ(container.get("Config") or {}).get("CURRENCY")
        assert value == "EUR", (
            f"{name} has CURRENCY={value}" if value else f"{name} has no CURRENCY"
        ) + ": set it under orders' environment: in docker-compose.yml."
        status, body = shop.get(f"http://{address(container)}:8002/health")
        currency = body.get("currency") if isinstance(body, dict) else None
        assert status == 200, f"{name} answered {status or 'nothing'} on /health."
        assert currency == "EUR", f"{name} prices in {currency}: recreate it (`up -d`)."
