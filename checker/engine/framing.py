"""Frame commands for a persistent POSIX shell and cut its output back into results.

Each command gets a fresh random token. The shell prints ``<token>s`` on stdout and stderr
before the command and ``<token>e <rc>`` after it, each end marker preceded by one newline of
our own. So output may hold anything (binary bytes, no trailing newline, megabytes, strings that
look like markers): a command cannot print a token it never saw, and the newline we add is the
only one we strip. Bytes before a start marker (late output of a background job started by an
earlier command) are dropped.

A command runs with stdin from /dev/null (it cannot read the script that drives the session),
in the cheapest form that keeps ``sh -c``'s meaning:

- a side-effect-free builtin with plain arguments (``test -e '/etc/x'``, ``command -v ss``) runs
  in the session shell itself: no process at all;
- one program with plain arguments (``id -u root``) is exec'd from a subshell: one process;
- anything else (pipes, redirections, ``cd``, ``exit``, syntax errors) is eval'd in a subshell,
  so that its effects and errors stay there.

Only the shell's own diagnostics can differ from ``sh -c``'s: "not found" reads
``/bin/sh: 1: exec: x: not found`` (or ``eval: x``) instead of ``/bin/sh: 1: x: not found``.
"""

import re
import secrets
from dataclasses import dataclass

_TOKEN_BYTES = 16

# Plain words: no expansion, redirection, operator or comment can hide in them.
# (One character or one quoted string per step: no nested repetition, so no backtracking blowup.)
_PLAIN = re.compile(rb"""(?:[A-Za-z0-9_./:=,@%+ \t-]|'[^']*'|"[^"$`\\]*")+""")
_FIRST = re.compile(rb"[ \t]*([A-Za-z0-9_./:,@%+-]+)(?=[ \t]|$)(?:[ \t]+(\S+))?")
_SIDE_EFFECT_FREE = {b"test", b"true", b"false", b":", b"echo"}
# Keywords and builtins of dash, bash and busybox ash: never exec'd, whatever /bin/sh is.
_SHELL_WORDS = set(
    b"""! { } [[ ]] if then else elif fi do done case esac while until for in function select
    time coproc . : [ alias bg bind break builtin caller cd chdir command compgen complete
    compopt continue declare dirs disown echo enable eval exec exit export false fc fg getopts
    hash help history jobs kill let local logout mapfile popd printf pushd pwd read readarray
    readonly return set shift shopt source suspend test times trap true type typeset ulimit
    umask unalias unset wait""".split()
)


@dataclass(frozen=True)
class Frame:
    """One command ready to be written to the session, and the token that delimits its output."""

    token: bytes
    script: bytes


def shell_quote(data: bytes) -> bytes:
    r"""Quote bytes as one POSIX shell word (single quotes survive any byte but NUL).

    >>> shell_quote(b"it's")
    b"'it'\\\\''s'"
    """
    return b"'" + data.replace(b"'", b"'\\''") + b"'"


def frame(command: bytes) -> Frame:
    """Wrap one shell command in start and end markers carrying its exit status."""
    if b"\0" in command:
        raise ValueError("a shell command cannot contain a NUL byte")
    token = secrets.token_hex(_TOKEN_BYTES).encode()
    script = b"".join(
        (
            b"printf '%s\\n' ",
            token,
            b"s;printf '%s\\n' ",
            token,
            b"s >&2;",
            _invocation(command),
            b" </dev/null;printf '\\n%s %d\\n' ",
            token,
            b"e \"$?\";printf '\\n%s\\n' ",
            token,
            b"e >&2\n",
        )
    )
    return Frame(token, script)


def _invocation(command: bytes) -> bytes:
    """The cheapest way to run ``command`` with the meaning of ``sh -c`` (see module doc)."""
    plain = _PLAIN.fullmatch(command)
    first = _FIRST.match(command) if plain else None
    if first is None:
        return b"( eval " + shell_quote(command) + b" )"
    name, argument = first.groups()
    if name in _SIDE_EFFECT_FREE or (name == b"command" and argument in (b"-v", b"-V")):
        return b"eval " + shell_quote(command)  # eval: errors read "1:", as with sh -c
    if name in _SHELL_WORDS:
        return b"( eval " + shell_quote(command) + b" )"
    return b"( eval " + shell_quote(b"exec " + command) + b" )"


class Cutter:
    """Accumulate one output stream of a session and cut it into framed payloads, in order."""

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buf = bytearray()
        self._scan = 0  # where to resume the end-marker search, so megabytes stay linear

    def feed(self, data: bytes) -> None:
        """Append bytes read from the stream."""
        self._buf += data

    def pending(self) -> bytes:
        """Bytes not yet claimed by a frame (what a shell or client said before dying)."""
        return bytes(self._buf)

    def take(self, token: bytes, *, with_status: bool) -> tuple[bytes, int] | None:
        """Remove and return ``(payload, status)`` for ``token`` once its frame is complete.

        Args:
            token: the frame's token.
            with_status: the end marker carries an exit status (stdout) or not (stderr).

        Returns:
            ``None`` while the frame is incomplete; the status is -1 when ``with_status`` is false.
        """
        start = token + b"s\n"
        begin = self._buf.find(start)
        if begin < 0:
            return None
        body = begin + len(start)
        end = b"\n" + token + b"e"
        stop = self._buf.find(end, max(body, self._scan))
        if stop < 0:
            self._scan = max(body, len(self._buf) - len(end) + 1)
            return None
        tail = stop + len(end)
        newline = self._buf.find(b"\n", tail)
        if newline < 0:
            return None
        status = -1
        if with_status:
            status = int(self._buf[tail:newline].strip() or b"-1")
        payload = bytes(self._buf[body:stop])
        del self._buf[: newline + 1]
        self._scan = 0
        return payload, status
