"""Shared fixtures for the namespaces checks: one snapshot of every process's namespaces.

Every check speaks through the `examiner` fixture (`checker.examiner`): the same code runs in
the learner's shell (`lab check`) and from outside, with the grader's own tools (`lab grade`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

# The namespace kinds the checks compare. Each /proc/<pid>/ns/<kind> link reads "<kind>:[<inode>]";
# two processes share a namespace exactly when their links are equal.
KINDS = ("uts", "pid", "net", "mnt", "user")

# One command per process of the environment, all in one round trip. A process that exits
# mid-loop makes readlink fail and is simply skipped.
_SNAPSHOT = (
    'l=$(cd "/proc/$p/ns" 2>/dev/null && readlink ' + " ".join(KINDS) + " 2>/dev/null) "
    '&& echo "$p" $l'
)
_LINK = re.compile(r"^([a-z]+):\[(\d+)\]$")


@dataclass(frozen=True)
class Snapshot:
    """The namespaces of every process in the target, keyed by the examiner's PIDs."""

    links: dict[int, dict[str, str]]
    first: int = 1  # the environment's first process (PID 1 inside it)

    def init(self, kind: str) -> str:
        """Return the first process's namespace of this kind: the container's, the baseline."""
        return self.links.get(self.first, {}).get(kind, "")

    def outside(self, kind: str) -> list[int]:
        """List the PIDs whose namespace of this kind differs from PID 1's, in PID order."""
        base = self.init(kind)
        return sorted(
            pid
            for pid, links in self.links.items()
            if pid != self.first and links.get(kind) and links[kind] != base
        )

    @staticmethod
    def describe(pids: list[int], limit: int = 5) -> str:
        """Name processes for a message: "process 7", "processes 7, 9 and 3 more"."""
        shown = ", ".join(map(str, pids[:limit]))
        more = f" and {len(pids) - limit} more" if len(pids) > limit else ""
        return f"process{'es' if len(pids) > 1 else ''} {shown}{more}"


def parse_snapshot(text: str, first: int = 1) -> Snapshot:
    """Parse lines of ``<pid> <kind>:[<inode>]...``; garbage lines are ignored.

    >>> parse_snapshot("7 uts:[1] pid:[2]").links
    {7: {'uts': 'uts:[1]', 'pid': 'pid:[2]'}}
    """
    links: dict[int, dict[str, str]] = {}
    for line in text.splitlines():
        pid, *tokens = line.split() or [""]
        if not pid.isdigit():
            continue
        found = {m[1]: m[0] for m in (_LINK.match(t) for t in tokens) if m and m[1] in KINDS}
        if found:
            links[int(pid)] = found
    return Snapshot(links, first)


@pytest.fixture
def namespaces(examiner) -> Snapshot:
    """A fresh snapshot of the namespaces of every process in the target."""
    snapshot = parse_snapshot(examiner.each_process(_SNAPSHOT).stdout, examiner.init)
    if examiner.init not in snapshot.links:
        pytest.fail("Could not read /proc/1/ns in the target: is it the lab's container?")
    return snapshot
