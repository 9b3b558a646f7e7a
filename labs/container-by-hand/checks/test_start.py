"""Task start: the box runs in namespaces of its own, inside its rootfs, with its own /proc."""

import re

import pytest

# The namespaces `unshare` must give the box. cgroup and user namespaces are not asked for:
# the lab container already has a cgroup namespace of its own, and Docker does not use userns
# by default either.
KINDS = ("pid", "mnt", "uts", "ipc", "net")
_LINK = re.compile(r"^([a-z]+):\[\d+\]$")


def _links(text: str) -> dict[str, str]:
    """Map namespace kind -> link text from `readlink` output such as ``uts:[4026531838]``."""
    return {m[1]: m[0] for m in map(_LINK.match, text.split()) if m and m[1] in KINDS}


def _starttime(stat: str) -> str | None:
    """Field 22 of /proc/PID/stat (start time), read after the command name, which may hold ')'."""
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


@pytest.mark.task("start")
def test_a_process_runs_with_the_rootfs_as_its_root(box):
    """Some process has the rootfs, not the host's /, as its root directory."""
    assert box.found, box.MISSING


@pytest.mark.task("start")
def test_the_box_has_namespaces_of_its_own(examiner, box):
    """The box's PID, mount, UTS, IPC and network namespaces all differ from the host's."""
    assert box.found, box.MISSING
    kinds = " ".join(KINDS)
    theirs = _links(examiner.run(f"cd /proc/{box.pid}/ns && readlink {kinds}").stdout)
    ours = _links(examiner.run(f"cd /proc/{examiner.init}/ns && readlink {kinds}").stdout)
    assert ours, "Cannot read /proc/1/ns of the host: is this the lab's container?"
    shared = [kind for kind in KINDS if theirs.get(kind, ours.get(kind)) == ours.get(kind)]
    assert not shared, (
        f"The box (PID {box.pid}) still shares these namespaces with the host: "
        f"{', '.join(shared)} (compare /proc/{box.pid}/ns with /proc/1/ns)."
    )


@pytest.mark.task("start")
def test_the_box_is_pid_1_and_has_its_own_proc(examiner, box):
    """The box's first process is PID 1 of its PID namespace, and its /proc shows that."""
    assert box.found, box.MISSING
    assert box.init is not None, (
        f"No process of the box is PID 1 of a PID namespace of its own (see NSpid in "
        f"/proc/{box.pid}/status): start it with unshare --pid --fork."
    )
    ours = _starttime(examiner.run(f"cat /proc/{box.init}/stat").stdout)
    theirs = _starttime(examiner.run(f"cat /proc/{box.init}/root/proc/1/stat").stdout)
    own = ours is not None and ours == theirs
    assert own, (
        f"/proc inside the box is not a proc of its own: its /proc/1 is not the box's first "
        f"process (host PID {box.init}). Mount a fresh one inside: mount -t proc proc /proc."
    )


@pytest.mark.task("start")
def test_the_box_has_a_hostname_of_its_own(examiner, box):
    """Inside its UTS namespace, the box carries a hostname other than the host's."""
    assert box.found, box.MISSING
    ours = examiner.net("cat /proc/sys/kernel/hostname").stdout.strip()
    theirs = examiner.in_namespaces(box.pid, "-u", "cat /proc/sys/kernel/hostname")
    theirs = theirs.stdout.strip()
    own = bool(theirs) and theirs != ours
    assert own, (
        f"The box's hostname is still the host's ('{ours}'): set one inside its UTS "
        "namespace, e.g. hostname box."
    )
