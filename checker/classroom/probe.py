"""Whose is an environment? Read from outside, then from inside by the very shell that grades it.

Outside, a container's labels (the nonce `lab class up` seeded) come from the Docker API without
touching it: a stopped container is known at once. Inside, the grading session runs one short
script on the shell its checks then use (`checker.classroom.events`) and hands its output back:
the seeded nonce, the hostname, the machine id and the ssh host keys of the environment that was
graded, at no cost of a connection of its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from checker.classroom.identity import NONCE_LABEL, parse_environ
from checker.classroom.model import Probe, ProbeStatus
from checker.engine.text import decode
from checker.report import clean_text
from checker.spec import TargetSpec


# Each value is hex-dumped by od under a line of its own tag, so no byte of it (a newline in a
# hostname, say) can pose as another value; od reads the files itself (four processes in all)
# and stops at a bound, so a planted giant file cannot swamp the grader.
# (It runs on /bin/sh, as every check does: a wedged /bin/sh is a session that never answers.)
def identity_script(
    environ: str = "/proc/1/environ",
    hostname: str = "od -An -v -tx1 -N 256 /proc/sys/kernel/hostname",
    root: str = "",
) -> str:
    """The identity script, reading PID 1's environment at ``environ`` and files below ``root``.

    The defaults read inside the environment; the examiner reads from outside it
    (`checker.examiner.Examiner.identity_script`). ``hostname`` prints it (od is added when
    it is a plain command).
    """
    if not hostname.startswith("od "):
        hostname = f"{hostname} | od -An -v -tx1 -N 256"
    return (
        f"echo environ=; od -An -v -tx1 -N 262144 {environ} 2>/dev/null\n"
        f"echo hostname=; {hostname} 2>/dev/null\n"
        f"echo machine_id=; od -An -v -tx1 -N 64 {root}/etc/machine-id 2>/dev/null\n"
        f"echo host_keys=; od -An -v -tx1 -N 65536 {root}/etc/ssh/ssh_host_*_key.pub 2>/dev/null\n"
    )


IDENTITY_SCRIPT = identity_script()


def look_outside(target: TargetSpec, *, fresh: bool = False) -> Probe:
    """What can be known of a target without entering it; never raises for its faults.

    Every container and pod node is looked at (a target of several is unreachable when one is):
    a pod is read from the cluster's API (`classroom.kube.look`, afresh when `fresh`, else at
    most a few seconds old); the nonce label is the primary node's.
    """
    label_nonce = ""
    for node in target.nodes:
        if node.scheme == "kubectl":
            from checker.classroom import kube

            pod = kube.look(node, fresh=fresh)
            if isinstance(pod, str):
                return Probe(target.spec, ProbeStatus.UNREACHABLE, pod)
            if node is target.primary:
                label_nonce = pod.get(kube.NONCE_LABEL, "")
            continue
        if node.scheme != "docker":
            continue
        outside = _inspect(node.name)
        if isinstance(outside, str):
            return Probe(target.spec, ProbeStatus.UNREACHABLE, outside)
        if node is target.primary:
            label_nonce = outside.get(NONCE_LABEL, "")
    return Probe(target.spec, ProbeStatus.OK, label_nonce=label_nonce)


def identify(found: Probe, output: str, error: str = "", *, timed_out: bool = False) -> Probe:
    """Add what the identity script printed inside the target (or why it could not run).

    Args:
        found: what was known from outside.
        output: the script's standard output.
        error: why the script did not run, when it did not.
        timed_out: the target did not answer in time (rather than not at all).
    """
    if error or "environ=" not in output:
        why = error or "the identity script printed nothing: is /bin/sh broken?"
        return replace(
            found,
            status=ProbeStatus.TIMEOUT if timed_out else ProbeStatus.UNREACHABLE,
            error=clean_text(f"{found.spec}: {why}", 300),
        )
    values = parse_dump(output)
    keys = values.get("host_keys", b"")
    return replace(
        found,
        identified=True,
        nonce=parse_environ(values.get("environ", b"")),
        hostname=_text(values.get("hostname", b""), 256),
        machine_id=_text(values.get("machine_id", b""), 64),
        host_keys=hashlib.sha256(keys).hexdigest() if keys.strip() else "",
    )


_TAG = re.compile(r"([a-z_]+)=")
_HEX = re.compile(r"[0-9a-f \t]*")


def parse_dump(out: str) -> dict[str, bytes]:
    r"""The values of the identity script's output: a tag line, then od's hex lines of its value.

    Any other line ends the value it interrupts, and a tag said twice keeps its first value:
    whatever else prints there cannot change what was read.

    >>> parse_dump("environ=\n 41 3d 31 00\n 42\nhostname=\nhostname=\n 78\n")
    {'environ': b'A=1\x00B', 'hostname': b''}
    """
    values: dict[str, bytes] = {}
    tag: str | None = None
    chunks: list[str] = []
    for line in [*out.splitlines(), ""]:
        if tag is not None and line and _HEX.fullmatch(line):
            chunks.append(line)
            continue
        if tag is not None:
            values.setdefault(tag, _unhex("".join(chunks)))
        found = _TAG.fullmatch(line)
        tag, chunks = (found.group(1), []) if found else (None, [])
    return values


def _unhex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:  # an odd digit out: not od's output
        return b""


def _text(value: bytes, limit: int) -> str:
    return clean_text(decode(value), limit).strip()


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
