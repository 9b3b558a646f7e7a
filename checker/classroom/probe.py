"""Before grading a target, find out whether it answers in time and whose it is.

One short script per target, bounded by a timeout, reads the identity values the class must not
share (the seeded nonce, the hostname, the machine id, the ssh host keys). A stopped container is
known from the Docker API without touching it; a shell that never answers costs one timeout here
instead of wedging a grading session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from checker.classroom.identity import NONCE_LABEL, parse_environ
from checker.report import clean_text
from checker.targets import TargetError, TargetTimeout, parse_spec, run_script

# Each value on a line of its own after a fixed tag; the environment block is hex-encoded so
# a hostile environment cannot forge the other lines. The first line runs /bin/sh, the shell both
# engines run checks through: a wedged /bin/sh then costs one probe timeout here, not a check
# session stalled on it.
_SCRIPT = r"""
/bin/sh -c 'echo sh=ok' </dev/null
printf 'environ='; od -An -v -tx1 /proc/1/environ 2>/dev/null | tr -d ' \n'; echo
printf 'hostname=%s\n' "$(cat /proc/sys/kernel/hostname 2>/dev/null | head -c 256)"
printf 'machine_id=%s\n' "$(head -c 64 /etc/machine-id 2>/dev/null)"
printf 'host_keys='; cat /etc/ssh/ssh_host_*_key.pub 2>/dev/null | od -An -v -tx1 | tr -d ' \n'
echo
"""


@dataclass(frozen=True)
class Probe:
    """What the probe learnt of one target."""

    spec: str
    status: str  # ok | unreachable | timeout
    error: str = ""
    nonce: str = ""  # found inside the target (/proc/1/environ)
    label_nonce: str = ""  # found outside, on the container (docker targets)
    hostname: str = ""
    machine_id: str = ""
    host_keys: str = ""  # sha256 of the ssh host public keys, '' when there are none


def probe(spec: str, timeout: float) -> Probe:
    """Probe one target; never raises for the target's faults."""
    try:
        target = parse_spec(spec)
    except TargetError as exc:
        return Probe(spec, "unreachable", clean_text(str(exc), 300))
    label_nonce = ""
    if target.scheme == "docker":
        outside = _inspect(target.name)
        if isinstance(outside, str):
            return Probe(spec, "unreachable", outside)
        label_nonce = outside.get(NONCE_LABEL, "")
    try:
        code, out, err = run_script(spec, _SCRIPT, timeout=timeout)
    except TargetError as exc:
        status = "timeout" if isinstance(exc, TargetTimeout) else "unreachable"
        return Probe(spec, status, clean_text(str(exc), 300), label_nonce=label_nonce)
    if code != 0 and "environ=" not in out:
        last = err.strip().splitlines()[-1] if err.strip() else f"exit code {code}"
        return Probe(spec, "unreachable", clean_text(f"{spec} does not answer: {last}", 300),
                     label_nonce=label_nonce)
    values = dict(line.partition("=")[::2] for line in out.splitlines() if "=" in line)
    keys = _unhex(values.get("host_keys", ""))
    return Probe(
        spec, "ok",
        nonce=parse_environ(_unhex(values.get("environ", ""))),
        label_nonce=label_nonce,
        hostname=clean_text(values.get("hostname", ""), 256).strip(),
        machine_id=clean_text(values.get("machine_id", ""), 64).strip(),
        host_keys=hashlib.sha256(keys).hexdigest() if keys.strip() else "",
    )


def _unhex(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        return b""


def _inspect(name: str) -> dict[str, str] | str:
    """The container's labels when it runs; otherwise why it cannot be graded."""
    import docker.errors

    from checker.environments import client

    try:
        container = client().containers.get(name)
    except docker.errors.NotFound:
        return f"container {name!r} does not exist"
    except (docker.errors.DockerException, OSError) as exc:
        return clean_text(f"container {name!r}: {exc}", 300)
    if container.status != "running":
        return f"container {name!r} is {container.status}"
    return dict(container.labels or {})
