"""The output cutter on its own: frames split anywhere still come out whole."""

import pytest

from checker.engine.framing import Cutter, frame, shell_quote


def stream(token: bytes, payload: bytes, status: int) -> bytes:
    return b"junk" + token + b"s\n" + payload + b"\n" + token + b"e %d\n" % status


@pytest.mark.parametrize("step", [1, 2, 7, 64, 10_000])
def test_frames_fed_in_pieces_come_out_whole(step):
    first, second = frame(b"a").token, frame(b"b").token
    data = stream(first, b"one\n" + second + b"s\n", 0) + stream(second, b"", 3)
    cutter = Cutter()
    taken = []
    for i in range(0, len(data), step):
        cutter.feed(data[i : i + step])
        for token in (first, second)[len(taken) :]:
            result = cutter.take(token, with_status=True)
            if result is None:
                break
            taken.append(result)
    assert taken == [(b"one\n" + second + b"s\n", 0), (b"", 3)]


def test_shell_quote_survives_single_quotes():
    assert shell_quote(b"it's") == b"'it'\\''s'"
