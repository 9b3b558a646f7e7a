"""The base image: with no registry answering, it is bootstrapped offline with progress."""

from __future__ import annotations

import pytest

from checker import environments

pytestmark = [pytest.mark.docker, pytest.mark.slow]

TAG = "kernel-to-cloud/base-offline-test:bookworm"
# A registry that cannot answer, whatever this machine can reach: nothing listens on port 1.
UNREACHABLE = "127.0.0.1:1/debian:bookworm-slim"


def test_with_no_registry_the_base_image_is_bootstrapped() -> None:
    environments.remove("k2c-base-offline-test")
    lines: list[str] = []
    try:
        assert environments.ensure_base_image(lines.append, TAG, UNREACHABLE) == TAG
        engine = environments.client()
        output = engine.containers.run(TAG, ["cat", "/etc/debian_version"], remove=True)
        assert output.decode().startswith("12.")
        # The registry does not answer: the pull was tried, then debootstrap ran.
        assert lines[0] == f"pulling {UNREACHABLE}"
        assert lines[1].startswith("no registry answers")
        assert any(line.startswith("Retrieving") for line in lines)
        assert lines[-1] == "importing the root filesystem into Docker"
        # Present now: a second call neither pulls nor bootstraps.
        again: list[str] = []
        environments.ensure_base_image(again.append, TAG, UNREACHABLE)
        assert again == []
    finally:
        environments.client().images.remove(TAG, force=True)
