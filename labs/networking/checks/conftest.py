"""Fixtures shared by the networking checks: the inner engine's view, and the outside world's.

The learner's Docker engine runs inside the target; what it knows is read with `docker inspect`
through the `examiner` (`checker.examiner`): the target's own client for `lab check`, the
grader's client on the engine's socket for `lab grade` (fixture `engine`). Tasks that promise
reachability "from outside" are checked from the process running the checks, which is outside
the target (fixture `outside`).
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest

_ADDRESS = re.compile(r"^[0-9A-Fa-f.:]+$")


def _parse_json(text: str) -> Any:
    """Parse JSON from the target, or return None: its output is never trusted."""
    try:
        return json.loads(text)
    except ValueError:
        return None


def _first_object(text: str) -> dict[str, Any] | None:
    """Return the first object of a `docker inspect` JSON list, or None."""
    found = _parse_json(text)
    if isinstance(found, list) and found and isinstance(found[0], dict):
        return found[0]
    return None


@dataclass(frozen=True)
class Container:
    """What `docker inspect` says of a container, with the few fields the checks read."""

    data: dict[str, Any]

    @property
    def pid(self) -> int:
        """The PID of its main process, as the target numbers it (0 when unknown)."""
        pid = (self.data.get("State") or {}).get("Pid")
        return pid if isinstance(pid, int) else 0

    @property
    def mode(self) -> str:
        """Its network mode: `default`, `bridge`, `host`, a network name..."""
        return str((self.data.get("HostConfig") or {}).get("NetworkMode", ""))

    @property
    def networks(self) -> dict[str, Any]:
        """The networks it is attached to, keyed by network name."""
        found = (self.data.get("NetworkSettings") or {}).get("Networks")
        return found if isinstance(found, dict) else {}

    def address(self, network: str) -> str:
        """Its IP address on a network, or "" when it has none there."""
        settings = self.networks.get(network)
        return str(settings.get("IPAddress") or "") if isinstance(settings, dict) else ""

    def host_ports(self, port: str) -> set[str]:
        """Return the machine's ports where a container port (like `80/tcp`) is published."""
        bindings = ((self.data.get("NetworkSettings") or {}).get("Ports") or {}).get(port)
        return {str(b.get("HostPort")) for b in bindings or [] if isinstance(b, dict)}


@dataclass(frozen=True)
class InnerEngine:
    """The learner's Docker engine, through the examiner."""

    examiner: Any

    def inspect(self, kind: str, name: str) -> dict[str, Any] | None:
        """Return `docker <kind> inspect NAME` (kind: container, network), or None.

        Fails the check when the engine itself does not answer: "no such container" would
        mislead the learner then.
        """
        __tracebackhide__ = True
        out = self.examiner.docker(kind, "inspect", name)
        if out.rc != 0 and "no such" not in out.stderr.lower():
            first = (out.stderr.strip().splitlines() or [f"exit status {out.rc}"])[0]
            raise AssertionError(
                f"The inner Docker engine does not answer: {first[:200]} (its log is "
                "`docker logs` of the lab's container, on your machine)."
            )
        return _first_object(out.stdout) if out.rc == 0 else None

    def running(self, name: str) -> Container:
        """Return the inspect data of a running container; fail the check when there is none."""
        __tracebackhide__ = True
        found = self.inspect("container", name)
        assert found is not None, f"The inner Docker engine has no container named `{name}`."
        state = found.get("State") or {}
        assert state.get("Running") is True, (
            f"Container `{name}` exists but is not running (status: {state.get('Status', '?')});"
            f" `docker logs {name}` shows why."
        )
        return Container(found)


@dataclass(frozen=True)
class Outside:
    """The world outside the target: where the checks themselves run."""

    address: str

    def get(self, port: int, timeout: float = 3.0) -> tuple[int, str]:
        """GET http://ADDRESS:PORT/; return (status, body), or (0, why nothing answered)."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/", timeout=timeout) as response:
                return response.status, response.read(4096).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except (OSError, ValueError) as exc:
            return 0, str(getattr(exc, "reason", exc))

    def answered(self, port: int, status: int, body: str) -> str:
        """Say what `get` found, for a failure message."""
        return (
            f"From outside, http://{self.address}:{port}/ answered "
            f"{status or 'nothing'} ({body[:120] if status == 0 else 'not 200'})"
        )


@pytest.fixture
def engine(examiner) -> InnerEngine:
    """The learner's Docker engine inside the target."""
    return InnerEngine(examiner)


@pytest.fixture(scope="session")
def outside(target) -> Outside:
    """Where the outside world reaches the target.

    A container is reached at its address on the host's Docker network, a machine by its name.
    """
    if target.scheme == "local":
        return Outside("127.0.0.1")
    if target.scheme != "docker":
        return Outside(target.name)
    out = subprocess.run(
        ["docker", "inspect", "--type", "container", target.name],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    found = _first_object(out.stdout) if out.returncode == 0 else None
    container = Container(found or {})
    addresses = [container.address(net) for net in container.networks]
    addresses = [address for address in addresses if _ADDRESS.match(address)]
    if not addresses:
        raise RuntimeError(f"container {target.name} has no address on the host's network")
    return Outside(addresses[0])
