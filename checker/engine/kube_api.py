"""``kubectl exec -i`` without kubectl: the API server's exec of a pod, over a WebSocket.

A persistent session through ``kubectl exec`` pays for a Go program per pod (measured on the
2-core grader: 0.97 s per session at load 36, 0.67 s of it kubectl starting; 0.15 to 0.17 s
quiet); the same exec asked of the API server directly costs one TLS connection (0.13 s at load
36, 0.05 s quiet). The exec is the API's own
(``GET /api/v1/namespaces/NS/pods/POD/exec?command=...&stdin=true&stdout=true&stderr=true``,
upgraded to a WebSocket, subprotocol ``v5.channel.k8s.io`` or ``v4.channel.k8s.io``): every
message starts with its channel, 0 stdin, 1 stdout, 2 stderr, 3 the exec's status as JSON. The
shell, its cgroup and its security context are the pod's, exactly as with kubectl.

The path is chosen once per target (`checker.engine.shells.KubectlShell.from_node`): this one
when `checker.engine.kubeconfig.api_access` can read the kubeconfig's context; ``kubectl exec``
when the kubeconfig needs what a small client should not reimplement (an ``exec`` credential
plugin, an ``auth-provider``, a proxy, impersonation...), when ``K2C_KUBE_EXEC=kubectl`` asks
for it, and for one session whose exec the API server forbids (403: kubectl asks with another
verb, ``create``, which some roles allow alone).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import time
from collections.abc import Sequence
from urllib.parse import quote, urlencode

from checker.engine import websocket
from checker.engine.channels import STDERR, STDOUT, Channel
from checker.engine.errors import CommandTimeout, TargetUnreachable
from checker.engine.kubeconfig import ApiAccess

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STATUS = 0, 3
_CLOSE_SIGNAL = 255  # v5: "close this channel" (stdin), so the shell sees EOF
_READ_SIZE = 1 << 18
_WRITE_SIZE = 1 << 16  # stdin bytes per WebSocket message
_SEND_SIZE = 1 << 18  # bytes offered to the socket at once


class Forbidden(TargetUnreachable):
    """The API server refused this exec (403): kubectl may still be allowed it."""


def exit_status(status: bytes) -> tuple[int | None, str]:
    """The exit code and message of a v4 status message (code 0 on Success, None if not said).

    >>> exit_status(b'{"status":"Success"}')
    (0, '')
    >>> exit_status(b'{"status":"Failure","message":"command terminated with non-zero exit '
    ...     b'code","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode",'
    ...     b'"message":"3"}]}}')
    (3, 'command terminated with non-zero exit code')
    >>> exit_status(b'{"status":"Failure","message":"container not found"}')
    (None, 'container not found')
    """
    try:
        found = json.loads(status)
    except ValueError:
        return None, status.decode("utf-8", "replace").strip()
    if not isinstance(found, dict):
        return None, str(found)
    if found.get("status") == "Success":
        return 0, ""
    message = str(found.get("message") or found.get("reason") or "the exec failed")
    for cause in (found.get("details") or {}).get("causes") or ():
        if isinstance(cause, dict) and cause.get("reason") == "ExitCode":
            with contextlib.suppress(ValueError, TypeError):
                return int(str(cause.get("message"))), message
    return None, message


def exec_path(
    access: ApiAccess, namespace: str, pod: str, container: str | None, argv: Sequence[str]
) -> str:
    """The request path of an exec of ``argv`` in a pod, with stdin, stdout and stderr."""
    query: list[tuple[str, str]] = [("command", word) for word in argv]
    query += [("stdin", "true"), ("stdout", "true"), ("stderr", "true")]
    if container:
        query.append(("container", container))
    where = f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/exec"
    return f"{access.prefix}{where}?{urlencode(query)}"


class KubeApiChannel(Channel):
    """A shell in a pod on one WebSocket: stdin framed out, stdout and stderr demultiplexed.

    The socket is non-blocking once open. Bytes of a frame that TLS could not take at once wait
    in ``_wire`` and are offered again, unchanged, before any new stdin is taken (what TLS asks
    of a writer that must retry); stdin bytes count as written only once their frame is sent.
    """

    def __init__(self, sock: socket.socket, protocol: str, pending: bytes) -> None:
        """Wrap a connection already upgraded to the WebSocket."""
        self._sock = sock
        self._sock.setblocking(False)
        self.protocol = protocol
        self._reader = websocket.Reader()
        self._early = pending  # frames that came with the upgrade's answer
        self._wire = bytearray()  # framed bytes not yet sent
        self._retry = 0  # the length TLS was last offered and refused
        self._owed = 0  # stdin bytes framed into _wire, not yet reported written
        self._closed = False
        self.read_fds = (sock.fileno(),)
        self.write_fd = sock.fileno()

    @classmethod
    def open(
        cls,
        access: ApiAccess,
        namespace: str,
        pod: str,
        container: str | None,
        argv: Sequence[str],
        timeout: float,
        spec: str,
    ) -> KubeApiChannel:
        """Connect, upgrade to the exec's WebSocket and return the channel.

        Raises:
            TargetUnreachable: the API server cannot be reached, refuses the credentials, has
                no such pod, or cannot exec in it (not running, no such container); `Forbidden`
                when it forbids the exec.
            CommandTimeout: the API server did not answer within ``timeout``.
        """
        where = f"https://{access.netloc}" if access.tls else f"http://{access.netloc}"
        try:
            authorization = access.authorization()
        except OSError as exc:
            raise TargetUnreachable(
                f"{spec}: the kubeconfig's token file: {_reason(exc)}"
            ) from None
        deadline = time.monotonic() + timeout
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection((access.host, access.port), timeout=timeout)
            if access.tls is not None:
                sock = access.tls.wrap_socket(sock, server_hostname=access.server_name)
            key = websocket.handshake_key()
            headers = [
                f"GET {exec_path(access, namespace, pod, container, argv)} HTTP/1.1",
                f"Host: {access.netloc}",
                "User-Agent: kernel-to-cloud",
                "Connection: Upgrade",
                "Upgrade: websocket",
                "Sec-WebSocket-Version: 13",
                f"Sec-WebSocket-Key: {key}",
                f"Sec-WebSocket-Protocol: {', '.join(PROTOCOLS)}",
            ]
            if authorization:
                headers.append(f"Authorization: {authorization}")
            sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
            status, fields, rest = _read_head(sock, deadline)
            if status != 101:
                body = _read_body(sock, fields, rest, deadline)
                raise _refusal(spec, status, body)
            if fields.get("sec-websocket-accept") != websocket.accept_for(key):
                raise TargetUnreachable(f"{spec}: the API server's answer is not a WebSocket")
            protocol = fields.get("sec-websocket-protocol", "")
        except TimeoutError:
            if sock is not None:
                sock.close()
            raise CommandTimeout(
                f"{spec}: the API server at {where} did not answer within {timeout:g} s"
            ) from None
        except OSError as exc:
            if sock is not None:
                sock.close()
            raise TargetUnreachable(
                f"{spec}: cannot reach the API server at {where}: {_reason(exc)}"
            ) from None
        except BaseException:
            if sock is not None:
                sock.close()
            raise
        return cls(sock, protocol, rest)

    def read(self, fd: int) -> list[tuple[int, bytes]] | None:
        """Read what the server sent: stdout and stderr chunks; ``None`` once the exec ended."""
        data, ended = bytearray(self._early), self._closed
        self._early = b""
        while not ended:
            try:
                chunk = self._sock.recv(_READ_SIZE)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                break
            if not chunk:
                ended = True
            data += chunk
        chunks: list[tuple[int, bytes]] = []
        for message in self._reader.feed(data):
            if message.opcode == websocket.CLOSE:
                ended = True
                self._send_control(websocket.CLOSE, message.payload[:2])
            elif message.opcode == websocket.PING:
                self._send_control(websocket.PONG, message.payload)
            elif message.opcode in (websocket.BINARY, websocket.TEXT) and message.payload:
                channel, payload = message.payload[0], message.payload[1:]
                if channel == STATUS:
                    chunks += _status_said(payload)
                elif channel in (STDOUT, STDERR) and payload:
                    chunks.append((channel, payload))
        self._closed = ended
        if ended and not chunks:
            return None
        return chunks

    def write(self, data: memoryview) -> int:
        """Send stdin as channel-0 messages; return how many bytes of ``data`` are sent."""
        if not self._flush():
            return 0
        if self._owed:  # the frame of these bytes left after all
            owed, self._owed = self._owed, 0
            return owed
        chunk = bytes(data[:_WRITE_SIZE])
        self._wire += websocket.client_frame(websocket.BINARY, bytes((STDIN,)) + chunk)
        if self._flush():
            return len(chunk)
        self._owed = len(chunk)
        return 0

    def _flush(self) -> bool:
        """Send what waits in ``_wire`` as far as the socket takes it; True once all is sent.

        Raises:
            OSError: the connection is gone.
        """
        while self._wire:
            size = self._retry or min(len(self._wire), _SEND_SIZE)
            try:
                sent = self._sock.send(self._wire[:size])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
                self._retry = size
                return False
            self._retry = 0
            del self._wire[:sent]
        return True

    def _send_control(self, opcode: int, payload: bytes) -> None:
        """Queue a pong or a close (after any frame in flight) and try to send it now."""
        self._wire += websocket.client_frame(opcode, payload)
        with contextlib.suppress(OSError):
            self._flush()

    def close(self) -> None:
        """Tell the server stdin is done (v5), then close: the shell sees EOF and exits."""
        with contextlib.suppress(OSError):
            if self.protocol.startswith("v5."):
                self._wire += websocket.client_frame(
                    websocket.BINARY, bytes((_CLOSE_SIGNAL, STDIN))
                )
            self._wire += websocket.client_frame(websocket.CLOSE, (1000).to_bytes(2, "big"))
            self._flush()
        self._sock.close()

    def kill(self) -> None:
        """Drop the connection."""
        self._sock.close()


def _status_said(status: bytes) -> list[tuple[int, bytes]]:
    """What the exec's status says, as kubectl would print it on stderr (nothing on success)."""
    code, message = exit_status(status)
    if code == 0 or not message:
        return []
    if code is not None:
        message = f"command terminated with exit code {code}"
    return [(STDERR, message.encode() + b"\n")]


