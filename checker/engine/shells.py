"""How a session's shell is started on a node, one small class per kind of node.

Every node starts plain ``/bin/sh`` (nodes may lack bash and python), or ``sudo -n /bin/sh``
when the spec asks for sudo: one sudo per session instead of one per command. Which class
reaches a scheme is written in `checker.spec.SCHEMES`; `shell_for` looks it up there.
"""

from __future__ import annotations

import abc
import importlib
import os
import shlex
import shutil
from dataclasses import dataclass, field
from typing import Any, Self

from checker.engine import docker_api, kube_api
from checker.engine.channels import Channel, PipeChannel
from checker.engine.kubeconfig import ApiAccess, Unsupported, api_access
from checker.spec import Node


def shell_argv(sudo: bool, sudo_user: str | None) -> list[str]:
    """The shell to start on the target, through sudo when asked (never prompting)."""
    if not sudo:
        return ["/bin/sh"]
    return ["sudo", "-n", *(["-u", sudo_user] if sudo_user else []), "/bin/sh"]


def shell_for(node: Node) -> Shell | None:
    """The shell that reaches a node, from its scheme's entry in `checker.spec.SCHEMES`.

    Returns ``None`` for the kinds left to testinfra's own backends (paramiko, ansible...).

    >>> from checker.spec import parse_spec
    >>> shell_for(parse_spec("docker://k2c-namespaces").primary).name
    'k2c-namespaces'
    """
    if not node.kind.shell:
        return None
    module, _, name = node.kind.shell.partition(":")
    cls: type[Shell] = getattr(importlib.import_module(module), name)
    return cls.from_node(node)


@dataclass(frozen=True)
class Shell(abc.ABC):
    """How to start a shell on one node."""

    spec: str  # the node's spec, for messages
    name: str
    sudo: bool = False
    sudo_user: str | None = None
    scheme: str = ""  # the node's scheme, as testinfra names its kind of connection

    #: Processes of a killed session must be killed from inside the node (True), or are
    #: already gone with the local process group (False).
    remote = True

    @classmethod
    def from_node(cls, node: Node) -> Self:
        """The shell of a parsed node: its name, and sudo when the spec asks for it."""
        return cls(**cls._fields(node))

    @staticmethod
    def _fields(node: Node) -> dict[str, Any]:
        return {
            "spec": node.spec,
            "name": node.name,
            "sudo": node.flag("sudo"),
            "sudo_user": node.option("sudo_user"),
            "scheme": node.scheme,
        }

    @abc.abstractmethod
    def open(self, timeout: float) -> Channel:
        """Start the shell and return a channel to it."""


@dataclass(frozen=True)
class LocalShell(Shell):
    """The machine the checker runs on (``local://``), e.g. inside a VM."""

    remote = False

    @classmethod
    def from_node(cls, node: Node) -> Self:
        """A local shell (the spec's name, if any, is ignored, as testinfra does)."""
        return cls(**{**cls._fields(node), "name": "local"})

    def open(self, timeout: float) -> Channel:
        """Start a local shell."""
        return PipeChannel(shell_argv(self.sudo, self.sudo_user))


@dataclass(frozen=True)
class DockerShell(Shell):
    """A running container: the shell is a ``docker exec -i``, like the learner's own shells."""

    user: str | None = None
    program: str = "docker"

    @classmethod
    def from_node(cls, node: Node) -> Self:
        """``docker://[user@]NAME`` (or ``podman://``: the podman CLI)."""
        return cls(**cls._fields(node), user=node.user, program=node.scheme)

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
class SshShell(Shell):
    """A machine over ssh: one connection for the whole session, ssh_config honoured."""

    user: str | None = None
    port: int | None = None
    password: str | None = None
    ssh_config: str | None = None
    identity_file: str | None = None
    connect_timeout: int = 10
    extra_args: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_node(cls, node: Node) -> Self:
        """``ssh://[user[:password]@]host[:port]`` with testinfra's ssh options."""
        return cls(
            **cls._fields(node),
            user=node.user,
            port=node.port,
            password=node.password,
            ssh_config=node.option("ssh_config"),
            identity_file=node.option("ssh_identity_file"),
            connect_timeout=int(node.option("timeout") or 10),
            extra_args=tuple(shlex.split(node.option("ssh_extra_args") or "")),
        )

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
class KubectlShell(Shell):
    """A pod: the shell is an exec from the API server, asked directly or through ``kubectl exec``.

    Which of the two is decided once per target, when the node is read (`from_node`): the API's
    exec over a WebSocket (`checker.engine.kube_api`) when the kubeconfig is one a small client
    reads (`api` is then set), else ``kubectl exec -i`` (`fallback` says why).
    """

    namespace: str | None = None
    container: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    api: ApiAccess | None = field(default=None, compare=False)
    fallback: str = ""

    @classmethod
    def from_node(cls, node: Node) -> Self:
        """``kubectl://POD?namespace=&container=&kubeconfig=&context=``."""
        api, fallback = None, ""
        if os.environ.get("K2C_KUBE_EXEC") == "kubectl":
            fallback = "K2C_KUBE_EXEC=kubectl"
        else:
            try:
                api = api_access(node.option("kubeconfig"), node.option("context"))
            except Unsupported as why:
                fallback = str(why)
        return cls(
            **cls._fields(node),
            namespace=node.option("namespace"),
            container=node.option("container"),
            kubeconfig=node.option("kubeconfig"),
            context=node.option("context"),
            api=api,
            fallback=fallback,
        )

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
        """Exec through the API server when the kubeconfig allows, else start kubectl exec."""
        if self.api is None:
            return PipeChannel(self.argv())
        namespace = self.namespace or self.api.namespace
        argv = shell_argv(self.sudo, self.sudo_user)
        try:
            return kube_api.KubeApiChannel.open(
                self.api, namespace, self.name, self.container, argv, timeout, self.spec
            )
        except kube_api.Forbidden:
            if shutil.which("kubectl") is None:
                raise
            return PipeChannel(self.argv())  # kubectl asks with the verb the role may allow
