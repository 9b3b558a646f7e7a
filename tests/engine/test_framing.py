"""Framing torture tests on the local shell: no Docker needed."""

import contextlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from checker.engine import CommandTimeout, DeadlineExceeded, SessionLost, framing, open_host
from checker.spec import parse_spec

MARKERS = "printf '%s\\n' 0123456789abcdef0123456789abcdefs; echo; printf 'e 0\\n'"


@pytest.fixture
def host():
    """A fresh local Host per test, so a test that kills its session harms no other."""
    host = open_host(parse_spec("local://"), timeout=5)
    yield host
    host.backend.close()


def test_exit_status_stdout_and_stderr_are_kept_apart(host):
    result = host.run("echo out; echo err >&2; echo more; exit 3")
    assert (result.rc, result.stdout, result.stderr) == (3, "out\nmore\n", "err\n")


@pytest.mark.parametrize("status", [0, 1, 2, 126, 127, 255])
def test_exit_statuses_come_back_unchanged(host, status):
    assert host.run("exit %s", str(status)).rc == status


def test_a_command_killed_by_a_signal_reports_128_plus_the_signal(host):
    assert host.run("sh -c 'kill -KILL $$'").rc == 137


def test_every_byte_value_survives(host):
    data = bytes(range(256)) * 4
    octal = "".join(f"\\{b:03o}" for b in range(256))
    result = host.run(f"for i in 1 2 3 4; do printf '{octal}'; done")
    assert result.stdout_bytes == data


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("printf 'no newline'", b"no newline"),
        ("printf ''", b""),
        ("printf '\\n'", b"\n"),
        ("printf '\\n\\n\\n'", b"\n\n\n"),
        ("printf 'a\\r\\n'", b"a\r\n"),
    ],
)
def test_trailing_newlines_are_never_added_or_eaten(host, command, expected):
    assert host.run(command).stdout_bytes == expected


def test_megabytes_of_output_on_both_streams_at_once(host):
    result = host.run("head -c 3000000 /dev/zero | tr '\\0' x; head -c 2000000 /dev/zero >&2")
    assert result.stdout_bytes == b"x" * 3_000_000
    assert result.stderr_bytes == b"\0" * 2_000_000


def test_output_that_looks_like_markers_is_just_output(host):
    assert host.run(MARKERS).stdout == "0123456789abcdef0123456789abcdefs\n\ne 0\n"
    previous = framing.frame(b"true")
    forged = previous.script.decode()
    assert host.run("printf %%s %s %s", forged, forged).stdout == forged + forged


def test_a_command_sees_no_stdin_and_cannot_eat_the_next_command(host):
    assert host.run("cat").stdout == ""
    assert host.run('read -r line; echo "[$line]"').stdout == "[]\n"
    assert host.check_output("echo still here") == "still here"


def test_commands_do_not_leak_state_into_the_next_one(host, tmp_path):
    state = 'pwd; umask; case $- in *e*) echo errexit;; *) echo -;; esac; echo "[${K2C_X-}]"'
    state += '; echo "[${K2C_Y-}]"'
    before = host.check_output(state)
    cwd, mask, errexit, x, y = before.splitlines()
    assert (cwd == str(tmp_path), mask == "0077", errexit, x, y) == (False, False, "-", "[]", "[]")
    host.run("cd %s; K2C_X=1; export K2C_Y=2; set -e; umask 077; exit 4", str(tmp_path))
    # Each piece of state on its own: one leaked piece is enough to fail.
    assert host.check_output(state) == before


def test_a_syntax_error_is_the_command_s_error_not_the_session_s(host):
    result = host.run("if then fi (")
    assert result.rc == 2
    assert "Syntax error" in result.stderr or "syntax error" in result.stderr
    assert host.check_output("echo alive") == "alive"


def test_quotes_newlines_and_unicode_in_commands(host):
    text = 'it\'s "quoted" $HOME `x` \\ back\nslash\tand ünïcödé'
    assert host.check_output("printf %%s %s", text) == text


def test_a_nul_in_a_command_is_refused(host):
    with pytest.raises(ValueError, match="NUL"):
        host.run("echo a\0b")


def test_a_late_background_writer_does_not_pollute_the_next_result(host):
    host.run("(sleep 0.2; echo late; echo late >&2) &")
    time.sleep(0.4)
    result = host.run("echo on time")
    assert (result.stdout, result.stderr) == ("on time\n", "")


def test_a_hung_command_times_out_and_the_next_one_works(host):
    started = time.monotonic()
    with pytest.raises(CommandTimeout, match=r"no answer after 0\.5 s"):
        host.run("sleep 30", timeout=0.5)
    assert time.monotonic() - started < 15  # not the 30 s the command wanted
    assert host.check_output("echo next") == "next"


def test_a_timeout_kills_what_the_command_started(host, tmp_path):
    pidfile = tmp_path / "pid"
    with pytest.raises(CommandTimeout):
        host.run(f"sh -c 'echo $$ >{pidfile}; exec sleep 30'", timeout=0.5)
    stat = Path(f"/proc/{pidfile.read_text().strip()}/stat")

    def alive() -> bool:  # neither gone nor dead unreaped
        with contextlib.suppress(FileNotFoundError):
            return stat.read_text().split()[2] != "Z"
        return False

    deadline = time.monotonic() + 10  # a killed process dies once the kernel runs it again
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive()


def test_a_dead_session_is_reopened_once(host):
    host.run("true")
    os.kill(host.backend.session._channel.pid, signal.SIGKILL)
    assert host.check_output("echo reopened") == "reopened"


def test_a_command_that_kills_its_session_every_time_is_reported(host):
    with pytest.raises(SessionLost, match="died twice"):
        host.run("kill -KILL $$")
    assert host.check_output("echo recovered") == "recovered"


def test_the_time_budget_stops_a_hung_target():
    host = open_host(parse_spec("local://"), timeout=5, budget=1.0)
    try:
        with pytest.raises(DeadlineExceeded):
            host.run("sleep 30")
        with pytest.raises(DeadlineExceeded):
            host.run("true")
    finally:
        host.backend.close()


def test_threads_share_one_session_safely(host):
    errors: list[str] = []

    def worker(n: int) -> None:
        for i in range(40):
            result = host.run("printf %%s %s; printf %%s %s >&2", f"o{n}-{i}", f"e{n}-{i}")
            if (result.stdout, result.stderr) != (f"o{n}-{i}", f"e{n}-{i}"):
                errors.append(f"{n}-{i}: {result}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_detection_probes_are_answered_from_the_first_round_trip(host):
    sent = host.backend.session.commands
    assert host.system_info.type == "linux"
    assert host.system_info.arch
    assert host.exists("command")
    assert host.backend.session.commands == sent


@pytest.mark.parametrize(
    "command", ["k2c-no-such-program --flag", "k2c-no-such-program && echo never"]
)
def test_a_missing_program_exits_127_and_says_not_found(host, command):
    result = host.run(command)
    assert result.rc == 127
    assert "k2c-no-such-program: not found" in result.stderr
