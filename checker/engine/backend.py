"""A testinfra backend that runs every command through one persistent session per target."""

import threading
from typing import Any

from testinfra.backend.base import BaseBackend, CommandResult

from checker.engine import text
from checker.engine.discovery import DISCOVERY
from checker.engine.session import Raw, Session
from checker.engine.shells import Shell


class PersistentBackend(BaseBackend):
    """Plugged into ``testinfra.host.Host``: checks stay plain testinfra.

    ``host.run(cmd, timeout=seconds)`` overrides the per-command timeout for one command.
    """

    NAME = "persistent"

    def __init__(
        self, shell: Shell, *, timeout: float, budget: float | None = None, **kwargs: Any
    ) -> None:
        """Prepare the backend; the session opens on :meth:`open` or the first command.

        Args:
            shell: where the shell runs and how it starts.
            timeout: default seconds per command (also to open the session).
            budget: seconds this target may spend in total, for grading.
            **kwargs: testinfra's backend options (sudo, sudo_user).
        """
        self.shell = shell
        self.timeout = timeout
        self.session = Session(shell, connect_timeout=timeout, budget=budget)
        self._discovered: dict[str, Raw] = {}
        self._discovery_lock = threading.Lock()
        super().__init__(shell.name, **kwargs)

    def get_connection_type(self) -> str:
        """Name the target's kind (docker, ssh, local, kubectl), as the stock backends do."""
        return self.shell.scheme

    def get_pytest_id(self) -> str:
        """The spec, as testinfra prints it."""
        return "local" if self.get_connection_type() == "local" else super().get_pytest_id()

    def get_command(self, command: str, *args: str) -> str:
        """Quote only: sudo, when asked, already runs the whole session."""
        return self.quote(command, *args)

    def open(self) -> None:
        """Open the session and answer every discovery command, in one round trip."""
        self.refresh()

    def refresh(self) -> None:
        """Ask the discovery commands again (after a change a long-lived process must see)."""
        with self._discovery_lock:
            raws = self.session.run([c.encode() for c in DISCOVERY], self.timeout)
            self._discovered = dict(zip(DISCOVERY, raws, strict=True))

    @property
    def encoding(self) -> str:
        """UTF-8, always: the target's python (which the learner controls) is never asked."""
        return text.ENCODING

    def decode(self, data: bytes) -> str:
        """Decode output as the whole engine does (:func:`checker.engine.text.decode`)."""
        return text.decode(data)

    def encode(self, data: str) -> bytes:
        """Encode a command as the whole engine does (:func:`checker.engine.text.encode`)."""
        return text.encode(data)

    def run(self, command: str, *args: str, **kwargs: Any) -> CommandResult:
        """Run a command on the target and return its exit status and output.

        Raises:
            checker.engine.EngineError: the target did not answer (timeout, session lost).
        """
        cmd = self.get_command(command, *args)
        raw = self._discovered.get(cmd)
        if raw is None:
            timeout = float(kwargs.get("timeout") or self.timeout)
            raw = self.session.run([self.encode(cmd)], timeout)[0]
        return self.result(raw.rc, self.encode(cmd), raw.stdout, raw.stderr)

    def close(self) -> None:
        """End the session."""
        self.session.close()
