"""Target specs: which learner environment to check and how to reach it, parsed once.

A *target* is one learner's environment. Its spec names one *node* (a container, a VM, a pod:
one place a shell runs) or several, each with a role:

- ``docker://k2c-namespaces``: a container (``docker://user@NAME`` runs as that user);
- ``ssh://user@host:2222?ssh_identity_file=KEY&sudo=true``: a machine over ssh (a VM);
- ``local://``: the machine the checker runs on (inside the VM itself);
- ``kubectl://POD?namespace=NS&container=C&kubeconfig=FILE&context=CTX``: a pod;
- ``kube://NAME?kubeconfig=FILE&context=CTX&namespace=NS``: a Kubernetes cluster, reached by a
  shell on this machine whose kubectl is pointed at it (NAME only names it);
- ``manager=docker://k2c-swarm-manager,worker1=docker://k2c-swarm-worker1``: a target of
  several nodes (a swarm, a cluster), each ``ROLE=SPEC``; the first is the primary node.

Options after ``?`` are testinfra's (``sudo``, ``sudo_user``, ``ssh_config``, ``timeout``...).
Every layer (the CLI, the plugin, the engine, the classroom) takes the parsed `TargetSpec`; the
text is parsed here and nowhere else, and a malformed spec is a `TargetError` (exit code 3).

Each scheme is an entry of `SCHEMES`: the names its nodes may have and the engine's shell class
that reaches them (imported only when a node is opened, like testinfra's backends table). A new
kind of node registers its scheme with `register_scheme`; a new kind of environment made of
several nodes needs no parser of its own (see ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from checker.errors import TargetError

# A container or pod name (Docker's rule), and a host name or address (an IPv6 address goes in
# brackets in the spec, without them in the node's name).
CONTAINER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
HOST_NAME = re.compile(r"^[A-Za-z0-9_:][A-Za-z0-9._:-]*$")
_ROLE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# Where one node's spec ends and the next begins: `,ROLE=SCHEME://`.
_NEXT_NODE = re.compile(r",(?=[a-z][a-z0-9-]{0,31}=[a-z][a-z0-9+.-]*://)")
_PATH_OPTIONS = ("ssh_config", "ssh_identity_file", "kubeconfig", "ansible_inventory")


@dataclass(frozen=True)
class Scheme:
    """A kind of node: what its name may be and which shell class of the engine reaches it."""

    name: str
    #: ``module:Class`` of the engine's shell, imported when a node is opened; empty: the node is
    #: left to testinfra's own backend of that name (the `testinfra` engine path).
    shell: str
    #: what the node's name must match; ``None``: any (or none, for ``local://``)
    names: re.Pattern[str] | None = None
    #: the name may be empty (``local://``)
    nameless: bool = False
    #: a port after the name is allowed (``host:2222``)
    ports: bool = False


SCHEMES: dict[str, Scheme] = {}


def register_scheme(scheme: Scheme) -> None:
    """Add (or replace) a kind of node: `parse_spec` accepts it, the engine opens it."""
    SCHEMES[scheme.name] = scheme


for _scheme in (
    Scheme("docker", "checker.engine.shells:DockerShell", CONTAINER_NAME),
    Scheme("podman", "checker.engine.shells:DockerShell", CONTAINER_NAME),
    Scheme("ssh", "checker.engine.shells:SshShell", HOST_NAME, ports=True),
    Scheme("safe-ssh", "checker.engine.shells:SshShell", HOST_NAME, ports=True),
    Scheme("local", "checker.engine.shells:LocalShell", nameless=True),
    Scheme("kubectl", "checker.engine.shells:KubectlShell", CONTAINER_NAME),
    # A Kubernetes cluster through a kubeconfig: a local shell whose kubectl reaches it.
    Scheme("kube", "checker.clusters:KubeShell", CONTAINER_NAME),
    # testinfra's other backends: no shell of ours, testinfra's own backend reaches them.
    *(
        Scheme(name, "", nameless=True, ports=True)
        for name in ("paramiko", "ansible", "salt", "winrm", "lxc", "openshift", "chroot")
    ),
):
    register_scheme(_scheme)


@dataclass(frozen=True)
class Node:
    """One place of a target where a shell runs (a container, a machine, a pod)."""

    spec: str  # this node's own spec, e.g. ``docker://k2c-swarm-manager``
    scheme: str
    name: str  # container, pod or host name; empty for ``local://``
    user: str | None = None
    port: int | None = None
    password: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    role: str = ""  # the node's role in a target of several nodes; empty for a single node

    def option(self, key: str, default: str | None = None) -> str | None:
        """Return one ``?key=value`` option of the spec (paths with ``~`` expanded)."""
        return dict(self.options).get(key, default)

    def flag(self, key: str) -> bool:
        """True when the option is ``true`` (testinfra's spelling of a boolean option)."""
        return (self.option(key) or "").lower() == "true"

    @property
    def kind(self) -> Scheme:
        """The registered scheme of this node."""
        return SCHEMES[self.scheme]


@dataclass(frozen=True)
class TargetSpec:
    """A parsed target spec: the learner environment checks run on, as one node or several.

    ``scheme``, ``name``, ``user``, ``port`` and ``option()`` are the primary node's.
    """

    spec: str  # the text, exactly as given: what reports, gradebooks and pytest ids show
    nodes: tuple[Node, ...]

    def __str__(self) -> str:
        """The spec's text."""
        return self.spec

    @property
    def primary(self) -> Node:
        """The node checks get as ``host`` and reference steps run on (the first one)."""
        return self.nodes[0]

    @property
    def scheme(self) -> str:
        """The primary node's scheme: ``docker``, ``ssh``, ``local``, ``kubectl``..."""
        return self.primary.scheme

    @property
    def name(self) -> str:
        """The primary node's container, pod or host name."""
        return self.primary.name

    @property
    def user(self) -> str | None:
        """The primary node's user, if the spec names one."""
        return self.primary.user

    @property
    def port(self) -> int | None:
        """The primary node's port, if the spec names one."""
        return self.primary.port

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """The primary node's options."""
        return self.primary.options

    def option(self, key: str, default: str | None = None) -> str | None:
        """Return one ``?key=value`` option of the primary node."""
        return self.primary.option(key, default)

    def node(self, role: str) -> Node:
        """The node of a role.

        Raises:
            KeyError: the target has no node of that role.
        """
        for node in self.nodes:
            if node.role == role:
                return node
        raise KeyError(role)

    @property
    def roles(self) -> tuple[str, ...]:
        """The nodes' roles, in order (``("",)`` for a single-node target)."""
        return tuple(node.role for node in self.nodes)


def parse_spec(spec: str | TargetSpec) -> TargetSpec:
    """Parse and validate a target spec (an already parsed one is returned as it is).

    >>> parse_spec("docker://k2c-namespaces").name
    'k2c-namespaces'
    >>> parse_spec("manager=docker://m,worker=docker://w").node("worker").name
    'w'

    Raises:
        TargetError: the spec is not one of the supported forms; the message says why in one line.
    """
    if isinstance(spec, TargetSpec):
        return spec
    if not isinstance(spec, str) or "://" not in spec:
        raise TargetError(f"target {spec!r} is not a spec like docker://NAME or ssh://user@host")
    head = spec.split("://", 1)[0]
    if "=" not in head:
        return TargetSpec(spec, (_node(spec, spec),))
    nodes = []
    for part in _NEXT_NODE.split(spec):
        role, _, text = part.partition("=")
        if not _ROLE.match(role) or "://" not in text:
            raise TargetError(f"target {spec!r}: {part!r} is not ROLE=SPEC (role: a-z, 0-9, -)")
        nodes.append(_node(spec, text, role))
    roles = [node.role for node in nodes]
    duplicate = next((role for role in roles if roles.count(role) > 1), None)
    if duplicate is not None:
        raise TargetError(f"target {spec!r}: role {duplicate!r} is given twice")
    return TargetSpec(spec, tuple(nodes))


def _node(whole: str, text: str, role: str = "") -> Node:
    """Parse the spec of one node (``whole`` is the target's spec, for messages)."""
    parts = urlsplit(text)
    scheme = SCHEMES.get(parts.scheme)
    if scheme is None:
        known = ", ".join(name for name, s in SCHEMES.items() if s.shell)
        raise TargetError(f"target {whole!r}: unknown scheme {parts.scheme!r} (use one of {known})")
    options = tuple(
        (key, str(Path(values[0]).expanduser()) if key in _PATH_OPTIONS else values[0])
        for key, values in parse_qs(parts.query).items()
    )
    user = password = None
    hostport = parts.netloc
    if "@" in hostport:
        userinfo, hostport = hostport.rsplit("@", 1)
        user, colon, secret = userinfo.partition(":")
        user, password = unquote(user), (unquote(secret) if colon else None)
    name, port = hostport, None
    if scheme.ports:
        name, port = _host_port(whole, hostport)
    name = unquote(name)
    if scheme.names is not None and (not scheme.names.match(name) or name.startswith("-")):
        raise TargetError(f"target {whole!r}: {name!r} is not a valid {scheme.name} name")
    if not name and not scheme.nameless:
        raise TargetError(f"target {whole!r}: {scheme.name}:// needs a name")
    return Node(text, scheme.name, name, user or None, port, password, options, role)


def _host_port(whole: str, hostport: str) -> tuple[str, int | None]:
    """Split ``host:port`` (``[v6]:port``), refusing a port that is not 1-65535."""
    if hostport.startswith("[") and "]" in hostport:
        host, _, rest = hostport[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = hostport.partition(":")
    if not port:
        return host, None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise TargetError(f"target {whole!r}: bad port {port!r}")
    return host, int(port)
