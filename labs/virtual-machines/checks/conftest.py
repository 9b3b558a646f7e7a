"""Shared fixtures for the virtual-machines checks: the VM, the system container, the params.

Every command goes through the `examiner` (`checker.examiner`): for `lab check` the lab
container's own tools; for `lab grade` the grader's own, from outside, so nothing the learner
installed or shadowed in the lab container is run:

- **the VM**: its QEMU process is found among the lab container's processes (the examiner's
  /proc), the port QEMU forwards must be a socket QEMU itself listens on (the kernel's socket
  table of the lab container's network namespace against QEMU's open files), and the guest is
  logged into with the examiner's ssh client, in the lab container's network namespace, with
  the lab's key. What the guest then answers is the guest's word: a VM is a machine the learner
  controls. Its facts are read with the guest shell's builtins alone (`read`, `echo`), no tool
  of the guest.
- **the system container**: LXC's own tools are never asked. The kernel says where it runs: its
  init is the process of LXC's payload cgroup (`lxc.payload.NAME`) that is PID 1 of a PID
  namespace of its own; its config is the learner's file under /var/lib/lxc, read through the
  examiner; its limits and counters are its cgroup's files.
- **the measure task's yardstick**: graded from outside, the check measures in an environment of
  the lab's image that it starts itself (`probe.sh`), never in the learner's.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

LAB_DIR = Path(__file__).parent.parent
SSH_KEY = "/root/.ssh/id_ed25519"
SSH_OPTIONS = (
    "-n -F none -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no "
    "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
)
FORWARD = re.compile(r"hostfwd=tcp:[0-9.]*:(\d+)")
# One round trip reads everything a check compares, as KEY=VALUE lines, with shell builtins
# alone: in the guest no tool of the guest is run, only the shell that ssh starts.
FACTS = (
    'read -r v < /proc/sys/kernel/osrelease; echo "release=$v"; '
    'read -r v < /proc/sys/kernel/hostname; echo "hostname=$v"; '
    'read -r v < /proc/sys/kernel/random/boot_id; echo "boot_id=$v"; '
    'read -r v < /proc/cmdline; echo "cmdline=$v"; '
    'n=0; while read -r k _; do [ "$k" = processor ] && n=$((n + 1)); done < /proc/cpuinfo; '
    'echo "cpus=$n"; '
    'while read -r k v _; do [ "$k" = MemTotal: ] && echo "mem_kib=$v"; done < /proc/meminfo; '
    ":"
)


@pytest.fixture(scope="session")
def params() -> dict[str, Any]:
    """The `params:` mapping of this lab's manifest (lab.yaml next to checks/)."""
    manifest = yaml.safe_load((LAB_DIR / "lab.yaml").read_text())
    return dict(manifest.get("params") or {})


