"""Task layers: a build that cleans up in the same step, so no layer keeps the archive."""

import hashlib

import pytest

# The checksum the build records: 5,000,000 zero bytes, as /root/layers/Dockerfile makes them.
EXPECTED = hashlib.sha256(bytes(5_000_000)).hexdigest()
MAX_EXTRA_BYTES = 1_000_000


@pytest.mark.task("layers")
def test_trimmed_image_adds_no_fat_layer(engine):
    """trimmed:1 adds less than 1 MB to its base: the archive is in none of its layers."""
    image = engine.image("trimmed:1")
    assert image is not None, "No image trimmed:1 in the lab's engine (docker image ls)."
    base = engine.image(engine.base) or {}
    extra = int(image.get("Size") or 0) - int(base.get("Size") or 0)
    assert extra < MAX_EXTRA_BYTES, (
        f"trimmed:1 adds {extra / 1e6:.1f} MB to {engine.base}: some layer still holds the "
        "archive. `docker history trimmed:1` shows which step made it."
    )


@pytest.mark.task("layers")
def test_trimmed_image_keeps_the_checksum(engine):
    """trimmed:1 still holds /srv/checksum.txt, the one result of using the archive."""
    # A container is a full copy of its image on the vfs driver: slow on a busy disk.
    result = engine.run(
        "run", "--rm", "--network", "none", "trimmed:1", "cat", "/srv/checksum.txt", limit=300
    )
    assert result.rc == 0, "trimmed:1 has no readable /srv/checksum.txt (or does not exist)."
    assert EXPECTED in result.stdout, (
        "/srv/checksum.txt in trimmed:1 is not the checksum of the 5 MB archive: "
        "keep the download and the sha256sum, just in the same step as the clean-up."
    )
