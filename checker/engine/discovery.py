"""The commands testinfra runs to learn what a target is, asked all at once when a session opens.

testinfra discovers the system one command at a time (``uname -s``, ``/etc/os-release``,
``uname -m``, ``command -v command``, then which tool each module should use). Each is a round
trip; through the engine they are a single one, and the answers are kept for the target. The
strings are exactly what testinfra's modules send, so a cached answer is the answer the command
would give. (Python's preferred encoding is left out: testinfra asks for it only to decode
non-ASCII output, remembers it, and starting python costs more than every discovery command.)
"""

# Tools whose presence decides which implementation a testinfra module picks.
_TOOLS = (
    "systemctl",
    "ss",
    "netstat",
    "ip",
    "sysctl",
    "service",
    "dpkg-query",
    "apk",
    "rpm",
    "initctl",
    "rc-service",
)

DISCOVERY: tuple[str, ...] = (
    "uname -s",
    "cat /etc/os-release",
    "uname -m",
    "command -v command",
    "test -d /run/systemd/system/",
    *(f"command -v {tool}" for tool in _TOOLS),
)