def parse_facts(text: str) -> dict[str, str]:
    r"""Parse KEY=VALUE lines.

    >>> parse_facts("release=6.1.0\ncmdline=console=ttyS0 quiet")
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
    """A QEMU process of the lab container (its PID is the examiner's), and its arguments."""

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


def qemu_processes(examiner: Any) -> list[Qemu]:
    """Every qemu-system-* process of the lab container, with its argv (the kernel's copy)."""
    out = examiner.each_process(
        'case "$(cat /proc/$p/comm 2>/dev/null)" in qemu-system-*) '
        "printf '%s ' \"$p\"; tr '\\0' '\\037' < /proc/$p/cmdline; echo ;; esac"
    ).stdout
    found = []
    for line in out.splitlines():
        pid, _, args = line.partition(" ")
        if pid.isdigit():
            found.append(Qemu(int(pid), tuple(a for a in args.split("\x1f") if a)))
    return found


def listening_inodes(tcp_table: str, port: int) -> set[str]:
    r"""Socket inodes listening on TCP `port` in a /proc/net/tcp table.

    >>> table = "sl local rem st\n 0: 0100007F:08AE 00000000:0000 0A 0:0 0:0 0 0 0 5786 1"
    >>> listening_inodes(table, 2222)
    {'5786'}
    """
    found = set()
    for line in tcp_table.splitlines()[1:]:
        fields = line.split()
        if len(fields) > 9 and fields[3] == "0A" and fields[1].endswith(f":{port:04X}"):
            found.add(fields[9])
    return found


def port_owner_problem(examiner: Any, qemu: Qemu, port: int) -> str:
    """Say why the socket listening on `port` is not QEMU's own, or ''.

    The kernel's socket table of the lab container's network namespace names the listening
    socket's inode; QEMU's open files must hold it. Whatever else answers on the port (a
    program of the learner's) is then not what the guest's facts are read from.
    """
    table = examiner.net("cat /proc/net/tcp /proc/net/tcp6").stdout
    inodes = listening_inodes(table, port)
    if not inodes:
        return f"nothing listens on port {port} of the lab container"
    links = examiner.run("cd /proc/%s/fd && readlink -- *", str(qemu.pid)).stdout.split()
    if not any(f"socket:[{inode}]" in links for inode in inodes):
        return (
            f"port {port} of the lab container is not QEMU's (pid {qemu.pid}): another "
            "program listens on it"
        )
    return ""


@dataclass(frozen=True)
class Guest:
    """The VM whose ssh is forwarded from the port the lab names, as found from its host."""

    examiner: Any
    port: int
    qemu: Qemu | None
    facts: dict[str, str]
    error: str
    others: tuple[Qemu, ...]

    @property
    def reachable(self) -> bool:
        """True when ssh ran a command in the guest, through QEMU's own port forward."""
        return bool(self.facts)

    def run(self, command: str, timeout: float = 60) -> Any:
        """Run `command` in the guest over ssh through the host's port forward."""
        return guest_run(self.examiner, self.port, command, timeout)

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


def guest_run(examiner: Any, port: int, command: str, timeout: float = 60) -> Any:
    """Run `command` in the guest over ssh, in the lab container's network, with its key.

    The ssh client is the examiner's (the lab container's own for `lab check`); the key is
    the lab's, read from the lab container.
    """
    key = examiner.path(SSH_KEY)
    return examiner.net(
        f"ssh {SSH_OPTIONS} -i {shlex.quote(key)} -p {port} root@127.0.0.1 {shlex.quote(command)}",
        timeout=timeout,
    )


@pytest.fixture
def guest(examiner: Any, params: dict[str, Any]) -> Guest:
    """The learner's VM: its QEMU process and the facts read inside it."""
    port = int(params["vm_ssh_port"])
    others = tuple(qemu_processes(examiner))
    qemu = next((q for q in others if q.forwards(port)), None)
    if qemu is None:
        return Guest(examiner, port, None, {}, "", others)
    problem = port_owner_problem(examiner, qemu, port)
    if problem:
        return Guest(examiner, port, qemu, {}, problem, others)
    result = guest_run(examiner, port, FACTS)
    facts = parse_facts(result.stdout) if result.rc == 0 else {}
    error = (result.stderr.strip().splitlines() or [f"ssh exited {result.rc}"])[-1]
    return Guest(examiner, port, qemu, facts, "" if facts else error, others)


@pytest.fixture
def host_facts(examiner: Any) -> dict[str, str]:
    """The same facts as the guest's, of the lab container (the VM's host): its UTS namespace."""
    return parse_facts(examiner.net(FACTS).stdout)


@dataclass(frozen=True)
class LxcContainer:
    """An LXC container as the kernel shows it: its config and its running init."""

    name: str
    state: str  # RUNNING, STOPPED (a config, no init), or "" when LXC has no such container
    pid: int | None  # its init's PID, the examiner's
    cgroup: str  # its payload cgroup's path below each hierarchy's root, "" when not running

    def require_running(self) -> int:
        """Fail the check unless the container runs; return its init's PID."""
        __tracebackhide__ = True
        assert self.state == "RUNNING", f"{self.name} does not run: " + (
            "its config exists, but no init runs in its cgroup"
            if self.state
            else f"no such container (no /var/lib/lxc/{self.name}/config)"
        )
        assert self.pid, f"{self.name} runs but its init was not found"
        return self.pid


def payload_init(table: str, name: str) -> tuple[int, str] | None:
    r"""The init of LXC container NAME in a process table: (PID, its payload cgroup path).

    Each line of `table` is ``PID|NSpid...|cgroup-path``; the init is a process of the
    payload cgroup ``lxc.payload.NAME`` that is PID 1 of its own PID namespace (the outermost
    such, when its processes nest namespaces of their own).

    >>> payload_init("7|7 1|/docker/x/lxc.payload.sys1\n8|8 2|/docker/x/lxc.payload.sys1", "sys1")
    (7, '/docker/x/lxc.payload.sys1')
    >>> payload_init("7|7 1|/lxc.payload.sys10", "sys1") is None
    True
    """
    payload = f"lxc.payload.{name}"
    best: tuple[int, int, str] | None = None
    for line in table.splitlines():
        pid, _, rest = line.partition("|")
        nspid, _, path = rest.partition("|")
        parts = path.strip().split("/")
        levels = nspid.split()
        if not pid.isdigit() or payload not in parts or levels[-1:] != ["1"]:
            continue
        cgroup = "/".join(parts[: parts.index(payload) + 1])
        if best is None or len(levels) < best[0]:
            best = (len(levels), int(pid), cgroup)
    return (best[1], best[2]) if best else None


def lxc_container(examiner: Any, name: str) -> LxcContainer:
    """Find LXC container NAME: its config (the learner's file) and its init (the kernel's)."""
    if not examiner.exists(f"/var/lib/lxc/{name}/config", "f"):
        return LxcContainer(name, "", None, "")
    controller = "pids" if not examiner.cgroup_v2 else ""
    pick = '$2 == ""' if not controller else f"$2 ~ /(^|,){controller}(,|$)/"
    table = examiner.each_process(
        'printf "%s|" "$p"; sed -n "s/^NSpid:[[:space:]]*//p" "/proc/$p/status" 2>/dev/null '
        "| tr -s '\\t' ' ' | tr -d '\\n'; printf '|'; "
        f"awk -F: '{pick} {{ print $3; exit }}' \"/proc/$p/cgroup\" 2>/dev/null"
    ).stdout
    found = payload_init(table, name)
    if found is None:
        return LxcContainer(name, "STOPPED", None, "")
    return LxcContainer(name, "RUNNING", found[0], found[1])


def lxc_names(examiner: Any) -> list[str]:
    """The containers LXC has configs for (/var/lib/lxc/*/config), read through the examiner."""
    top = examiner.path("/var/lib/lxc")
    out = examiner.run('for c in %s/*/config; do [ -f "$c" ] && echo "$c"; done', top).stdout
    return sorted(line.rsplit("/", 2)[-2] for line in out.splitlines() if line.strip())


@pytest.fixture
def container(examiner: Any, params: dict[str, Any]) -> LxcContainer:
    """The system container the lab names, as the kernel shows it."""
    return lxc_container(examiner, params["lxc_name"])


@pytest.fixture
def container_cgroup(examiner: Any, container: LxcContainer) -> str | None:
    """The directory of the running container's memory cgroup, as the examiner reaches it."""
    if not container.pid:
        return None
    own = examiner.cgroup_of(container.pid, "memory")
    if own is None:
        return None
    payload = f"/lxc.payload.{container.name}"
    cut = own.find(payload + "/")
    return own[: cut + len(payload)] if cut >= 0 else own


@pytest.fixture(scope="session")
def measured() -> dict[tuple[str, ...], Any]:
    """The examiner's measurements so far in this session, by (machine, kind)."""
    return {}


class Yardstick:
    """Where the check measures, started on first use: the target, or the grader's own.

    Graded from outside, the yardstick is an environment of the lab's image that this session
    starts and removes itself: nothing of any learner's is run for the class's one yardstick.
    Inside, the target itself (the learner's own feedback, on their own machine).
    """

    def __init__(self, examiner: Any, target: Any) -> None:
        """Measure for `target`, seen through `examiner`; nothing starts yet."""
        self.examiner = examiner
        self.own = examiner.outside
        if self.own or target.scheme == "docker":
            self.machine = "docker-engine"
        else:
            self.machine = f"{target.scheme}:{target.name}"
        self.name = ""
        self._host: Any = None

    def host(self) -> Any:
        """A testinfra Host where the probe runs (the grader's environment starts now)."""
        if self._host is None:
            if not self.own:
                self._host = self.examiner.host
            else:
                import os
                import secrets

                from checker import environments
                from checker.engine import connect
                from checker.manifest import load_lab

                self.name = f"k2c-yardstick-virtual-machines-{os.getpid()}-{secrets.token_hex(3)}"
                self._host = connect(environments.start(load_lab(LAB_DIR), self.name))
        return self._host

    def remove(self) -> None:
        """Remove the grader's environment, if one was started."""
        if self.name:
            from checker import environments

            environments.remove(self.name)


@pytest.fixture(scope="session")
def yardstick(examiner: Any, target: Any) -> Iterator[Yardstick]:
    """Where the check measures (see `Yardstick`); the grader's environment goes at the end."""
    found = Yardstick(examiner, target)
    try:
        yield found
    finally:
        found.remove()


@pytest.fixture
def probe(yardstick: Yardstick, measured: dict[tuple[str, ...], Any]) -> Any:
    """Measure one kind the examiner's own way (probe.sh): [(seconds, MiB)...], or why not.

    A measurement describes the machine, not the learner's work: containers of one Docker
    engine share it, so the session measures each kind once per machine and compares every
    learner's figures with that one yardstick. `measure(kind, again=True)` measures once more,
    once per session: a start time taken in a busy moment of a shared machine is several times
    slower than in a quiet one, and the learner's figures are checked against every
    measurement taken.
    """
    script = (Path(__file__).parent / "probe.sh").read_text()
    machine = yardstick.machine

    def measure(kind: str, again: bool = False) -> list[tuple[float, float]] | str:
        taken: list[tuple[float, float]] = measured.setdefault((machine, kind), [])
        again = again and (machine, kind, "again") not in measured
        if again:
            measured[machine, kind, "again"] = True
        if not taken or again:
            command = f"bash -s {kind} <<'K2C_PROBE'\n{script}K2C_PROBE"
            result = yardstick.host().run(command, timeout=600)
            fields = result.stdout.split()
            try:
                taken.append((float(fields[0]), int(fields[1]) / 1024))
            except (IndexError, ValueError):
                last = (result.stderr.strip().splitlines() or [f"exit code {result.rc}"])[-1]
                if not taken:
                    return f"the check could not start its own {kind}: {last}"
        return list(taken)

    return measure
