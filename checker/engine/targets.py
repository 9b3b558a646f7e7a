"""Where a session's shell runs and how it is started, one small class per kind of target.

Every target starts plain ``/bin/sh`` (targets may lack bash and python), or ``sudo -n /bin/sh``
when the spec asks for sudo: one sudo per session instead of one per command.
"""

import abc
import os
import shlex
import shutil
from dataclasses import dataclass, field

from checker.engine import docker_api
from checker.engine.channels import Channel, PipeChannel


def shell_argv(sudo: bool, sudo_user: str | None) -> list[str]:
    """The shell to start on the target, through sudo when asked (never prompting)."""
    if not sudo:
        return ["/bin/sh"]
    return ["sudo", "-n", *(["-u", sudo_user] if sudo_user else []), "/bin/sh"]


@dataclass(frozen=True)
class Target(abc.ABC):
    """A place to run a shell."""

    spec: str
    name: str
    sudo: bool = False
    sudo_user: str | None = None

    #: Processes of a killed session must be killed from inside the target (True), or are
    #: already gone with the local process group (False).
    remote = True

    @abc.abstractmethod
    def open(self, timeout: float) -> Channel:
        """Start the shell and return a channel to it."""


@dataclass(frozen=True)
class LocalTarget(Target):
    """The machine the checker runs on (``local://``), e.g. inside a VM."""

    remote = False

    def open(self, timeout: float) -> Channel:
        """Start a local shell."""
        return PipeChannel(shell_argv(self.sudo, self.sudo_user))


@dataclass(frozen=True)
class DockerTarget(Target):
    """A running container: the shell is a ``docker exec -i``, like the learner's own shells."""

    user: str | None = None
    program: str = "docker"

    def open(self, timeout: float) -> Channel:
        """Exec through the engine's socket when local, else through the CLI."""
        argv = shell_argv(self.sudo, self.sudo_user)
        path = docker_api.local_socket() if self.program == "docker" else None
        if path is not None:
            try:
                return docker_api.DockerApiChannel.open(path, self.name, argv, self.user, timeout)
            except OSError:
                pass  # socket not usable after all: the CLI knows better
        user = ["-u", self.user] if self.user else []
        return PipeChannel([self.program, "exec", "-i", *user, self.name, *argv])


@dataclass(frozen=True)
class SshTarget(Target):
    """A machine over ssh: one connection for the whole session, ssh_config honoured."""

    user: str | None = None
    port: str | None = None
    password: str | None = None
    ssh_config: str | None = None
    identity_file: str | None = None
    connect_timeout: int = 10
    extra_args: tuple[str, ...] = field(default_factory=tuple)

    def argv(self) -> list[str]:
        """The ssh command line (the remote command goes through the login shell)."""
        argv = ["ssh", "-T", "-o", f"ConnectTimeout={self.connect_timeout}"]
        if self.password is None:
            argv += ["-o", "BatchMode=yes"]  # fail, never hang on a prompt
        if self.ssh_config:
            argv += ["-F", self.ssh_config]
        if self.user:
            argv += ["-o", f"User={self.user}"]
        if self.port:
            argv += ["-o", f"Port={self.port}"]
        if self.identity_file:
            argv += ["-i", self.identity_file]
        argv += [*self.extra_args, self.name]
        argv.append("exec " + shlex.join(shell_argv(self.sudo, self.sudo_user)))
        return argv

    def open(self, timeout: float) -> Channel:
        """Start ssh (through sshpass, reading the password from the environment, if given)."""
        if self.password is None:
            return PipeChannel(self.argv())
        if shutil.which("sshpass") is None:
            raise OSError("a password in the spec needs sshpass; prefer a key")
        env = {**os.environ, "SSHPASS": self.password}
        return PipeChannel(["sshpass", "-e", *self.argv()], env=env)


@dataclass(frozen=True)
class KubectlTarget(Target):
    """A pod: the shell is a ``kubectl exec -i``."""

    namespace: str | None = None
    container: str | None = None
    kubeconfig: str | None = None
    context: str | None = None

    def argv(self) -> list[str]:
        """The kubectl command line."""
        argv = ["kubectl"]
        if self.kubeconfig:
            argv.append(f"--kubeconfig={self.kubeconfig}")
        if self.context:
            argv.append(f"--context={self.context}")
        if self.namespace:
            argv += ["-n", self.namespace]
        argv += ["exec", "-i", self.name]
        if self.container:
            argv += ["-c", self.container]
        return [*argv, "--", *shell_argv(self.sudo, self.sudo_user)]

    def open(self, timeout: float) -> Channel:
        """Start kubectl exec."""
        return PipeChannel(self.argv())
