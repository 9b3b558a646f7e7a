"""Benchmark 3: one command over ssh, four ways, against a real sshd in a container."""

import itertools
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import containers
from bench.measure import REPO, per_call
from bench.table import millis, ratio, render, seconds

IMAGE = "k2c-engine-test:latest"
BUILD_CONTEXT = REPO / "tests" / "engine" / "target"
ALIAS = "k2c-bench-sshd"

# Commands a lab's checks send (the same as benchmark 1's), cycled through.
WORKLOAD = (
    "hostname",
    "cat -- /etc/hostname",
    "id -u root",
    "getent group root",
    "test -e /etc/passwd",
    "test -d /tmp",
    "stat -c %a /etc/passwd",
    "grep -qs -- '^root:' /etc/passwd",
    "readlink /proc/1/ns/pid",
    "cat /proc/loadavg",
)


@dataclass
class Method:
    """One way to send commands: its setup (first command) and per-command time."""

    name: str
    setup: float
    per_command: float


@dataclass
class SshResults:
    """What benchmark 3 measured."""

    methods: list[Method]

    def get(self, prefix: str) -> Method:
        """The method whose name starts with ``prefix``."""
        return next(m for m in self.methods if m.name.startswith(prefix))

    @property
    def ratio(self) -> float:
        """The speed-up per command of the engine over testinfra's ssh backend."""
        return self.get("testinfra ssh").per_command / self.get("engine").per_command


class RawShell:
    """The floor: a persistent ``ssh host sh`` with the least framing that can work."""

    def __init__(self, argv: list[str]) -> None:
        """Start ssh."""
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._count = 0

    def run(self, command: str) -> bytes:
        """Run one command, return its stdout (stderr and exit status are not kept apart)."""
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._count += 1
        marker = f"K2C-RAW-{self._count}"
        self._proc.stdin.write(f"{command} </dev/null; echo {marker} $?\n".encode())
        self._proc.stdin.flush()
        lines = []
        for line in self._proc.stdout:
            if line.startswith(marker.encode()):
                return b"".join(lines)
            lines.append(line)
        raise RuntimeError("the raw shell died")

    def close(self) -> None:
        """End ssh."""
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait()


@contextmanager
def sshd() -> Iterator[Path]:
    """Start the sshd container and yield an ssh_config whose Host ALIAS reaches it."""
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        subprocess.run(["docker", "build", "-q", "-t", IMAGE, str(BUILD_CONTEXT)], check=True,
                       capture_output=True)  # fmt: skip
    name = f"k2c-bench-sshd-{containers.LABEL.split('=')[1]}"
    containers.start([name], image=IMAGE, network="bridge")
    with tempfile.TemporaryDirectory(prefix="k2c-bench-ssh-") as folder:
        key = Path(folder) / "id_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        subprocess.run(
            ["docker", "exec", "-i", name, "sh", "-c",
             "mkdir -p ~learner/.ssh && cat >~learner/.ssh/authorized_keys"
             " && chown -R learner: ~learner/.ssh"],
            input=key.with_suffix(".pub").read_bytes(), check=True,
        )  # fmt: skip
        config = Path(folder) / "config"
        config.write_text(
            f"Host {ALIAS}\n  HostName {containers.ip_of(name)}\n  User learner\n"
            f"  IdentityFile {key}\n  StrictHostKeyChecking no\n"
            "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
        )
        _wait_for_sshd(config)
        yield config


def _wait_for_sshd(config: Path) -> None:
    for _ in range(100):
        probe = ["ssh", "-F", str(config), "-o", "BatchMode=yes", ALIAS, "true"]
        if subprocess.run(probe, capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise RuntimeError("sshd did not come up")


def _timed(run: Callable[[str], object], calls: int) -> tuple[float, float]:
    """Seconds of the first command (connection included), then the median per command."""
    commands = itertools.cycle(WORKLOAD)
    started = time.perf_counter()
    run(next(commands))
    setup = time.perf_counter() - started
    return setup, per_call(lambda: run(next(commands)), calls)


def measure(calls: int) -> SshResults:
    """Time testinfra's ssh and paramiko backends, the engine and a raw persistent shell."""
    import testinfra

    from checker.engine import open_host
    from checker.spec import parse_spec

    methods = []
    with sshd() as config:
        spec = f"{ALIAS}?ssh_config={config}"
        stock = testinfra.get_host(f"ssh://{spec}")
        methods.append(Method("testinfra ssh (default)", *_timed(stock.run, min(calls, 30))))
        try:
            paramiko = testinfra.get_host(f"paramiko://{spec}")
            methods.append(Method("testinfra paramiko", *_timed(paramiko.run, calls)))
        except ImportError:
            methods.append(Method("testinfra paramiko (not installed)", float("nan"), float("nan")))
        holder: dict[str, object] = {}

        def engine_run(command: str) -> object:
            if "host" not in holder:
                holder["host"] = open_host(parse_spec(f"ssh://{spec}"))
            return holder["host"].run(command)  # type: ignore[attr-defined]

        methods.append(Method("engine (persistent session)", *_timed(engine_run, calls)))
        holder["host"].backend.close()  # type: ignore[attr-defined]
        raw: dict[str, RawShell] = {}

        def raw_run(command: str) -> object:
            if "shell" not in raw:
                raw["shell"] = RawShell(["ssh", "-F", str(config), "-T", ALIAS, "exec /bin/sh"])
            return raw["shell"].run(command)

        methods.append(Method("raw persistent `ssh host sh`", *_timed(raw_run, calls)))
        raw["shell"].close()
    return SshResults(methods)


def report(results: SshResults) -> str:
    """The benchmark's table."""
    floor = results.get("raw").per_command
    rows = [
        [m.name, seconds(m.setup), millis(m.per_command), ratio(m.per_command, floor)]
        for m in results.methods
    ]
    return render(
        "3. ssh, per command (median; first command = connection + command)",
        ["method", "first command", "per command", "vs raw shell"],
        rows,
    )
