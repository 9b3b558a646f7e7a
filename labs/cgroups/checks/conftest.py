"""Read the target's cgroup files the same way on cgroup v1 and cgroup v2, inside or outside.

The lab container runs in a private cgroup namespace, so /sys/fs/cgroup shows the container's
own cgroup as the root: the learner's cgroup NAME is /sys/fs/cgroup/<controller>/NAME on v1
and /sys/fs/cgroup/NAME on v2, inside. The examiner (`checker.examiner`) finds the same
directory from outside, in the host's own cgroup hierarchies, which no learner mount covers.
The checks only read these files (the kernel keeps the counters); they never mount or write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

# cgroup v1 spells "no limit" as the largest page-aligned long (or -1), not as "max".
V1_UNLIMITED = 2**62


@dataclass(frozen=True)
class Cgroups:
    """The target's cgroup tree, with the lab container's own cgroup as its root."""

    examiner: Any
    v2: bool

    def dir(self, controller: str, name: str) -> str:
        """Return the directory of cgroup `name` for `controller` (v2: one tree for all)."""
        return f"{self.examiner.cgroup_root(controller)}/{name}"

    def shown(self, controller: str, name: str) -> str:
        """The directory as the learner names it inside the lab container, for messages."""
        return f"/sys/fs/cgroup/{name}" if self.v2 else f"/sys/fs/cgroup/{controller}/{name}"

    def require(self, controller: str, name: str) -> None:
        """Fail the check, saying how to create it, unless cgroup `name` exists."""
        __tracebackhide__ = True
        where = self.dir(controller, name)
        exists = self.examiner.run("test -d %s", where).rc == 0
        assert exists, f"There is no cgroup {name} (no directory {name} there): cg new {name}"

    def read(self, path: str) -> str | None:
        """Return the text of a file of the target, or None when it cannot be read."""
        result = self.examiner.run("cat %s", path)
        return result.stdout.strip() if result.rc == 0 else None

    def knob(self, controller: str, name: str, filename: str) -> str | None:
        """Return the text of file `filename` of cgroup `name` for `controller`."""
        return self.read(f"{self.dir(controller, name)}/{filename}")

    @staticmethod
    def number(text: str | None) -> int | None:
        """Parse a cgroup limit; None for "max", -1, a missing file or garbage."""
        try:
            value = int((text or "").split()[0])
        except (ValueError, IndexError):
            return None
        return value if 0 <= value < V1_UNLIMITED else None

    @staticmethod
    def counters(text: str | None) -> dict[str, int]:
        """Parse "key value" lines (memory.events, cpu.stat, pids.events, memory.oom_control)."""
        values: dict[str, int] = {}
        for line in (text or "").splitlines():
            key, _, value = line.partition(" ")
            try:
                values[key] = int(value)
            except ValueError:
                continue
        return values


@pytest.fixture
def cgroups(examiner: Any) -> Cgroups:
    """The target's cgroup tree, in the version the machine runs."""
    return Cgroups(examiner=examiner, v2=examiner.cgroup_v2)
