"""Reaching a target: run a script on it, say why it does not answer, open its testinfra Hosts.

Everything here takes a parsed `checker.spec.TargetSpec` (or one of its nodes); the engine
(`checker.engine`) does the work, or testinfra's own backends when `--engine testinfra` asks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from checker.errors import TargetError, TargetTimeout
from checker.spec import Node, TargetSpec


def run_script(where: TargetSpec | Node, script: str, timeout: float = 600) -> tuple[int, str, str]:
    """Run a bash script as `bash -e` on a node (a target: its primary node), through the engine.

    Returns:
        The exit code, standard output and standard error (decoded as the engine decodes).

    Raises:
        TargetError: the node could not be reached (the engine's `EngineError`), or
            `TargetTimeout`: the script outlived `timeout`.
    """
    from checker.engine import CommandTimeout, open_host

    node = where.primary if isinstance(where, TargetSpec) else where
    # A quoted heredoc with a delimiter no script can guess passes the script through untouched.
    delimiter = f"K2C_SCRIPT_{secrets.token_hex(8)}"
    command = f"bash -e -s <<'{delimiter}'\n{script.rstrip()}\n{delimiter}"
    try:
        host = open_host(node, timeout=timeout)
        try:
            result = host.run(command)
        finally:
            host.backend.close()
    except CommandTimeout as exc:
        raise TargetTimeout(f"{node.spec}: the script did not finish within {timeout:g} s") from exc
    return result.rc, result.stdout, result.stderr


def ensure_reachable(target: TargetSpec) -> None:
    """Fail with a one-line, actionable message unless every node of the target answers.

    Raises:
        TargetError: a container is missing or stopped, or a host does not answer.
    """
    for node in target.nodes:
        _ensure_node(node)


def _ensure_node(node: Node) -> None:
    if node.scheme == "docker":
        from checker.environments import container_state

        state = container_state(node.name)
        if state is None:
            raise TargetError(
                f"container {node.name!r} does not exist: start it with "
                "`lab start <lab>` or name a running one with --target"
            )
        if state != "running":
            raise TargetError(
                f"container {node.name!r} is {state}: `docker start "
                f"{node.name}` or `lab reset <lab>`"
            )
        return
    if node.scheme == "kube":
        code, _, err = run_script(node, "kubectl --request-timeout=15s get --raw /version", 60)
        if code != 0:
            last = err.strip().splitlines()[-1] if err.strip() else f"exit code {code}"
            raise TargetError(
                f"the cluster of {node.spec} does not answer: {last} (`lab start` a course "
                "cluster, or check the kubeconfig and context)"
            )
        return
    code, _, err = run_script(node, "true", timeout=30)
    if code != 0:
        last = err.strip().splitlines()[-1] if err.strip() else f"exit code {code}"
        raise TargetError(f"{node.spec} does not answer: {last}")


def warm_hosts(targets: Iterable[TargetSpec], engine: str) -> None:
    """Start opening every node's session in the background, all at once (persistent engine).

    A class then costs its slowest target to open, not the sum, and each target is still waited
    for only when its checks need it, so a hung one is blamed alone.
    """
    if engine == "persistent":
        from checker.engine import warm

        warm(node for target in targets for node in target.nodes)


def open_node(node: Node, engine: str) -> Any:
    """The testinfra Host of one node (the persistent engine's shared one, once warm).

    Raises:
        checker.engine.EngineError: the persistent engine could not open the session.
    """
    if engine == "testinfra":
        import testinfra

        from checker.engine.text import adopt

        host = testinfra.get_host(node.spec)
        adopt(host.backend)  # decode as the persistent engine does: never crash on a byte
        return host
    from checker.engine import connect

    return connect(node)
