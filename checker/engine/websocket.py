"""The WebSocket framing of RFC 6455, as much of it as a client of one server needs.

Pure bytes in, bytes out: the opening handshake's key and the answer that proves the server read
it, client frames (always masked, as the RFC requires of a client), and a reader that cuts what
the server sends into messages (fragments joined, control frames passed on between them).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import NamedTuple

CONTINUATION = 0x0
TEXT = 0x1
BINARY = 0x2
CLOSE = 0x8
PING = 0x9
PONG = 0xA
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ProtocolError(ConnectionError):
    """The server sent what is not a WebSocket frame we can read: the connection is broken."""


class Message(NamedTuple):
    """One whole message (or control frame) from the server."""

    opcode: int
    payload: bytes


def handshake_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes, base64."""
    return base64.b64encode(secrets.token_bytes(16)).decode()


def accept_for(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server must answer to ``key``.

    >>> accept_for("dGhlIHNhbXBsZSBub25jZQ==")  # the example of RFC 6455, section 1.3
    's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
    """
    return base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()


def mask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte ``key`` repeated (masking and unmasking are the same).

    >>> mask(mask(b"hello", b"abcd"), b"abcd")
    b'hello'
    """
    if not payload:
        return b""
    size = len(payload)
    stream = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(size, "big")


def client_frame(opcode: int, payload: bytes, key: bytes | None = None) -> bytes:
    r"""One final, masked frame (``key``: the masking key, random unless given).

    >>> client_frame(TEXT, b"Hello", b"\x37\xfa\x21\x3d")  # RFC 6455, section 5.7
    b'\x81\x857\xfa!=\x7f\x9fMQX'
    """
    key = secrets.token_bytes(4) if key is None else key
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, 0x80 | size))
    elif size < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    return head + key + mask(payload, key)


class Reader:
    """Cut the server's byte stream into messages, whatever the chunks it arrives in."""

    def __init__(self) -> None:
        """Start with nothing buffered."""
        self._buf = bytearray()
        self._parts: list[bytes] = []  # fragments of the message being received
        self._opcode = 0  # its opcode

    def feed(self, data: bytes | bytearray) -> list[Message]:
        """Add bytes from the server; return every message they complete, in order.

        Raises:
            ProtocolError: a frame that breaks the RFC (a fragmented control frame, a
                continuation that continues nothing, reserved bits set).
        """
        self._buf += data
        messages = []
        start = 0
        while (frame := _parse(self._buf, start)) is not None:
            fin, opcode, payload, start = frame
            if opcode >= CLOSE:
                if not fin or len(payload) > 125:
                    raise ProtocolError("a control frame must be whole and at most 125 bytes")
                messages.append(Message(opcode, payload))
                continue
            if (opcode == CONTINUATION) != bool(self._parts):
                raise ProtocolError("a continuation frame must continue a fragmented message")
            if opcode != CONTINUATION:
                self._opcode = opcode
            self._parts.append(payload)
            if fin:
                messages.append(Message(self._opcode, b"".join(self._parts)))
                self._parts.clear()
        del self._buf[:start]
        return messages


def _parse(buf: bytearray, start: int) -> tuple[bool, int, bytes, int] | None:
    """The frame at ``start``, if whole: final?, opcode, unmasked payload, where the next starts."""
    if len(buf) - start < 2:
        return None
    first, second = buf[start], buf[start + 1]
    if first & 0x70:
        raise ProtocolError("reserved bits set: no extension was negotiated")
    size = second & 0x7F
    at = start + 2
    if size >= 126:
        width = 2 if size == 126 else 8
        if len(buf) - at < width:
            return None
        size = int.from_bytes(buf[at : at + width], "big")
        at += width
    key = b""
    if second & 0x80:  # servers must not mask; read it anyway
        key, at = bytes(buf[at : at + 4]), at + 4
    if len(buf) < at + size:
        return None
    payload = bytes(buf[at : at + size])
    return bool(first & 0x80), first & 0x0F, mask(payload, key) if key else payload, at + size
