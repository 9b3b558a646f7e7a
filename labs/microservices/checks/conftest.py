"""The shop as the checks see it: the inner engine's state and real HTTP requests.

Every check reads live state from the learner's own engine (images, containers of compose
project shop, their health) and calls the services over HTTP from inside the environment.
Nothing here changes that state. The `examiner` (`checker.examiner`) runs every command: the
environment's own tools for `lab check`, the grader's docker client and curl from outside (on the
inner engine's socket, in the environment's network namespace) for `lab grade`.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass
from typing import Any

import pytest

PROJECT = "shop"
SERVICES = {"catalog": 8001, "orders": 8002, "gateway": 8000}
GATEWAY = "http://localhost:8000"


def parse_json(text: str) -> Any:
    """Parse JSON from the target, or return None: its output is never trusted."""
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Shop:
    """The learner's engine and the compose project shop on it."""

    examiner: Any

    def docker(self, *args: str, limit: float = 60) -> Any:
        """Run `docker ARGS` on the learner's engine, stopped after LIMIT s; testinfra's result."""
        return self.examiner.docker(*args, limit=limit)

    def inspect(self, kind: str, *names: str) -> list[dict[str, Any]]:
        """`docker KIND inspect NAMES...`, the objects that exist."""
        if not names:
            return []
        result = self.docker(kind, "inspect", *names)
        found = parse_json(result.stdout)
        return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []

    def image(self, name: str) -> dict[str, Any] | None:
        """The image's inspect data, or None."""
        found = self.inspect("image", name)
        return found[0] if found else None

    def containers(self, service: str) -> list[dict[str, Any]]:
        """Every container of SERVICE in project shop, running or not."""
        listed = self.docker(
            "ps",
            "-aq",
            "--filter",
            f"label=com.docker.compose.project={PROJECT}",
            "--filter",
            f"label=com.docker.compose.service={service}",
        )
        return self.inspect("container", *listed.stdout.split()) if listed.rc == 0 else []

    def running(self, service: str) -> list[dict[str, Any]]:
        """The running containers of SERVICE in project shop."""
        return [c for c in self.containers(service) if (c.get("State") or {}).get("Running")]

    def get(self, url: str) -> tuple[int, Any]:
        """GET URL from inside the environment: (status, parsed JSON or text)."""
        result = self.examiner.net(f"curl -s -m 5 -w '\\n%{{http_code}}' {shlex.quote(url)}")
        body, _, status = result.stdout.rpartition("\n")
        parsed = parse_json(body)
        return (int(status) if status.strip().isdigit() else 0), (
            parsed if parsed is not None else body
        )

    def stack_up(self) -> None:
        """Fail the check unless all three services run in project shop."""
        __tracebackhide__ = True
        for service in SERVICES:
            assert self.running(service), (
                f"No container of {service} runs in compose project {PROJECT}: "
                "`docker-compose up -d` in /root/shop (task compose)."
            )


def address(container: dict[str, Any]) -> str:
    """The container's first IP address on a Docker network, or ''."""
    for network in ((container.get("NetworkSettings") or {}).get("Networks") or {}).values():
        if isinstance(network, dict) and network.get("IPAddress"):
            return str(network["IPAddress"])
    return ""


def environ(config: dict[str, Any]) -> dict[str, str]:
    """A container's or image's Config.Env as a dict."""
    pairs = (str(entry).partition("=") for entry in (config.get("Env") or []))
    return {key: value for key, _, value in pairs}


@pytest.fixture(scope="session")
def shop(examiner: Any) -> Shop:
    """The learner's engine, once it answers (it starts with the environment)."""
    for _ in range(100):
        if examiner.exists("/run/k2c/ready") and examiner.docker("version").rc == 0:
            break
        time.sleep(0.2)
    return Shop(examiner)
