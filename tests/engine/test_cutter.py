"""The output cutter on its own: frames split anywhere still come out whole."""

import time

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


def test_classifying_a_long_command_takes_linear_time():
    started = time.perf_counter()
    for command in (b"a" * 200_000 + b"|", b"'x' " * 50_000 + b"$", b"x " * 100_000 + b";"):
        frame(command)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("command", "form"),
    [
        (b"test -e '/etc/x y'", b"eval 'test -e '\\''/etc/x y'\\'''"),
        (b"command -v ss", b"eval 'command -v ss'"),
        (b"id -u root", b"( eval 'exec id -u root' )"),
        (b'cat -- "/etc/a b"', b"( eval 'exec cat -- \"/etc/a b\"' )"),
        (b"cd /tmp", b"( eval 'cd /tmp' )"),
        (b"A=1 id", b"( eval 'A=1 id' )"),
        (b"echo $HOME", b"( eval 'echo $HOME' )"),
        (b"ls | wc -l", b"( eval 'ls | wc -l' )"),
        (b"if then", b"( eval 'if then' )"),
    ],
)
def test_each_command_runs_in_the_cheapest_faithful_form(command, form):
    assert form in frame(command).script
