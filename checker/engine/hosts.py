"""Turn host specs into testinfra Hosts backed by persistent sessions, once per spec."""

import atexit
import shlex
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import testinfra.backend
import testinfra.host
from testinfra.backend.base import BaseBackend

from checker.engine import text
from checker.engine.backend import PersistentBackend
from checker.engine.targets import DockerTarget, KubectlTarget, LocalTarget, SshTarget, Target

# Opening a docker exec is work for the Docker daemon, not for us: beyond a few at once they
# only queue there.
_OPEN_WORKERS = 8

_lock = threading.Lock()
_hosts: dict[tuple[str, float, float | None], Future[testinfra.host.Host]] = {}
_pool: ThreadPoolExecutor | None = None


def parse_target(spec: str) -> Target | None:
    """Describe the target of a testinfra host spec.

    Returns ``None`` for kinds the engine leaves to testinfra (paramiko://, ansible://...).

    >>> parse_target("docker://k2c-namespaces").name
    'k2c-namespaces'
    """
    name, kw = testinfra.backend.parse_hostspec(spec)
    scheme = kw.get("connection", "paramiko" if name else "local")
    sudo = {"sudo": bool(kw.get("sudo")), "sudo_user": kw.get("sudo_user")}
    if scheme == "local":
        return LocalTarget(spec, "local", **sudo)
    if scheme in ("docker", "podman"):
        container, user = BaseBackend.parse_containerspec(name)
        return DockerTarget(spec, container, user=user, program=scheme, **sudo)
    if scheme in ("ssh", "safe-ssh"):
        host = BaseBackend.parse_hostspec(name)
        return SshTarget(
            spec,
            host.name,
            user=host.user,
            port=host.port,
            password=host.password,
            ssh_config=kw.get("ssh_config"),
            identity_file=kw.get("ssh_identity_file"),
            connect_timeout=int(kw.get("timeout", 10)),
            extra_args=tuple(shlex.split(kw.get("ssh_extra_args", ""))),
            **sudo,
        )
    if scheme == "kubectl":
        return KubectlTarget(
            spec,
            name,
            namespace=kw.get("namespace"),
            container=kw.get("container"),
            kubeconfig=kw.get("kubeconfig"),
            context=kw.get("context"),
            **sudo,
        )
    return None


def connect(
    spec: str, *, timeout: float = 30.0, budget: float | None = None
) -> testinfra.host.Host:
    """Return a testinfra Host for ``spec`` with one persistent session, opened and probed.

    Calls with the same arguments share one Host (and remember a failure), from any thread;
    different specs open concurrently.

    Args:
        spec: a testinfra host spec: ``docker://[user@]name``, ``ssh://[user@]host[:port]``
            (``?ssh_config=``, ``?ssh_identity_file=``, ``?sudo=true``), ``local://``,
            ``kubectl://pod?namespace=``. Other kinds get testinfra's own backend.
        timeout: seconds per command, and to open the session.
        budget: seconds the target may spend in total (grading: a hung target fails fast).

    Raises:
        checker.engine.TargetUnreachable: the session could not be opened.
    """
    return _future(spec, timeout, budget).result()


def warm(specs: Iterable[str], *, timeout: float = 30.0, budget: float | None = None) -> None:
    """Start opening targets in the background; a later :func:`connect` picks each one up.

    Lets checks on the first targets run while the last ones are still being opened.
    """
    for spec in specs:
        _future(spec, timeout, budget)


def disconnect_all() -> None:
    """Close every session (their shells exit) and forget every Host."""
    with _lock:
        futures = list(_hosts.values())
        _hosts.clear()
    backends = [
        future.result().backend
        for future in futures
        if future.done() and future.exception() is None
    ]
    sessions = [b.session for b in backends if isinstance(b, PersistentBackend)]
    # Each shell takes a moment to exit: tell them all first, then wait, so they exit together.
    for session in sessions:
        session.close_input()
    for session in sessions:
        session.close()


def _future(spec: str, timeout: float, budget: float | None) -> Future[testinfra.host.Host]:
    global _pool
    key = (spec, timeout, budget)
    with _lock:
        future = _hosts.get(key)
        if future is None:
            if _pool is None:
                _pool = ThreadPoolExecutor(_OPEN_WORKERS, thread_name_prefix="k2c-open")
            future = _hosts[key] = _pool.submit(
                lambda: open_host(spec, timeout=timeout, budget=budget)
            )
    return future


def open_host(
    spec: str, *, timeout: float = 30.0, budget: float | None = None
) -> testinfra.host.Host:
    """Open a new, unshared Host for ``spec`` (see :func:`connect`, which shares them).

    Raises:
        checker.engine.TargetUnreachable: the session could not be opened.
    """
    target = parse_target(spec)
    if target is None:
        host = testinfra.host.get_host(spec)
        text.adopt(host.backend)  # one decoding for every kind of target
        return host
    backend = PersistentBackend(
        target, timeout=timeout, budget=budget, sudo=target.sudo, sudo_user=target.sudo_user
    )
    host = testinfra.host.Host(backend)
    backend.set_host(host)
    backend.open()
    return host


atexit.register(disconnect_all)
