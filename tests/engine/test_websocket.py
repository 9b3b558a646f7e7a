"""The WebSocket framing, on RFC 6455's own byte sequences."""

import pytest

from checker.engine import websocket

HELLO = bytes.fromhex("810548656c6c6f")  # RFC 6455 5.7: a single-frame unmasked text message


def test_the_handshake_answer_is_the_rfc_s():
    assert websocket.accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert websocket.handshake_key() != websocket.handshake_key()


def test_a_client_frame_is_masked_as_the_rfc_shows():
    masked = websocket.client_frame(websocket.TEXT, b"Hello", bytes.fromhex("37fa213d"))
    assert masked == bytes.fromhex("818537fa213d7f9f4d5158")
    # Without a key given, each frame gets a fresh random one.
    assert websocket.client_frame(websocket.BINARY, b"x") != websocket.client_frame(
        websocket.BINARY, b"x"
    )


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 3 << 20])
def test_frames_of_every_length_read_back(size):
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    frame = websocket.client_frame(websocket.BINARY, payload)
    header = {True: 2, False: 4 if size < 65536 else 10}[size < 126] + 4
    assert len(frame) == header + size
    assert websocket.Reader().feed(frame) == [(websocket.BINARY, payload)]


def test_the_reader_takes_any_chunks():
    stream = (
        HELLO
        + bytes.fromhex("010348656c")  # "Hel", not final
        + bytes.fromhex("890548656c6c6f")  # a ping in the middle of the message
        + bytes.fromhex("80026c6f")  # "lo", final
        + bytes.fromhex("827e0100")
        + bytes(256)  # 256 bytes, 16-bit length
        + bytes.fromhex("827f0000000000010000")
        + bytes(65536)  # 64 KiB, 64-bit length
        + bytes.fromhex("888281371b00")  # a masked close frame from a server, read anyway
        + websocket.mask(b"\x03\xe8", bytes.fromhex("81371b00"))
    )
    expected = [
        (websocket.TEXT, b"Hello"),
        (websocket.PING, b"Hello"),
        (websocket.TEXT, b"Hello"),
        (websocket.BINARY, bytes(256)),
        (websocket.BINARY, bytes(65536)),
    ]
    assert websocket.Reader().feed(stream)[:5] == expected
    reader = websocket.Reader()
    one_by_one = [message for byte in stream for message in reader.feed(bytes([byte]))]
    assert one_by_one[:5] == expected
    assert one_by_one[5:] == [(websocket.CLOSE, b"\x03\xe8")]


@pytest.mark.parametrize(
    "broken",
    [
        bytes.fromhex("c10548656c6c6f"),  # a reserved bit set
        bytes.fromhex("80026c6f"),  # a continuation of nothing
        bytes.fromhex("0900"),  # a fragmented control frame
        bytes.fromhex("010148") + HELLO,  # a new message before the last one ended
    ],
)
def test_what_breaks_the_rfc_is_a_protocol_error(broken):
    with pytest.raises(websocket.ProtocolError):
        websocket.Reader().feed(broken)


def test_a_protocol_error_is_a_broken_connection_to_the_session():
    assert issubclass(websocket.ProtocolError, OSError)
