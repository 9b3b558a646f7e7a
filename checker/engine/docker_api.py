"""``docker exec -i`` spoken straight to the Docker Engine API over its unix socket.

Same exec as the docker CLI (so the shell keeps the container's cgroup, seccomp profile and
capabilities), minus one Go client process per target: opening a hundred sessions at once costs
about half as much. Used only when the engine is a local unix socket; otherwise the CLI is used.
"""

import contextlib
import json
import os
import socket
import urllib.parse
from pathlib import Path

from checker.engine.channels import STDERR, STDOUT, Channel
from checker.engine.errors import TargetUnreachable

_DEFAULT_SOCKET = "/var/run/docker.sock"
_READ_SIZE = 1 << 18


def local_socket() -> str | None:
    """Return the Docker engine's unix socket path, or ``None`` when the CLI must be used.

    The CLI stays in charge whenever ``DOCKER_HOST`` is not a unix socket or a docker context is
    selected (tcp, ssh and TLS setups are its business).
    """
    if os.environ.get("DOCKER_CONTEXT"):
        return None
    host = os.environ.get("DOCKER_HOST", "")
    if host:
        return host[len("unix://") :] if host.startswith("unix://") else None
    config = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "config.json"
    try:
        context = json.loads(config.read_text()).get("currentContext", "default")
    except (OSError, ValueError):
        context = "default"
    if context not in ("", "default"):
        return None
    return _DEFAULT_SOCKET if os.access(_DEFAULT_SOCKET, os.R_OK | os.W_OK) else None


class DockerApiChannel(Channel):
    """An exec session on one hijacked API connection, stdout and stderr demultiplexed."""

    def __init__(self, sock: socket.socket, pending: bytes) -> None:
        """Wrap a connection already upgraded to the raw exec stream."""
        self._sock = sock
        self._sock.setblocking(False)
        self._buf = bytearray(pending)
        self.read_fds = (sock.fileno(),)
        self.write_fd = sock.fileno()

    @classmethod
    def open(
        cls, path: str, container: str, argv: list[str], user: str | None, timeout: float
    ) -> "DockerApiChannel":
        """Create and start an exec of ``argv`` in ``container``.

        Raises:
            TargetUnreachable: no such container, not running, or the engine refused.
            OSError: the socket could not be reached (the caller falls back to the CLI).
        """
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            config = {
                "AttachStdin": True,
                "AttachStdout": True,
                "AttachStderr": True,
                "Tty": False,
                "Cmd": argv,
            }
            if user:
                config["User"] = user
            name = urllib.parse.quote(container, safe="")
            status, body, _ = _request(sock, f"/containers/{name}/exec", config)
            if status != 201:
                raise TargetUnreachable(f"docker://{container}: {_api_message(body)}")
            exec_id = json.loads(body)["Id"]
            status, body, rest = _request(
                sock, f"/exec/{exec_id}/start", {"Detach": False, "Tty": False}, upgrade=True
            )
            if status not in (101, 200):
                raise TargetUnreachable(f"docker://{container}: {_api_message(body)}")
        except BaseException:
            sock.close()
            raise
        return cls(sock, rest)

    def read(self, fd: int) -> list[tuple[int, bytes]] | None:
        """Read and demultiplex: each record is an 8-byte header (stream, size) then the data."""
        try:
            data = self._sock.recv(_READ_SIZE)
        except BlockingIOError:
            return []
        if not data:
            return None
        self._buf += data
        chunks = []
        while len(self._buf) >= 8:
            size = int.from_bytes(self._buf[4:8], "big")
            if len(self._buf) < 8 + size:
                break
            stream = STDERR if self._buf[0] == STDERR else STDOUT
            chunks.append((stream, bytes(self._buf[8 : 8 + size])))
            del self._buf[: 8 + size]
        return chunks

    def write(self, data: memoryview) -> int:
        """Send stdin bytes."""
        try:
            return self._sock.send(data)
        except BlockingIOError:
            return 0

    def close(self) -> None:
        """Half-close: the engine closes the shell's stdin, the shell exits."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)
        self._sock.close()

    def kill(self) -> None:
        """Drop the connection."""
        self._sock.close()


def _request(
    sock: socket.socket, path: str, payload: dict[str, object], *, upgrade: bool = False
) -> tuple[int, bytes, bytes]:
    """POST JSON on a kept-alive connection; return status, body and bytes read past it."""
    body = json.dumps(payload).encode()
    headers = [
        f"POST {path} HTTP/1.1",
        "Host: docker",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if upgrade:
        headers += ["Connection: Upgrade", "Upgrade: tcp"]
    sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += _recv(sock)
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    if status == 101 or (upgrade and status == 200):
        return status, b"", rest
    if fields.get("transfer-encoding", "").lower() == "chunked":
        return status, *_read_chunked(sock, rest)
    length = int(fields.get("content-length", "0"))
    while len(rest) < length:
        rest += _recv(sock)
    return status, rest[:length], rest[length:]


def _read_chunked(sock: socket.socket, buf: bytes) -> tuple[bytes, bytes]:
    """Decode a chunked body; return it and the bytes that follow."""
    body = b""
    while True:
        while b"\r\n" not in buf:
            buf += _recv(sock)
        size_line, buf = buf.split(b"\r\n", 1)
        size = int(size_line.split(b";")[0], 16)
        while len(buf) < size + 2:
            buf += _recv(sock)
        body, buf = body + buf[:size], buf[size + 2 :]
        if size == 0:
            return body, buf


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the Docker engine closed the connection")
    return data


def _api_message(body: bytes) -> str:
    """The engine's error message ("No such container: x", "... is not running")."""
    try:
        return str(json.loads(body)["message"])
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip() or "the Docker engine refused the exec"
