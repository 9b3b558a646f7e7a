"""A resident checker: the watch's session, kept for the next one-shot `lab check`.

A one-shot `lab check` is mostly start-up (the interpreter, the imports, pytest's start and the
collection). After a check of every task over the persistent engine, `lab check` leaves a
resident checker behind: `python -m checker.resident LAB_DIR SPEC` runs the watch loop
(`checker.watch`) with no pause of its own: it waits on a Unix socket, and each request gets a
fresh cycle of every check, run on the shell it keeps open. The next `lab check` of that lab
and target asks it, and so pays only for its own imports and one cycle.

It is kept safe by construction:

- the socket lives in a folder only its user can enter (`$XDG_RUNTIME_DIR/kernel-to-cloud`,
  else `/tmp/kernel-to-cloud-<uid>`, mode 0700), one socket per lab folder and target;
- every request carries a fingerprint of what the checks are made of (the lab's manifest and
  checks, and the checker's own modules: names, sizes, modification times); a resident checker
  whose fingerprint differs answers "stale" and exits, and the client checks in-process;
- a cycle that finds the target's shell gone (the learner reset the environment) is run once
  more on a new shell before it is answered;
- it exits after `IDLE` seconds without a request, when asked (`lab finish`), and on any error;
  a client that gets no valid answer simply checks in-process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from checker.manifest import Lab
from checker.report import Report

IDLE = 600.0  # seconds a resident checker waits for a request before it exits
ANSWER_TIMEOUT = 120.0  # seconds a client waits for a cycle
_CHECKER = Path(__file__).resolve().parent


def runtime_dir() -> Path:
    """The private folder of this user's sockets (created 0700 when missing)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(base) / "kernel-to-cloud" if base else Path(f"/tmp/kernel-to-cloud-{os.getuid()}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{folder} is not private to this user")
    return folder


def socket_path(lab: Lab, spec: str) -> Path:
    """The socket of the resident checker of this lab folder and target."""
    key = hashlib.sha256(f"{lab.path}\0{spec}".encode()).hexdigest()[:20]
    return runtime_dir() / f"{key}.sock"


def fingerprint(lab: Lab) -> str:
    """What the checks are made of: the lab's manifest and checks, and the checker's modules."""
    digest = hashlib.sha256()
    files = [lab.path / "lab.yaml", *sorted(lab.checks_dir.rglob("*.py"))]
    files += sorted(_CHECKER.rglob("*.py"))
    for path in files:
        try:
            info = path.stat()
        except OSError:
            continue
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def ask(lab: Lab, spec: str, timeout: float = ANSWER_TIMEOUT) -> Report | None:
    """Ask the resident checker of this lab and target for a fresh report; None if there is none.

    Any failure (no socket, no answer, a stale or garbled answer) is None: the caller then
    checks in-process, as if no resident checker existed.
    """
    try:
        path = socket_path(lab, spec)
        if not path.exists():
            return None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(timeout)
            client.connect(str(path))
            client.sendall(json.dumps({"fingerprint": fingerprint(lab)}).encode() + b"\n")
            answer = _read_line(client)
        data = json.loads(answer)
        return Report.from_dict(data["report"]) if "report" in data else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stop(lab: Lab, spec: str) -> bool:
    """Ask the resident checker of this lab and target to exit; True when one answered."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(5)
            client.connect(str(socket_path(lab, spec)))
            client.sendall(b'{"stop": true}\n')
            _read_line(client)
        return True
    except (OSError, ValueError):
        return False


def spawn(lab: Lab, spec: str) -> None:
    """Start a resident checker for this lab and target in the background (detached)."""
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", "checker.resident", str(lab.path), spec],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )


def _read_line(connection: socket.socket, limit: int = 64 << 20) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            raise ValueError("answer too long")
    return data


class _Server:
    """The socket side of the loop: each request is answered with the next cycle's report."""

    def __init__(self, lab: Lab, spec: str, listener: socket.socket) -> None:
        self.lab, self.spec, self.listener = lab, spec, listener
        self.mine = fingerprint(lab)
        self.client: socket.socket | None = None
        self.retried = False

    def on_cycle(self, cycle: Any) -> None:
        """Answer the waiting client, unless the shell was lost and one more cycle is due."""
        from checker.watch import _lost

        if self.client is None:
            return  # the warm-up cycle, run before any request
        if (_lost(cycle.report) or not cycle.report.gradable) and not self.retried:
            self.retried = True  # the next cycle runs on a new shell: answer with it
            return
        with contextlib.suppress(OSError):
            self.client.sendall(json.dumps({"report": cycle.report.to_dict()}).encode() + b"\n")
        self._drop()

    def wait(self, _pause: float) -> None:
        """Block until a request asks for a cycle; stop (KeyboardInterrupt) when idle or asked."""
        if self.client is not None:
            return  # a retry is due for the waiting client
        while True:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                raise KeyboardInterrupt from None  # idle: the watch loop ends cleanly
            connection.settimeout(10)
            try:
                request = json.loads(_read_line(connection) or b"{}")
            except (OSError, ValueError):
                connection.close()
                continue
            if request.get("stop") or request.get("fingerprint") != self.mine:
                with contextlib.suppress(OSError):
                    connection.sendall(b'{"stale": true}\n')
                connection.close()
                raise KeyboardInterrupt
            connection.settimeout(ANSWER_TIMEOUT)
            self.client, self.retried = connection, False
            return

    def _drop(self) -> None:
        if self.client is not None:
            self.client.close()
        self.client = None


def serve(lab: Lab, spec: str, idle: float = IDLE) -> None:
    """Run a resident checker until it is idle for `idle` seconds, stale, or asked to stop."""
    from checker.watch import Interval, watch

    path = socket_path(lab, spec)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    inode = -1
    try:
        if path.exists():
            stop(lab, spec)  # an older one (another fingerprint, or a duplicate) steps aside
            path.unlink(missing_ok=True)
        listener.bind(str(path))
        path.chmod(0o600)
        inode = path.stat().st_ino
        listener.listen(8)
        listener.settimeout(idle)
        server = _Server(lab, spec, listener)
        watch(
            lab,
            spec,
            server.on_cycle,
            interval=Interval(0.0, 0.0, 0.0),
            until_passed=False,
            sleep=server.wait,
        )
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            # Only our own socket: a newer resident checker may have replaced it.
            if path.stat().st_ino == inode:
                path.unlink()


def main(argv: list[str] | None = None) -> None:
    """`python -m checker.resident LAB_DIR SPEC`: serve until idle."""
    from checker.manifest import load_lab

    lab_dir, spec = (argv or sys.argv[1:])[:2]
    serve(load_lab(Path(lab_dir)), spec, float(os.environ.get("K2C_RESIDENT_IDLE", IDLE)))


if __name__ == "__main__":
    main()
