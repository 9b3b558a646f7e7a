"""Byte channels to a long-lived shell: the pipes of a child process, or a Docker API socket.

A channel is non-blocking: the session polls its descriptors, writes what the target accepts and
reads what it sends, so a command with megabytes of output can never deadlock the writer.
"""

import abc
import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence

STDOUT = 1
STDERR = 2
_READ_SIZE = 1 << 18
_EXIT_GRACE = 2.0  # seconds an idle shell needs to see EOF and exit


class Channel(abc.ABC):
    """Duplex byte stream to a shell: stdin one way, stdout and stderr kept apart the other."""

    read_fds: tuple[int, ...]
    write_fd: int

    @abc.abstractmethod
    def read(self, fd: int) -> list[tuple[int, bytes]] | None:
        """Read what is available on ``fd``: ``[(STDOUT|STDERR, bytes)]``, or ``None`` at EOF."""

    @abc.abstractmethod
    def write(self, data: memoryview) -> int:
        """Write without blocking; return how many bytes the target took."""

    @abc.abstractmethod
    def close(self) -> None:
        """End the session politely: the shell sees EOF and exits after its current command."""

    def reap(self) -> None:  # noqa: B027 (most channels have no local process to wait for)
        """Wait briefly for a closed session's local process, if it has one, to exit."""

    @abc.abstractmethod
    def kill(self) -> None:
        """Drop the session at once (the engine kills what ran in it on the target separately)."""


class PipeChannel(Channel):
    """A child process (``docker exec -i``, ``ssh host sh``, ``sh``) talked to over three pipes."""

    def __init__(self, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        """Start ``argv`` in a session of its own, so a kill reaches all it started.

        Raises:
            OSError: the program could not be started.
        """
        self.argv = list(argv)
        self._proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            env=env,
            start_new_session=True,
        )
        assert self._proc.stdin
        assert self._proc.stdout
        assert self._proc.stderr
        self._streams = {self._proc.stdout.fileno(): STDOUT, self._proc.stderr.fileno(): STDERR}
        for fd in (*self._streams, self._proc.stdin.fileno()):
            os.set_blocking(fd, False)
        self.read_fds = tuple(self._streams)
        self.write_fd = self._proc.stdin.fileno()

    @property
    def pid(self) -> int:
        """Process id of the local child (leader of its own process group)."""
        return self._proc.pid

    def read(self, fd: int) -> list[tuple[int, bytes]] | None:
        """Read one chunk from stdout or stderr."""
        try:
            data = os.read(fd, _READ_SIZE)
        except BlockingIOError:
            return []
        return [(self._streams[fd], data)] if data else None

    def write(self, data: memoryview) -> int:
        """Write to the child's stdin; a dead child raises ``BrokenPipeError``."""
        try:
            return os.write(self.write_fd, data)
        except BlockingIOError:
            return 0

    def close(self) -> None:
        """Close the pipes: the shell sees EOF on stdin and exits."""
        self._release()

    def reap(self) -> None:
        """Give the child a moment to exit, then kill it."""
        try:
            self._proc.wait(_EXIT_GRACE)
        except subprocess.TimeoutExpired:
            self.kill()

    def _release(self) -> None:
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()

    def kill(self) -> None:
        """Kill the child's whole process group, then release the pipes."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._release()
        self._proc.wait()
