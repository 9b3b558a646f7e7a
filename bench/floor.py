"""The floor under benchmark 2: a shell per container with nothing on top.

The same commands the lab's checks sent (read back from a graded report's evidence), on the same
containers, through the same Engine API exec as the engine, but with no pytest, no testinfra and
no framing beyond one end line per command, from many threads at once. What `lab grade` cannot
go below on this machine, whatever its own code does:

- a round trip per command, as checks ask (each check reads an answer before it asks again);
- every command in one write, a bound even a checker that knew all its commands in advance
  could not beat.

Each command must exit as it did under the checks, or the benchmark fails.
"""

import os
import re
import secrets
import select
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from bench.measure import Run
from checker.engine.channels import STDOUT
from checker.engine.docker_api import DockerApiChannel, local_socket
from checker.engine.framing import shell_quote
from checker.report import Report

_ANSWER_TIMEOUT = 30.0


def commands_of(report: Report) -> list[tuple[str, int]]:
    """Every command the checks ran on one target, in order, with the status each got."""
    return [
        (evidence.command, evidence.rc)
        for task in report.tasks
        for check in task.checks
        for evidence in check.evidence
    ]


def measure(names: list[str], commands: list[tuple[str, int]], *, pipelined: bool) -> Run:
    """Open a raw shell in every container and send it the commands; time the whole class."""
    path = local_socket()
    if path is None:
        sys.exit("benchmark 2's floor needs the Docker engine's local unix socket")
    threads = 4 * (os.cpu_count() or 2)  # the best of 2, 4 and 8 at once on 2 cores
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda name: _one(path, name, commands, pipelined), names))
    return Run(time.perf_counter() - started, commands=len(names) * len(commands))


def _one(path: str, name: str, commands: list[tuple[str, int]], pipelined: bool) -> None:
    channel = DockerApiChannel.open(path, name, ["/bin/sh"], None, _ANSWER_TIMEOUT)
    try:
        token = secrets.token_hex(16)
        lines = [
            f'eval {shell_quote(command.encode()).decode()} </dev/null; echo "{token} $?"\n'
            for command, _ in commands
        ]
        if pipelined:
            _send(channel, "".join(lines))
            statuses = _statuses(channel, token, len(lines))
        else:
            statuses = []
            for line in lines:
                _send(channel, line)
                statuses += _statuses(channel, token, 1)
    finally:
        channel.close()
    expected = [status for _, status in commands]
    if statuses != expected:
        sys.exit(f"floor: {name} answered {statuses}, the checks got {expected}")


def _send(channel: DockerApiChannel, text: str) -> None:
    data = memoryview(text.encode())
    while data:
        if not select.select([], [channel.write_fd], [], _ANSWER_TIMEOUT)[1]:
            sys.exit("floor: a container's shell stopped reading")
        data = data[channel.write(data) :]


def _statuses(channel: DockerApiChannel, token: str, count: int) -> list[int]:
    """Read stdout until `count` end lines have come; return their exit statuses."""
    end, out = re.compile(token.encode() + rb" (\d+)\n"), bytearray()
    while len(found := end.findall(out)) < count:
        if not select.select(channel.read_fds, [], [], _ANSWER_TIMEOUT)[0]:
            sys.exit("floor: a container's shell stopped answering")
        chunks = channel.read(channel.read_fds[0])
        if chunks is None:
            sys.exit("floor: a container's shell exited")
        out += b"".join(data for stream, data in chunks if stream == STDOUT)
    return [int(status) for status in found]
