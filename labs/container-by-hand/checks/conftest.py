"""Shared fixtures: find the learner's hand-made container (the "box") from outside it.

The lab container is the learner's host; the box is an ordinary process in it. The checks find
it the way the kernel knows it, by its root directory, and then read /proc about that process,
through the `examiner` (`checker.examiner`): the learner's shell for `lab check`, the grader's
own tools from outside for `lab grade`. PIDs are the examiner's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

ROOTFS = "/srv/box/rootfs"

# One round trip: every process whose root directory is the rootfs, as
# "<pid> <pid namespace> <NSpid...>". Compare device:inode, not paths: `readlink /proc/PID/root`
# of a pivot_root'ed process reads "/" (its root is a mount in a namespace the reader cannot
# name). A process that exits mid-loop is skipped or printed incomplete.
_FIND = (
    '[ "$(stat -Lc %d:%i "/proc/$p/root/" 2>/dev/null)" = "$want" ] || continue; '
    'echo "$p" $(readlink "/proc/$p/ns/pid") $(sed -n "s/^NSpid://p" "/proc/$p/status")'
)
_LINE = re.compile(r"^(\d+) (pid:\[\d+\])((?: \d+)+)$")


@dataclass(frozen=True)
class Process:
    """A process whose root is the rootfs, as the host sees it."""

    pid: int
    pid_namespace: str  # the /proc/PID/ns/pid link, e.g. "pid:[4026532183]"
    nspid: tuple[int, ...]  # its PID in each nested PID namespace, the examiner's first


@dataclass(frozen=True)
class Box:
    """The processes whose root directory is the rootfs, by host PID.

    pivot_root moves the root of every process in the mount namespace, so these include the
    `unshare` that started the box: it shares the box's mounts but not its PID namespace.
    """

    processes: dict[int, Process]

    MISSING = (
        f"No process runs with {ROOTFS} as its root directory (the checks compare "
        f"`stat -L /proc/PID/root/` with `stat {ROOTFS}`): the box is not running."
    )

    @property
    def found(self) -> bool:
        """True when at least one process runs inside the rootfs."""
        return bool(self.processes)

    @property
    def init(self) -> int | None:
        """The host PID of the box's first process: PID 1 of a PID namespace of its own."""
        for pid, process in sorted(self.processes.items()):
            if len(process.nspid) > 1 and process.nspid[-1] == 1:
                return pid
        return None

    @property
    def members(self) -> list[int]:
        """Host PIDs of the processes in the box's PID namespace (all of them, without one)."""
        if self.init is None:
            return sorted(self.processes)
        namespace = self.processes[self.init].pid_namespace
        return sorted(p.pid for p in self.processes.values() if p.pid_namespace == namespace)

    @property
    def pid(self) -> int:
        """The process the checks inspect: the box's first process, else its oldest one."""
        return self.init or min(self.processes)


def parse_box(text: str) -> Box:
    r"""Parse lines of ``<pid> <pid namespace> <nspid>...``; garbage is ignored.

    >>> box = parse_box("41 pid:[7] 41\n57 pid:[9] 57 1\n60 pid:[9] 60 4\nx y\n")
    >>> box.init, box.members
    (57, [57, 60])
    """
    processes: dict[int, Process] = {}
    for line in text.splitlines():
        if match := _LINE.match(line.strip()):
            pid = int(match[1])
            nspid = tuple(int(field) for field in match[3].split())
            processes[pid] = Process(pid, match[2], nspid)
    return Box(processes)


@pytest.fixture
def rootfs() -> str:
    """The directory the guide builds the box's root filesystem in."""
    return ROOTFS


@pytest.fixture
def box(examiner) -> Box:
    """The box as it runs now (possibly not at all: check `box.found`)."""
    want = f"want=$(stat -Lc %d:%i {examiner.path(ROOTFS)} 2>/dev/null) || exit 0"
    return parse_box(examiner.each_process(_FIND, before=want).stdout)
