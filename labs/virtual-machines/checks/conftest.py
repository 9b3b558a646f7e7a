"""Shared fixtures for the virtual-machines checks: the VM, the system container, the params.

The checks run in the lab container (the VM's host and the containers' host). They read the
guest's state from inside the guest, over ssh through QEMU's port forward, and the containers'
state through LXC's own tools and /proc.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

SSH_KEY = "/root/.ssh/id_ed25519"
SSH_OPTIONS = (
    "-n -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no "
    "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
)
FORWARD = re.compile(r"hostfwd=tcp:[0-9.]*:(\d+)")
# One round trip reads everything a check compares, as KEY=VALUE lines.
FACTS = (
    'echo "release=$(uname -r)"; echo "hostname=$(uname -n)"; '
    'echo "boot_id=$(cat /proc/sys/kernel/random/boot_id)"; echo "cmdline=$(cat /proc/cmdline)"; '
    "echo \"cpus=$(grep -c '^processor' /proc/cpuinfo)\"; "
    "echo \"mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)\""
)


@pytest.fixture(scope="session")
def params() -> dict[str, Any]:
    """The `params:` mapping of this lab's manifest (lab.yaml next to checks/)."""
    manifest = yaml.safe_load((Path(__file__).parent.parent / "lab.yaml").read_text())
    return dict(manifest.get("params") or {})


def parse_facts(text: str) -> dict[str, str]:
    r"""Parse KEY=VALUE lines.

    >>> parse_facts("release=6.1.0\\ncmdline=console=ttyS0 quiet")
    {'release': '6.1.0', 'cmdline': 'console=ttyS0 quiet'}
    """
    facts = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isidentifier():
            facts[key] = value.strip()
    return facts


@dataclass(frozen=True)
class Qemu:
    """A QEMU process of the lab container, and the arguments it was started with."""

    pid: int
    argv: tuple[str, ...]

    def option(self, name: str) -> str | None:
        """Return the value after the last `-name` (QEMU also takes `--name`)."""
        value = None
        for flag, nxt in zip(self.argv, self.argv[1:], strict=False):
            if flag in (f"-{name}", f"--{name}"):
                value = nxt
        return value

    def forwards(self, port: int) -> bool:
        """True when one of its network options forwards host `port` to the guest's ssh."""
        pattern = re.compile(rf"hostfwd=tcp:[0-9.]*:{port}-[0-9.]*:22(,|$)")
        return any(pattern.search(arg) for arg in self.argv)


def qemu_processes(host: Any) -> list[Qemu]:
    """Every qemu-system-* process of the lab container, with its argv."""
    out = host.run(
        "for d in /proc/[0-9]*; do "
        'case "$(cat $d/comm 2>/dev/null)" in qemu-system-*) '
        "printf '%s ' \"${d#/proc/}\"; tr '\\0' '\\037' < $d/cmdline; echo ;; esac; done"
    ).stdout
    found = []
    for line in out.splitlines():
        pid, _, args = line.partition(" ")
        if pid.isdigit():
            found.append(Qemu(int(pid), tuple(a for a in args.split("\x1f") if a)))
    return found


@dataclass(frozen=True)
class Guest:
    """The VM whose ssh is forwarded from the port the lab names, as found from its host."""

    host: Any
    port: int
    qemu: Qemu | None
    facts: dict[str, str]
    error: str
    others: tuple[Qemu, ...]

    @property
    def reachable(self) -> bool:
        """True when ssh ran a command in the guest."""
        return bool(self.facts)

    def run(self, command: str, timeout: float = 60) -> Any:
        """Run `command` in the guest over ssh through the host's port forward."""
        return guest_run(self.host, self.port, command, timeout)

    def absence(self) -> str:
        """Say what was found instead of a reachable VM."""
        others = self.others
        if self.qemu is None:
            if not others:
                return "no QEMU process runs in the lab container"
            ports = sorted({p for q in others for p in re.findall(FORWARD, " ".join(q.argv))})
            return (
                f"{len(others)} QEMU process(es) run, but none forwards host port {self.port} to "
                f"the guest's port 22 (forwarded ports found: {', '.join(ports) or 'none'})"
            )
        return (
            f"QEMU (pid {self.qemu.pid}) forwards port {self.port}, but ssh to the guest failed: "
            f"{self.error or 'no answer'} (still booting? its console log says how far it got)"
        )


