"""Turn parsed target specs into testinfra Hosts backed by persistent sessions, once per node."""

import atexit
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import testinfra.host

from checker.engine import text
from checker.engine.backend import PersistentBackend
from checker.engine.shells import shell_for
from checker.spec import Node, TargetSpec

# Opening a docker exec is work for the Docker daemon, not for us: beyond a few at once they
# only queue there.
_OPEN_WORKERS = 8

_lock = threading.Lock()
_hosts: dict[tuple[str, float, float | None], Future[testinfra.host.Host]] = {}
_pool: ThreadPoolExecutor | None = None


def _node(where: TargetSpec | Node) -> Node:
    """A node, or the primary node of a target."""
    return where.primary if isinstance(where, TargetSpec) else where


def connect(
    where: TargetSpec | Node, *, timeout: float = 30.0, budget: float | None = None
) -> testinfra.host.Host:
    """Return a testinfra Host on one node with one persistent session, opened and discovered.

    Calls with the same arguments share one Host (and remember a failure), from any thread;
    different nodes open concurrently.

    Args:
        where: a node, or a target (its primary node). Kinds of node without a shell of the
            engine (``paramiko://``...) get testinfra's own backend.
        timeout: seconds per command, and to open the session.
        budget: seconds the node may spend in total (grading: a hung target fails fast).

    Raises:
        checker.engine.TargetUnreachable: the session could not be opened.
    """
    return _future(_node(where), timeout, budget).result()


def warm(
    nodes: Iterable[TargetSpec | Node], *, timeout: float = 30.0, budget: float | None = None
) -> None:
    """Start opening nodes in the background; a later :func:`connect` picks each one up.

    Lets checks on the first targets run while the last ones are still being opened.
    """
    for where in nodes:
        _future(_node(where), timeout, budget)


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


def _future(node: Node, timeout: float, budget: float | None) -> Future[testinfra.host.Host]:
    global _pool
    key = (node.spec, timeout, budget)
    with _lock:
        future = _hosts.get(key)
        if future is None:
            if _pool is None:
                _pool = ThreadPoolExecutor(_OPEN_WORKERS, thread_name_prefix="k2c-open")
            future = _hosts[key] = _pool.submit(
                lambda: open_host(node, timeout=timeout, budget=budget)
            )
    return future


def open_host(
    where: TargetSpec | Node, *, timeout: float = 30.0, budget: float | None = None
) -> testinfra.host.Host:
    """Open a new, unshared Host on one node (see :func:`connect`, which shares them).

    Raises:
        checker.engine.TargetUnreachable: the session could not be opened.
    """
    node = _node(where)
    shell = shell_for(node)
    if shell is None:
        host = testinfra.host.get_host(node.spec)
        text.adopt(host.backend)  # one decoding for every kind of target
        return host
    backend = PersistentBackend(
        shell, timeout=timeout, budget=budget, sudo=shell.sudo, sudo_user=shell.sudo_user
    )
    host = testinfra.host.Host(backend)
    backend.set_host(host)
    backend.open()
    return host


atexit.register(disconnect_all)
