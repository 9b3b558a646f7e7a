"""The swarm as the checks see it: through the manager, and through each node's own address.

Every check reads live state: the manager's view of the cluster (`docker node ls`, `docker
service inspect`, `docker service ps`), each node's engine on tcp://NODE:2375 of the
environment's private network, the registry's HTTP API, and real HTTP requests to each node.
Nothing here changes that state.

The `examiner` (`checker.examiner`) runs every command: for `lab check` the manager's own
tools; for `lab grade` the grader's docker client and curl, from outside: each node's engine
through that node's own socket (every node is a container of the Docker host, with an examiner
of its own, `examiner.node`), HTTP in the manager's network namespace. Nodes are reached by the
addresses the Docker host gave their containers, not by names the environment's DNS could
answer otherwise.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

NODES = ("manager", "worker1", "worker2")
REGISTRY = "registry:5000"


def parse_json_lines(text: str) -> list[dict[str, Any]]:
    """Parse one JSON object per line (docker's `--format '{{json .}}'`); skip anything else."""
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def parse_json(text: str) -> Any:
    """Parse JSON from the target, or return None: its output is never trusted."""
    try:
        return json.loads(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Task:
    """One task of a service, as the manager knows it."""

    id: str
    node: str  # the node's hostname, "" while the task has none (pending)
    desired: str  # running, shutdown, ready...
    state: str  # running, pending, rejected, preparing...
    error: str
    container: str  # its container's id, "" before it has one
    image: str


@dataclass(frozen=True)
class Swarm:
    """The learner's cluster, read on the manager node."""

    examiner: Any
    name: str  # the environment's name: its manager's container
    addresses: dict[str, str]  # node name -> its address on the environment's network
    # node name -> its own examiner (outside only: each node's engine through its own socket)
    nodes_examined: dict[str, Any] = field(default_factory=dict)

    def address(self, node: str) -> str:
        """NODE's address on the private network (its name when the host does not say)."""
        return self.addresses.get(node, node)

    def docker(self, *args: str, node: str = "") -> Any:
        """Run `docker ARGS` on the manager's engine, or on NODE's engine.

        Outside, NODE's engine is reached through its own socket, from the examiner (nothing
        of the manager's network lies between); inside, over the network, on tcp://NODE:2375.
        """
        if not node or node == "manager":
            return self.examiner.docker(*args, limit=60)
        if node in self.nodes_examined:
            return self.nodes_examined[node].docker(*args, limit=60)
        quoted = " ".join(shlex.quote(arg) for arg in args)
        where = f"tcp://{self.address(node)}:2375"
        return self.examiner.net(f"timeout 60 docker -H {where} {quoted}")

    def container_of(self, node: str) -> str:
        """The container of NODE on the learner's machine, for hints."""
        return self.name if node == "manager" else f"{self.name}.{node}"

    def swarm_state(self) -> tuple[str, bool]:
        """The manager's swarm state (inactive, active...) and whether it is a manager."""
        result = self.docker("info", "--format", "{{json .Swarm}}")
        info = parse_json(result.stdout) if result.rc == 0 else None
        if not isinstance(info, dict):
            return "unreachable", False
        return str(info.get("LocalNodeState", "")), bool(info.get("ControlAvailable"))

    def nodes(self) -> dict[str, dict[str, Any]]:
        """The swarm's nodes by hostname: `docker node inspect` of each."""
        listed = self.docker("node", "ls", "-q")
        if listed.rc != 0 or not listed.stdout.split():
            return {}
        result = self.docker("node", "inspect", *listed.stdout.split())
        found = parse_json(result.stdout) if result.rc == 0 else None
        nodes = {}
        for node in found if isinstance(found, list) else []:
            if isinstance(node, dict):
                hostname = str((node.get("Description") or {}).get("Hostname", ""))
                nodes[hostname] = node
        return nodes

    def active_nodes(self) -> list[str]:
        """Hostnames of the nodes that are Ready and Active (those the scheduler may use)."""
        return [
            name
            for name, node in sorted(self.nodes().items())
            if (node.get("Status") or {}).get("State") == "ready"
            and (node.get("Spec") or {}).get("Availability") == "active"
        ]

    def service(self, name: str) -> dict[str, Any] | None:
        """`docker service inspect NAME`, or None when there is no such service."""
        result = self.docker("service", "inspect", name)
        found = parse_json(result.stdout) if result.rc == 0 else None
        if isinstance(found, list) and found and isinstance(found[0], dict):
            return found[0]
        return None

    def tasks(self, service: str) -> list[Task]:
        """Every task of SERVICE the manager remembers (history included)."""
        listed = self.docker("service", "ps", "-q", "--no-trunc", service)
        if listed.rc != 0 or not listed.stdout.split():
            return []
        result = self.docker("inspect", "--type", "task", *listed.stdout.split())
        # Not only on success: a task pruned since the listing fails the command, not the rest.
        found = parse_json(result.stdout)
        names = {node.get("ID"): name for name, node in self.nodes().items()}
        tasks = []
        for task in found if isinstance(found, list) else []:
            if not isinstance(task, dict):
                continue
            status = task.get("Status") or {}
            tasks.append(
                Task(
                    id=str(task.get("ID", "")),
                    node=str(names.get(task.get("NodeID"), "")),
                    desired=str(task.get("DesiredState", "")),
                    state=str(status.get("State", "")),
                    error=str(status.get("Err", "")),
                    container=str((status.get("ContainerStatus") or {}).get("ContainerID", "")),
                    image=str(
                        ((task.get("Spec") or {}).get("ContainerSpec") or {}).get("Image", "")
                    ),
                )
            )
        return tasks

    def running(self, service: str) -> list[Task]:
        """The tasks of SERVICE that run now and should."""
        return [t for t in self.tasks(service) if t.state == "running" and t.desired == "running"]

    def stuck(self, service: str) -> str:
        """Say why tasks of SERVICE that should run do not (node, state, error), or ''.

        A task that failed to start (an image it cannot pull, a port taken) is replaced by a
        new one, which may show no error yet: the last failure's error is named too.
        """
        tasks = self.tasks(service)
        problems = []
        for task in tasks:
            if task.desired == "running" and task.state != "running":
                where = f"on {task.node}" if task.node else "not placed on any node"
                problems.append(
                    f"a task {where} is {task.state}" + (f": {task.error}" if task.error else "")
                )
        failed = [t for t in tasks if t.state in ("rejected", "failed") and t.error]
        if failed and not any(failed[0].error in problem for problem in problems):
            problems.append(
                f"a task on {failed[0].node or '?'} was {failed[0].state}: {failed[0].error}"
            )
        return "; ".join(problems[:3])

    def get(self, node: str, port: int, path: str = "/", head: str = "") -> tuple[int, str]:
        """GET http://NODE:PORT/PATH from the manager: (status, body); 0 when none answered.

        HEAD: a request header to send (`Accept: ...`).
        """
        url = f"http://{self.address(node)}:{port}{path}"
        header = f"-H {shlex.quote(head)} " if head else ""
        result = self.examiner.net(
            f"curl -s -m 4 {header}-w '\\n%{{http_code}}' {shlex.quote(url)}"
        )
        body, _, status = result.stdout.rpartition("\n")
        return (int(status) if status.strip().isdigit() else 0), body

    def headers(self, node: str, port: int, path: str, head: str) -> str:
        """The response headers of GET http://NODE:PORT/PATH with one request header."""
        url = f"http://{self.address(node)}:{port}{path}"
        return self.examiner.net(
            f"curl -s -m 4 -o /dev/null -D - -H {shlex.quote(head)} {shlex.quote(url)}"
        ).stdout

    def ready(self) -> Swarm:
        """Return this swarm; fail the check at once when the manager runs none.

        Called in the check itself, not in a fixture: a failed fixture reads as a broken
        check, while a swarm not formed yet is the learner's to form.
        """
        __tracebackhide__ = True
        state, manager = self.swarm_state()
        assert state == "active", (
            f"The manager's engine is in no swarm (swarm state: {state}): "
            "`docker swarm init` on the manager first (task cluster)."
        )
        assert manager, "The manager's engine is in a swarm, but not as a manager."
        return self

    def publish_mode(self) -> str:
        """What this cluster can publish with: `ingress` with IPVS, `host` without."""
        ipvs = self.examiner.net("test -e /proc/net/ip_vs").rc == 0
        return "ingress" if ipvs else "host"


@pytest.fixture(scope="session")
def swarm(examiner: Any, target: Any) -> Swarm:
    """The learner's swarm, once the manager's engine answers (it starts with the node)."""
    for _ in range(100):
        if examiner.exists("/run/k2c/ready") and examiner.docker("version").rc == 0:
            break
        time.sleep(0.2)
    return Swarm(examiner, target.name, node_addresses(target), node_examiners(examiner, target))


def node_examiners(examiner: Any, target: Any) -> dict[str, Any]:
    """Each worker node's own examiner, outside (none inside, or for a node that is not up)."""
    if not examiner.outside:
        return {}
    from checker.examiner.container import ExaminerUnavailable

    found = {}
    for node in NODES[1:]:
        try:
            found[node] = examiner.node(f"{target.name}.{node}")
        except ExaminerUnavailable:  # no such node container: reached over the network, fails
            continue
    return found


def node_addresses(target: Any) -> dict[str, str]:
    """Each node's address, as the Docker host gave it to the node's container.

    Read from the host's engine, out of the learner's reach; empty when the target is not a
    container of this host (the checks then reach nodes by name).
    """
    if target.scheme != "docker":
        return {}
    from checker import environments

    found = {}
    for node in (*NODES, "registry"):
        name = target.name if node == "manager" else f"{target.name}.{node}"
        try:
            attributes = environments.client().api.inspect_container(name)
        except Exception:  # no such node container (or no engine): reached by name, and fails
            continue
        networks = (attributes.get("NetworkSettings") or {}).get("Networks") or {}
        own = networks.get(f"{target.name}.net") or {}
        if own.get("IPAddress"):
            found[node] = str(own["IPAddress"])
    return found


def spec_of(service: dict[str, Any]) -> dict[str, Any]:
    """The service's current spec."""
    return service.get("Spec") or {}


def container_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The container part of a service spec."""
    return (spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}


def image_name(reference: str) -> str:
    """`registry:5000/web:1@sha256:...` -> `registry:5000/web:1`."""
    return reference.split("@", 1)[0]
