"""Read the target's cgroup files the same way on cgroup v1 and cgroup v2.

The lab container runs in a private cgroup namespace, so /sys/fs/cgroup shows the container's
own cgroup as the root: the learner's cgroup NAME is /sys/fs/cgroup/<controller>/NAME on v1
and /sys/fs/cgroup/NAME on v2. The checks only read these files (the kernel keeps the
counters); they never mount or write anything.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

import pytest

ROOT = "/sys/fs/cgroup"

# cgroup v1 spells "no limit" as the largest page-aligned long (or -1), not as "max".
V1_UNLIMITED = 2**62


@dataclass(frozen=True)
class Cgroups:
    """The target's cgroup tree, as seen from inside the lab container."""

    host: Any
    v2: bool

    def dir(self, controller: str, name: str) -> str:
        """Return the directory of cgroup `name` for `controller` (v2: one tree for all)."""
        return f"{ROOT}/{name}" if self.v2 else f"{ROOT}/{controller}/{name}"

    def require(self, controller: str, name: str) -> None:
        """Fail the check, saying how to create it, unless cgroup `name` exists."""
        __tracebackhide__ = True
        where = self.dir(controller, name)
        exists = self.host.run(f"test -d {shlex.quote(where)}").rc == 0
        assert exists, f"There is no cgroup {name} ({where} does not exist): cg new {name}"

    def read(self, path: str) -> str | None:
        """Return the text of a file of the target, or None when it cannot be read."""
        result = self.host.run(f"cat {shlex.quote(path)}")
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
def cgroups(host: Any) -> Cgroups:
    """The target's cgroup tree; the version is the filesystem type of /sys/fs/cgroup."""
    fstype = host.run(f"stat -fc %T {ROOT}").stdout.strip()
    return Cgroups(host=host, v2=fstype == "cgroup2fs")
