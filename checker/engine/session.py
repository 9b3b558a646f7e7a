"""One long-lived shell per node of a target: send framed commands, get exit status, stdout, stderr.

Thread-safe (one lock per session). A command that outlives its timeout gets its session killed
and replaced, and everything it started on the target killed, before :class:`CommandTimeout` is
raised. A session found dead is reopened once per command; a second death is reported.
"""

import contextlib
import select
import threading
import time
from collections.abc import Sequence
from typing import NamedTuple

from checker.engine import framing, text
from checker.engine.channels import STDOUT, Channel
from checker.engine.errors import (
    CommandTimeout,
    DeadlineExceeded,
    EngineError,
    SessionLost,
    TargetUnreachable,
)
from checker.engine.shells import Shell

# Prints the shell's pid and process group: what to kill on the target after a timeout.
_HELLO = b'read -r _ _ _ _ pg _ </proc/$$/stat 2>/dev/null || pg=$$; echo "$$ $pg"'
_CLEANUP_TIMEOUT = 5.0
_DRAIN_TIMEOUT = 0.5


class Raw(NamedTuple):
    """A command's exit status and output, as bytes."""

    rc: int
    stdout: bytes
    stderr: bytes


class _Lost(Exception):
    """The channel hit EOF or a broken pipe before all frames came back."""

    def __init__(self, started: bool, said: bytes) -> None:
        super().__init__(started)
        self.started = started  # the shell had answered at least once
        self.said = said


class _Expired(Exception):
    """The exchange ran out of time."""


