"""Targets: the machines checks and solution steps run on, named by testinfra host specs.

`docker://NAME` (the default: a container `lab start` made), `ssh://user@host[:port]?...`
(a VM; testinfra's ssh options such as `ssh_identity_file` and `sudo`), `local://` (inside the
VM itself) and `kubectl://POD?namespace=NS&container=C`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

SCHEMES = ("docker", "ssh", "local", "kubectl")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]+$")


class TargetError(Exception):
    """The target is malformed, missing, stopped or does not answer."""


class TargetTimeout(TargetError):
    """The target answered too slowly, or not at all, within the time allowed."""


@dataclass(frozen=True)
class TargetSpec:
    """A parsed target spec."""

    spec: str
    scheme: str
    name: str  # container, pod or host name; empty for local://
    user: str | None = None
    port: int | None = None
    options: tuple[tuple[str, str], ...] = ()

    def option(self, key: str, default: str | None = None) -> str | None:
        """Return one `?key=value` option of the spec."""
        return dict(self.options).get(key, default)


def parse_spec(spec: str) -> TargetSpec:
    """Parse and validate a target spec.

    >>> parse_spec("docker://k2c-namespaces").name
    'k2c-namespaces'

    Raises:
        TargetError: the spec is not one of the supported forms.
    """
    if "://" not in spec:
        raise TargetError(f"target {spec!r} is not a spec like docker://NAME or ssh://user@host")
    parts = urlsplit(spec)
    scheme = parts.scheme
    if scheme not in SCHEMES:
        raise TargetError(f"target {spec!r}: unknown scheme {scheme!r} (use one of {SCHEMES})")
    options = tuple((key, values[-1]) for key, values in parse_qs(parts.query).items())
    if scheme == "local":
        return TargetSpec(spec, scheme, "", options=options)
    name = parts.hostname or ""
    pattern = _HOST if scheme == "ssh" else _NAME
    if not name or not pattern.match(name) or name.startswith("-"):
        raise TargetError(f"target {spec!r}: {name!r} is not a valid {scheme} name")
    try:
        port = parts.port
    except ValueError as exc:
        raise TargetError(f"target {spec!r}: bad port") from exc
    return TargetSpec(spec, scheme, name, parts.username, port, options)


def run_script(spec: str, script: str, timeout: float = 600) -> tuple[int, str, str]:
    """Run a bash script inside the target as `bash -e`, through a session of the engine.

    Returns:
        The exit code, standard output and standard error (decoded, invalid bytes replaced).

    Raises:
        TargetError: the target could not be reached or the script outlived `timeout`.
    """
    from checker.engine import CommandTimeout, EngineError, open_host

    parse_spec(spec)
    # A quoted heredoc with a delimiter no script can guess passes the script through untouched.
    delimiter = f"K2C_SCRIPT_{secrets.token_hex(8)}"
    command = f"bash -e -s <<'{delimiter}'\n{script.rstrip()}\n{delimiter}"
    try:
        host = open_host(spec, timeout=timeout)
        try:
            result = host.run(command)
        finally:
            host.backend.close()
    except CommandTimeout as exc:
        raise TargetTimeout(f"{spec}: the script did not finish within {timeout:g} s") from exc
    except EngineError as exc:
        raise TargetError(str(exc)) from exc
    return result.rc, result.stdout, result.stderr


def ensure_reachable(spec: str) -> None:
    """Fail with a one-line, actionable message unless the target answers.

    Raises:
        TargetError: the container is missing or stopped, or the host does not answer.
    """
    target = parse_spec(spec)
    if target.scheme == "docker":
        from checker.environments import container_state

        state = container_state(target.name)
        if state is None:
            raise TargetError(
                f"container {target.name!r} does not exist: start it with "
                "`lab start <lab>` or name a running one with --target"
            )
        if state != "running":
            raise TargetError(
                f"container {target.name!r} is {state}: `docker start "
                f"{target.name}` or `lab reset <lab>`"
            )
        return
    code, _, err = run_script(spec, "true", timeout=30)
    if code != 0:
        last = err.strip().splitlines()[-1] if err.strip() else f"exit code {code}"
        raise TargetError(f"{spec} does not answer: {last}")


def warm_hosts(specs: list[str], engine: str) -> None:
    """Start opening every target's session in the background, all at once (persistent engine).

    A class then costs its slowest target to open, not the sum, and each target is still waited
    for only when its checks need it, so a hung one is blamed alone.
    """
    if engine == "persistent":
        from checker.engine import warm

        warm(specs)


def open_target(spec: str, engine: str) -> Any:
    """The testinfra Host of one target (the persistent engine's shared one, once warm).

    Raises:
        checker.engine.EngineError: the persistent engine could not open the session.
    """
    if engine == "testinfra":
        import testinfra

        from checker.engine.text import adopt

        host = testinfra.get_host(spec)
        adopt(host.backend)  # decode as the persistent engine does: never crash on a byte
        return host
    from checker.engine import connect

    return connect(spec)
