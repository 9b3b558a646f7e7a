"""Task images: one image per service, each FROM k2c/python with its own app.py."""

import pytest
from conftest import SERVICES


@pytest.mark.task("images")
@pytest.mark.parametrize("service", list(SERVICES))
def test_the_service_has_its_image(shop, service):
    """shop/SERVICE:1 exists, is built on k2c/python and runs its app.py."""
    image = shop.image(f"shop/{service}:1")
    assert image is not None, (
        f"There is no image shop/{service}:1: `docker build -t shop/{service}:1 {service}` "
        "in /root/shop."
    )
    base = shop.image("k2c/python")
    assert base is not None, "The engine lost k2c/python: `lab reset microservices`."
    layers = (image.get("RootFS") or {}).get("Layers") or []
    assert layers[:1] == ((base.get("RootFS") or {}).get("Layers") or [])[:1], (
        f"shop/{service}:1 is not built FROM k2c/python."
    )
    # A container's file system is a full copy of the image's on the engine's vfs driver: slow
    # on a busy disk, hence the longer limit.
    listed = shop.docker(
        "run", "--rm", "--entrypoint", "cat", f"shop/{service}:1", "app.py", limit=300
    )
    mine = shop.examiner.read(f"/root/shop/{service}/app.py")
    assert listed.rc == 0, f"shop/{service}:1 has no /app/app.py."
    assert listed.stdout == mine, (
        f"shop/{service}:1 holds another app.py than /root/shop/{service}/app.py: build it again."
    )
