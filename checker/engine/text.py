r"""How the engine turns target output into text and commands into bytes: one way, everywhere.

A learner's machine prints bytes, and a learner can plant any bytes in what a check reads (a file
named ``x\377`` in /var/run/netns, a hostname that is not UTF-8). Output is decoded as UTF-8,
each byte that is not part of valid UTF-8 becoming U+FFFD, so decoding never raises and a stray
byte can only show as a replacement character: it can never turn a check into a crash. The exact
bytes stay available (``stdout_bytes``). The target's own idea of its encoding is never asked:
testinfra would ask the target's python, which the learner controls.
"""

from __future__ import annotations

from typing import Any

ENCODING = "utf-8"


def decode(data: bytes) -> str:
    r"""Return the text of a target's output; bytes that are not UTF-8 become U+FFFD.

    >>> decode(b"red\nx\xff\n")
    'red\nx\ufffd\n'
    """
    return data.decode(ENCODING, "replace")


def encode(text: str) -> bytes:
    r"""Return the bytes of a command; a str made with ``surrogateescape`` gets its bytes back.

    >>> encode("ls x\udcff")
    b'ls x\xff'
    """
    return text.encode(ENCODING, "surrogateescape")


def adopt(backend: Any) -> Any:
    """Make a stock testinfra backend decode and encode as the engine does; return it.

    Used for the ``testinfra`` engine, whose backends would otherwise decode strictly with an
    encoding the target's python reports.
    """
    backend._encoding = ENCODING
    backend.decode = decode
    backend.encode = encode
    return backend
