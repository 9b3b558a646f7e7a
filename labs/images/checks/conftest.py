"""Shared helpers for the images checks: the inner Docker engine, through the examiner.

Every check reads live state from the learner's own engine (image configs, layer digests,
containers, HTTP answers) or from the registry's HTTP API. Nothing here changes that state,
except throwaway `docker run --rm` containers that leave nothing behind. The `examiner`
(`checker.examiner`) runs the commands: the target's own tools for `lab check`, the grader's
docker client and curl from outside for `lab grade`.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

BASE_IMAGE = "k2c/busybox:latest"


@pytest.fixture(scope="session")
def params() -> dict[str, Any]:
    """The `params:` mapping of this lab's manifest (lab.yaml next to checks/)."""
    manifest = yaml.safe_load((Path(__file__).parent.parent / "lab.yaml").read_text())
    return dict(manifest.get("params") or {})


@dataclass(frozen=True)
class Engine:
    """The Docker engine inside the target, driven through its `docker` client."""

    examiner: Any
    ready: bool
    base = BASE_IMAGE

    def run(self, *args: str, limit: float | None = None) -> Any:
        """Run `docker ARGS...` in the target, stopped after LIMIT s if given; the result."""
        # Asserted here, in the check, not in the fixture: a failed fixture reads as a broken
        # check, while an engine that is down is the learner's to restart.
        assert self.ready, (
            "The Docker engine inside the lab environment does not answer: see "
            "/var/log/dockerd.log there, and start it again with "
            "`setsid -f dockerd --storage-driver=vfs </dev/null >>/var/log/dockerd.log 2>&1`."
        )
        return self.examiner.docker(*args, limit=limit)

    def inspect(self, kind: str, name: str) -> dict[str, Any] | None:
        """Return `docker KIND inspect NAME` as a dict, or None when it does not exist."""
        result = self.run(kind, "inspect", "--format", "{{json .}}", name)
        if result.rc != 0:
            return None
        return _json_object(result.stdout)

    def image(self, name: str) -> dict[str, Any] | None:
        """The image's inspect data, or None."""
        return self.inspect("image", name)

    def container(self, name: str) -> dict[str, Any] | None:
        """The container's inspect data, or None."""
        return self.inspect("container", name)

    def image_config(self, name: str) -> dict[str, Any] | None:
        """The image's config blob as `docker save` writes it (history, rootfs.diff_ids)."""
        image = self.image(name)
        if image is None:
            return None
        blob = str(image.get("Id", "")).removeprefix("sha256:") + ".json"
        # `docker save` streams the image as a tar; its config is the file named after the ID.
        result = self.examiner.docker_pipe(["save", name], f"tar -xOf - {shlex.quote(blob)}")
        return _json_object(result.stdout) if result.rc == 0 else None

    def http_get(self, url: str) -> tuple[int, str]:
        """GET the URL from the target: (status, body); status 0 when nothing answered."""
        result = self.examiner.net(f"curl -s -m 3 -w '\\n%{{http_code}}' {shlex.quote(url)}")
        body, _, status = result.stdout.rpartition("\n")
        return (int(status) if status.strip().isdigit() else 0), body

    def serving(self, name: str, image_name: str) -> tuple[str, str]:
        """Check that container NAME runs IMAGE_NAME; return (url, problem), problem "" if fine."""
        container = self.container(name)
        if container is None:
            return "", f"No container named {name!r} exists: run one from {image_name}."
        if not (container.get("State") or {}).get("Running"):
            return "", f"Container {name!r} exists but is not running (docker logs {name})."
        image = self.image(image_name)
        if image is None or container.get("Image") != image.get("Id"):
            return "", (
                f"Container {name!r} does not run the current {image_name} image: "
                f"remove it and run it again from {image_name}."
            )
        address = _container_ip(container)
        if not address:
            return "", f"Container {name!r} has no IP address on a Docker network."
        return f"http://{address}:{_exposed_port(image)}/", ""


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _container_ip(container: dict[str, Any]) -> str:
    """The first IP address the container has on a Docker network, or ""."""
    networks = (container.get("NetworkSettings") or {}).get("Networks") or {}
    for network in networks.values():
        if isinstance(network, dict) and network.get("IPAddress"):
            return str(network["IPAddress"])
    return ""


def _exposed_port(image: dict[str, Any]) -> int:
    """The first TCP port the image EXPOSEs, 80 when it exposes none."""
    for spec in (image.get("Config") or {}).get("ExposedPorts") or {}:
        port, _, proto = str(spec).partition("/")
        if port.isdigit() and proto in ("", "tcp"):
            return int(port)
    return 80


@pytest.fixture(scope="session")
def engine(examiner: Any) -> Engine:
    """The target's Docker engine, once it answers (it starts with the target)."""
    return Engine(examiner, ready=_wait_ready(examiner, 10.0))


def _wait_ready(examiner: Any, seconds: float) -> bool:
    """Wait until the engine answers and has its base image (the target's k2c-start says so)."""
    for _ in range(int(seconds / 0.2)):
        if examiner.exists("/run/k2c/ready") and examiner.docker("version").rc == 0:
            return True
        time.sleep(0.2)
    return False
