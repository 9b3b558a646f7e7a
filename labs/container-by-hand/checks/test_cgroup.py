"""Task cgroup: the box's memory is limited by a cgroup of its own."""

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


@pytest.mark.task("cgroup")
def test_the_box_memory_is_limited_by_a_cgroup_of_its_own(examiner, box):
    """The box runs in a memory cgroup other than the host's, whose limit is below the RAM."""
    assert box.found, box.MISSING
    cgroup = memory_cgroup(examiner.run(f"cat /proc/{box.pid}/cgroup").stdout)
    assert cgroup is not None, f"Cannot read the box's memory cgroup in /proc/{box.pid}/cgroup."
    hosts = memory_cgroup(examiner.run(f"cat /proc/{examiner.init}/cgroup").stdout)
    assert hosts is None or hosts.path != cgroup.path, (
        f"The box (PID {box.pid}) is still in the host's memory cgroup ({cgroup.path}): make a "
        "child cgroup with a limit and write the box's PID to its cgroup.procs."
    )
    directory = examiner.cgroup_of(box.pid, "memory")
    assert directory is not None, f"The box's memory cgroup {cgroup.path} cannot be found."
    limit = examiner.run("cat %s", f"{directory}/{cgroup.limit_file}").stdout.strip()
    ram_kib = examiner.run("awk '/^MemTotal:/ {print $2}' /proc/meminfo").stdout.strip()
    limited = limit.isdigit() and ram_kib.isdigit() and int(limit) < int(ram_kib) * 1024
    assert limited, (
        f"The box's memory cgroup {cgroup.path} sets no memory limit ({cgroup.limit_file} "
        f"is {limit[:40] or 'unreadable'}): write one, e.g. 64M."
    )


@pytest.mark.task("cgroup")
def test_every_process_of_the_box_is_under_the_limit(examiner, box):
    """No process of the box escapes its cgroup: the limit holds for the whole box."""
    assert box.found, box.MISSING
    paths = {
        pid: memory_cgroup(examiner.run(f"cat /proc/{pid}/cgroup").stdout) for pid in box.members
    }
    limited = paths.get(box.pid)
    outside = sorted(pid for pid, cgroup in paths.items() if cgroup and cgroup != limited)
    assert not outside, (
        f"Some processes of the box run outside its cgroup ({limited.path if limited else '?'}): "
        f"host PIDs {', '.join(map(str, outside))}. Write each to its cgroup.procs."
    )