def guest_run(host: Any, port: int, command: str, timeout: float = 60) -> Any:
    """Run `command` in the guest over ssh through the host's port forward."""
    return host.run(
        f"ssh {SSH_OPTIONS} -i {SSH_KEY} -p {port} root@127.0.0.1 {shlex.quote(command)}",
        timeout=timeout,
    )


@pytest.fixture
def guest(host: Any, params: dict[str, Any]) -> Guest:
    """The learner's VM: its QEMU process and the facts read inside it."""
    port = int(params["vm_ssh_port"])
    others = tuple(qemu_processes(host))
    qemu = next((q for q in others if q.forwards(port)), None)
    if qemu is None:
        return Guest(host, port, None, {}, "", others)
    result = guest_run(host, port, FACTS)
    facts = parse_facts(result.stdout) if result.rc == 0 else {}
    error = (result.stderr.strip().splitlines() or [f"ssh exited {result.rc}"])[-1]
    return Guest(host, port, qemu, facts, "" if facts else error, others)


@pytest.fixture
def host_facts(host: Any) -> dict[str, str]:
    """The same facts as the guest's, read in the lab container (the VM's host)."""
    return parse_facts(host.run(FACTS).stdout)


@dataclass(frozen=True)
class LxcContainer:
    """An LXC container as LXC's own tools report it."""

    name: str
    state: str  # RUNNING, STOPPED..., or "" when LXC knows no such container
    pid: int | None

    def require_running(self) -> int:
        """Fail the check unless LXC reports the container RUNNING; return its init's PID."""
        __tracebackhide__ = True
        assert self.state == "RUNNING", f"LXC reports {self.name} {self.state or 'missing'}"
        assert self.pid, f"LXC reports {self.name} RUNNING but gives no PID for its init"
        return self.pid


def lxc_container(host: Any, name: str) -> LxcContainer:
    """Read a container's state and init PID with lxc-info ("" and None when it has none)."""
    quoted = shlex.quote(name)
    state = host.run(f"lxc-info -n {quoted} -sH")
    if state.rc != 0:
        return LxcContainer(name, "", None)
    pid = host.run(f"lxc-info -n {quoted} -pH").stdout.strip()
    return LxcContainer(name, state.stdout.strip(), int(pid) if pid.isdigit() else None)


def memory_cgroup_dir(host: Any, pid: int) -> str | None:
    """The directory of PID's memory cgroup under /sys/fs/cgroup (cgroup v1 or v2)."""
    lines = host.run(f"cat /proc/{pid}/cgroup").stdout.splitlines()
    v2 = host.run("stat -fc %T /sys/fs/cgroup").stdout.strip() == "cgroup2fs"
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if v2 and controllers == "":
            return f"/sys/fs/cgroup{path.rstrip('/')}"
        if not v2 and "memory" in controllers.split(","):
            return f"/sys/fs/cgroup/memory{path.rstrip('/')}"
    return None


@pytest.fixture
def container(host: Any, params: dict[str, Any]) -> LxcContainer:
    """The system container the lab names, as lxc-info reports it."""
    return lxc_container(host, params["lxc_name"])


@pytest.fixture(scope="session")
def measured() -> dict[tuple[str, str], tuple[float, float] | str]:
    """The examiner's measurements so far in this session, by (machine, kind)."""
    return {}


@pytest.fixture
def probe(host: Any, target: Any, measured: dict[tuple[str, str], Any]) -> Any:
    """Measure one kind the examiner's own way (probe.sh): (seconds, MiB), or why it could not.

    A measurement describes the machine, not the learner's work: containers of one Docker
    engine share it, so the session measures each kind once per machine and compares every
    learner's figures with that one yardstick.
    """
    script = (Path(__file__).parent / "probe.sh").read_text()
    machine = "docker-engine" if target.scheme == "docker" else f"{target.scheme}:{target.name}"

    def measure(kind: str) -> tuple[float, float] | str:
        if (machine, kind) not in measured:
            result = host.run(f"bash -s {kind} <<'K2C_PROBE'\n{script}K2C_PROBE", timeout=600)
            fields = result.stdout.split()
            try:
                measured[machine, kind] = (float(fields[0]), int(fields[1]) / 1024)
            except (IndexError, ValueError):
                last = (result.stderr.strip().splitlines() or [f"exit code {result.rc}"])[-1]
                return f"the check could not start its own {kind}: {last}"
        return measured[machine, kind]

    return measure


@pytest.fixture
def container_cgroup(host: Any, container: LxcContainer) -> str | None:
    """The directory of the running container's memory cgroup, or None."""
    return memory_cgroup_dir(host, container.pid) if container.pid else None
