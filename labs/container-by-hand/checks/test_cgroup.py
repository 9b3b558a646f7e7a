"""Task cgroup: the box's memory is limited by a cgroup of its own."""

import posixpath
import shlex
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class MemoryCgroup:
    """Where a process's memory is accounted: cgroup version and path (as /proc/PID/cgroup says)."""

    version: int
    path: str

    @property
    def limit_file(self) -> str:
        """The file holding the memory limit in this version."""
        return "memory.limit_in_bytes" if self.version == 1 else "memory.max"


def memory_cgroup(text: str) -> MemoryCgroup | None:
    r"""Read the memory cgroup from /proc/PID/cgroup: the v1 memory line, else the v2 line.

    >>> memory_cgroup("4:memory:/box\n0::/init\n")
    MemoryCgroup(version=1, path='/box')
    """
    unified = None
    for line in text.splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if "memory" in controllers.split(",") and path.startswith("/"):
            return MemoryCgroup(1, path)
        if hierarchy == "0" and not controllers and path.startswith("/"):
            unified = MemoryCgroup(2, path)
    return unified


def _unescape(field: str) -> str:
    r"""Undo mountinfo's octal escapes (\040 for a space...)."""
    return field.encode("latin-1", "replace").decode("unicode_escape", "replace")


def cgroup_directory(mountinfo: str, cgroup: MemoryCgroup) -> str | None:
    """Find the directory of a cgroup in the mounts of its hierarchy that the reader can see.

    >>> cgroup_directory("9 8 0:3 / /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory",
    ...                  MemoryCgroup(1, "/box"))
    '/sys/fs/cgroup/memory/box'
    """
    best: tuple[int, str] | None = None
    for line in mountinfo.splitlines():
        fields = line.split()
        if "-" not in fields[6:] or len(fields) < 10:
            continue
        after = fields[fields.index("-", 6) + 1 :]
        if len(after) < 3:
            continue
        fstype, options = after[0], after[2].split(",")
        wanted = ("cgroup", "memory" in options) if cgroup.version == 1 else ("cgroup2", True)
        if (fstype, True) != wanted:
            continue
        root, mountpoint = _unescape(fields[3]), _unescape(fields[4])
        inside = posixpath.relpath(cgroup.path, root)
        if inside.startswith("..") or (best and best[0] >= len(root)):
            continue
        best = (len(root), posixpath.normpath(posixpath.join(mountpoint, inside)))
    return best[1] if best else None


@pytest.mark.task("cgroup")
def test_the_box_memory_is_limited_by_a_cgroup_of_its_own(host, box):
    """The box runs in a memory cgroup other than the host's, whose limit is below the RAM."""
    assert box.found, box.MISSING
    cgroup = memory_cgroup(host.run(f"cat /proc/{box.pid}/cgroup").stdout)
    assert cgroup is not None, f"Cannot read the box's memory cgroup in /proc/{box.pid}/cgroup."
    hosts = memory_cgroup(host.run("cat /proc/1/cgroup").stdout)
    assert hosts is None or hosts.path != cgroup.path, (
        f"The box (PID {box.pid}) is still in the host's memory cgroup ({cgroup.path}): make a "
        "child cgroup with a limit and write the box's PID to its cgroup.procs."
    )
    directory = cgroup_directory(host.run("cat /proc/self/mountinfo").stdout, cgroup)
    assert directory is not None, (
        f"The box's memory cgroup {cgroup.path} is not visible in any mounted cgroup hierarchy."
    )
    limit_file = f"{directory}/{cgroup.limit_file}"
    limit = host.run(f"cat {shlex.quote(limit_file)}").stdout.strip()
    ram_kib = host.run("awk '/^MemTotal:/ {print $2}' /proc/meminfo").stdout.strip()
    limited = limit.isdigit() and ram_kib.isdigit() and int(limit) < int(ram_kib) * 1024
    assert limited, (
        f"The box's memory cgroup {cgroup.path} sets no memory limit ({cgroup.limit_file} "
        f"is {limit[:40] or 'unreadable'}): write one, e.g. 64M."
    )


@pytest.mark.task("cgroup")
def test_every_process_of_the_box_is_under_the_limit(host, box):
    """No process of the box escapes its cgroup: the limit holds for the whole box."""
    assert box.found, box.MISSING
    paths = {pid: memory_cgroup(host.run(f"cat /proc/{pid}/cgroup").stdout) for pid in box.members}
    limited = paths.get(box.pid)
    outside = sorted(pid for pid, cgroup in paths.items() if cgroup and cgroup != limited)
    assert not outside, (
        f"Some processes of the box run outside its cgroup ({limited.path if limited else '?'}): "
        f"host PIDs {', '.join(map(str, outside))}. Write each to its cgroup.procs."
    )