class Session:
    """A persistent shell on one target, opened lazily and reopened when needed."""

    def __init__(self, shell: Shell, *, connect_timeout: float, budget: float | None) -> None:
        """Prepare a session; nothing is opened until the first command.

        Args:
            shell: where and how to start the shell.
            connect_timeout: seconds allowed to open the session and get its first answer.
            budget: seconds this target may spend in total (``None``: no limit).
        """
        self.shell = shell
        self.connect_timeout = connect_timeout
        self._deadline = None if budget is None else time.monotonic() + budget
        self._lock = threading.Lock()
        self._channel: Channel | None = None
        self._closing: list[Channel] = []  # closed politely, not yet reaped
        self._out = framing.Cutter()
        self._err = framing.Cutter()
        self._group: int | None = None  # the shell's process group on the target
        self._orphans: int | None = None  # group of a killed session, to kill from the next one
        self.commands = 0  # commands sent, for the benchmarks

    def run(self, commands: Sequence[bytes], timeout: float) -> list[Raw]:
        """Run commands one after the other in one round trip; return their results in order.

        Raises:
            TargetUnreachable: the session cannot be opened.
            SessionLost: the session died twice while running these commands.
            CommandTimeout: they took longer than ``timeout``; the session was restarted.
            DeadlineExceeded: the target's time budget is spent.
        """
        with self._lock:
            for attempt in (1, 2):
                limit = self._limit(timeout)
                fresh = self._channel is None
                if fresh:
                    self._open()
                try:
                    return self._exchange(commands, limit, hello=fresh)
                except _Lost as lost:
                    self._drop(kill=True)
                    reason = text.decode(lost.said).strip()
                    if not lost.started:
                        raise TargetUnreachable(
                            f"{self.shell.spec}: the shell did not start"
                            + (f": {reason}" if reason else "")
                        ) from None
                    if attempt == 2:
                        raise SessionLost(
                            f"{self.shell.spec}: the session died twice while running "
                            f"{_show(commands)}"
                        ) from None
                except _Expired:
                    self._restart_after_timeout()
                    if self._deadline is not None and time.monotonic() >= self._deadline:
                        self._drop(kill=False)  # no command may run here any more
                        raise DeadlineExceeded(
                            f"{self.shell.spec}: the target's time budget ran out during "
                            f"{_show(commands)}"
                        ) from None
                    raise CommandTimeout(
                        f"{self.shell.spec}: no answer after {limit:g} s to {_show(commands)}"
                    ) from None
            raise AssertionError("unreachable")

    def close(self) -> None:
        """End the session politely (the shell exits once its stdin closes)."""
        self.close_input()
        with self._lock:
            for channel in self._closing:
                channel.reap()
            self._closing.clear()

    def close_input(self) -> None:
        """Send the shell EOF without waiting: closing many sessions, they all exit at once."""
        with self._lock:
            self._drop(kill=False)

    def _limit(self, timeout: float) -> float:
        if self._deadline is None:
            return timeout
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(f"{self.shell.spec}: the target's time budget is spent")
        return min(timeout, left)

    def _open(self) -> None:
        try:
            self._channel = self.shell.open(self.connect_timeout)
        except EngineError:
            raise
        except OSError as exc:
            raise TargetUnreachable(f"{self.shell.spec}: {exc}") from None
        self._out, self._err = framing.Cutter(), framing.Cutter()

    def _drop(self, *, kill: bool) -> None:
        if self._channel is not None:
            if kill:
                self._channel.kill()
                self._orphans = self._group
            else:
                self._channel.close()
                self._closing.append(self._channel)
            self._channel = None

    def _restart_after_timeout(self) -> None:
        """Kill the hung session and, from a new one, whatever it left running on the target."""
        self._drop(kill=True)
        try:
            self._open()
            self._exchange([], _CLEANUP_TIMEOUT, hello=True)
        except (EngineError, _Lost, _Expired):
            self._drop(kill=True)  # the next command will try again

    def _exchange(self, commands: Sequence[bytes], timeout: float, *, hello: bool) -> list[Raw]:
        assert self._channel is not None
        channel = self._channel
        prologue = []
        if hello:
            if self._orphans is not None and self.shell.remote:
                # "kill -9 -PGID": the one spelling dash, bash and busybox all accept.
                prologue.append(b"kill -9 -%d 2>/dev/null; :" % self._orphans)
            prologue.append(_HELLO)
        frames = [framing.frame(c) for c in (*prologue, *commands)]
        pending = memoryview(b"".join(f.script for f in frames))
        deadline = time.monotonic() + timeout
        poller = select.poll()
        for fd in channel.read_fds:
            poller.register(fd, select.POLLIN)
        results: list[Raw] = []
        out: tuple[bytes, int] | None = None
        err: tuple[bytes, int] | None = None
        try:
            while True:
                if pending:
                    pending = pending[channel.write(pending) :]
                    _watch_writes(poller, channel, bool(pending))
                while len(results) < len(frames):
                    token = frames[len(results)].token
                    out = out or self._out.take(token, with_status=True)
                    err = err or self._err.take(token, with_status=False)
                    if out is None or err is None:
                        break
                    results.append(Raw(out[1], out[0], err[0]))
                    out = err = None
                if len(results) == len(frames):
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Expired
                for fd, _event in poller.poll(left * 1000):
                    if fd == channel.write_fd and fd not in channel.read_fds:
                        continue  # writable: handled at the top of the loop
                    chunks = channel.read(fd)
                    if chunks is None:
                        self._drain(channel, poller)  # keep the reason a dying client gave
                        raise _Lost(len(results) >= len(prologue), self._err.pending())
                    self._feed(chunks)
        except OSError:  # broken pipe, reset connection: the session is gone
            raise _Lost(len(results) >= len(prologue), self._err.pending()) from None
        if hello:
            pid_group = results[len(prologue) - 1].stdout.split()
            group = int(pid_group[1]) if len(pid_group) == 2 else 0
            self._group = group if group > 1 else None  # never signal init or "all"
            self._orphans = None
        self.commands += len(commands)
        return results[len(prologue) :]

    def _feed(self, chunks: list[tuple[int, bytes]]) -> None:
        for stream, data in chunks:
            (self._out if stream == STDOUT else self._err).feed(data)

    def _drain(self, channel: Channel, poller: "select.poll") -> None:
        """Read what the other stream still holds, briefly, once one stream has ended."""
        deadline = time.monotonic() + _DRAIN_TIMEOUT
        open_fds = set(channel.read_fds)
        while open_fds and (left := deadline - time.monotonic()) > 0:
            for fd, _event in poller.poll(left * 1000):
                if fd in open_fds:
                    chunks = channel.read(fd)
                    if chunks is None:
                        open_fds.discard(fd)
                        poller.unregister(fd)
                    else:
                        self._feed(chunks)


def _watch_writes(poller: "select.poll", channel: Channel, want: bool) -> None:
    """Poll the write side only while there is something left to write."""
    if channel.write_fd in channel.read_fds:
        poller.modify(channel.write_fd, select.POLLIN | (select.POLLOUT if want else 0))
    elif want:
        poller.register(channel.write_fd, select.POLLOUT)
    else:
        with contextlib.suppress(KeyError):
            poller.unregister(channel.write_fd)


def _show(commands: Sequence[bytes]) -> str:
    """Name the command(s) in an error message, briefly."""
    shown = text.decode(b"; ".join(commands))
    return repr(shown if len(shown) <= 120 else shown[:117] + "...")