def _read_head(sock: socket.socket, deadline: float) -> tuple[int, dict[str, str], bytes]:
    """Read an HTTP response's status line and headers; return them and the bytes past them."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += _recv(sock, deadline)
        if len(buf) > 1 << 16:
            raise ConnectionError("the API server's answer has no end of headers")
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise ConnectionError(f"not an HTTP answer: {lines[0][:80]!r}") from None
    fields = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    if isinstance(sock, ssl.SSLSocket):  # TLS may hold decrypted bytes no poll would announce
        while sock.pending():
            rest += sock.recv(sock.pending())
    return status, fields, rest


def _read_body(sock: socket.socket, fields: dict[str, str], rest: bytes, deadline: float) -> bytes:
    """The body of a (small) error answer: by its length, chunked, or up to the connection's end."""
    limit = 1 << 16
    if "content-length" in fields:
        length = min(int(fields["content-length"]), limit)
        while len(rest) < length:
            rest += _recv(sock, deadline)
        return rest[:length]
    with contextlib.suppress(ConnectionError):
        while len(rest) < limit and not rest.endswith(b"\r\n0\r\n\r\n"):
            rest += _recv(sock, deadline)
    if fields.get("transfer-encoding", "").lower() != "chunked":
        return rest
    body, data = b"", rest
    while b"\r\n" in data:
        size_line, data = data.split(b"\r\n", 1)
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        body, data = body + data[:size], data[size + 2 :]
        if size == 0:
            break
    return body


def _recv(sock: socket.socket, deadline: float) -> bytes:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    sock.settimeout(left)
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the API server closed the connection")
    return data


def _refusal(spec: str, status: int, body: bytes) -> TargetUnreachable:
    """The one-line error of an exec the API server would not start."""
    try:
        found = json.loads(body)
        message = str(found.get("message") or found.get("reason") or "")
    except (ValueError, AttributeError):
        message = body.decode("utf-8", "replace")
    detail = " ".join(message.split())[:300]
    if status == 401:
        detail = f"{detail or 'Unauthorized'} (the kubeconfig's credentials are not this cluster's)"
    error = Forbidden if status == 403 else TargetUnreachable
    return error(
        f"{spec}: the API server answered {status} to the exec" + (f": {detail}" if detail else "")
    )


def _reason(exc: OSError) -> str:
    """An OS error in a few words (its strerror, or its text)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"its certificate is not trusted ({exc.verify_message})"
    return exc.strerror or str(exc) or type(exc).__name__
