"""Fixtures for the engine's tests: a target image with sshd, containers, an ssh key and config."""

import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

IMAGE = "k2c-engine-test:latest"
BUILD_CONTEXT = Path(__file__).parent / "target"


# Lists processes whose command line is exactly $1, without matching itself.
_FIND = """for f in /proc/[0-9]*/cmdline; do
  [ "$(tr '\\0' ' ' <"$f" 2>/dev/null)" = "$1 " ] && echo "$f"
done; true"""


@pytest.fixture
def running() -> Callable[[Any, str], str]:
    """List the processes on a host that still run exactly a given command line.

    A process sent SIGKILL is gone once the kernel runs it again: a moment, longer on a busy
    machine (its binary may still be paging in). The listing is read again for up to 10 s
    until it is empty.
    """

    def find(host: Any, command: str) -> str:
        deadline = time.monotonic() + 10
        while (found := host.check_output("sh -c %s sh %s", _FIND, command)) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)
        return found

    return find


def docker(*args: str, stdin: bytes | None = None) -> str:
    """Run the docker CLI and return its stdout; fail the test on an error."""
    done = subprocess.run(["docker", *args], input=stdin, capture_output=True, check=False)
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr.decode()}"
    return done.stdout.decode().strip()


@dataclass(frozen=True)
class Container:
    """A running test container."""

    name: str
    ip: str

    @property
    def spec(self) -> str:
        """Its testinfra spec."""
        return f"docker://{self.name}"


@pytest.fixture(scope="session")
def engine_image() -> str:
    """The test target image, built once (docker's cache makes later builds instant)."""
    probe = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, check=False)
    if probe.returncode != 0:
        docker("build", "-q", "-t", IMAGE, str(BUILD_CONTEXT))
    return IMAGE


def _start(image: str) -> Container:
    name = f"k2c-engine-test-{secrets.token_hex(4)}"
    docker("run", "-d", "--name", name, image)
    ip = docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", name)
    for _ in range(50):  # sshd writes its pid file once it listens
        if subprocess.run(["docker", "exec", name, "test", "-s", "/run/sshd.pid"]).returncode == 0:
            break
        time.sleep(0.1)
    return Container(name, ip)


@pytest.fixture(scope="session")
def container(engine_image: str) -> Iterator[Container]:
    """A container for the docker path and the differential test (sshd running, no sessions)."""
    started = _start(engine_image)
    yield started
    subprocess.run(["docker", "rm", "-f", started.name], capture_output=True, check=False)


@pytest.fixture(scope="session")
def sshd(engine_image: str) -> Iterator[Container]:
    """A container reached over ssh only."""
    started = _start(engine_image)
    yield started
    subprocess.run(["docker", "rm", "-f", started.name], capture_output=True, check=False)


@dataclass(frozen=True)
class SshSetup:
    """How to reach the sshd container: a key, a config naming it, its address."""

    ip: str
    key: Path
    config: Path
    alias: str = "k2c-engine-sshd"


@pytest.fixture(scope="session")
def ssh_setup(sshd: Container, tmp_path_factory: pytest.TempPathFactory) -> SshSetup:
    """Generate a key, authorize it for root and learner, and write an ssh_config."""
    home = tmp_path_factory.mktemp("ssh")
    key = home / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = (home / "id_ed25519.pub").read_bytes()
    for user, path in (("root", "/root"), ("learner", "/home/learner")):
        docker(
            "exec", "-i", sshd.name, "sh", "-c",
            f"mkdir -p {path}/.ssh && cat >{path}/.ssh/authorized_keys"
            f" && chown -R {user}: {path}/.ssh && chmod 700 {path}/.ssh",
            stdin=public,
        )  # fmt: skip
    config = home / "config"
    # The test host key is new every run: accept it, remember nothing, and say nothing about it.
    config.write_text(
        f"Host k2c-engine-sshd\n  HostName {sshd.ip}\n  User learner\n  IdentityFile {key}\n"
        "Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
    )
    return SshSetup(sshd.ip, key, config)
