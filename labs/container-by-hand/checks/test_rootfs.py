"""Task rootfs: a root filesystem the box can live in, built from busybox."""

import shlex

import pytest

# What the box needs from its own filesystem: a shell, the tools the guide runs inside it, and
# empty directories for the kernel's filesystems (proc, sys), devices and scratch space.
TOOLS = ("sh", "ls", "ps", "mount", "umount", "hostname", "ip", "ping")
MOUNT_POINTS = ("proc", "sys", "dev", "tmp")


def _first_line(text: str) -> str:
    """The first line of some output, short and printable, for a failure message."""
    line = text.strip().splitlines()[0] if text.strip() else "no output"
    return "".join(c if c.isprintable() else "?" for c in line)[:200]


@pytest.mark.task("rootfs")
def test_the_rootfs_runs_a_shell_with_its_own_tools(examiner, rootfs):
    """A shell runs with the rootfs as /, and finds the box's tools there."""
    assert examiner.exists(rootfs, "d"), f"There is no directory {rootfs}."
    probe = f"for t in {' '.join(TOOLS)}; do command -v $t >/dev/null || echo $t; done"
    # The rootfs's own shell runs here, by design: it is the learner's work being proved.
    where = shlex.quote(examiner.path(rootfs))
    result = examiner.run(f"chroot {where} /bin/sh -c {shlex.quote(probe)}")
    assert result.rc == 0, (
        f"No shell runs inside {rootfs}: `chroot {rootfs} /bin/sh` failed "
        f"({_first_line(result.stderr)})."
    )
    missing = [tool for tool in result.stdout.split() if tool in TOOLS]
    assert not missing, (
        f"Inside {rootfs} these commands are missing: {', '.join(missing)} "
        "(busybox provides them once its applet links exist)."
    )


@pytest.mark.task("rootfs")
def test_the_rootfs_has_its_mount_points(examiner, rootfs):
    """The rootfs has the empty directories the box mounts proc, sys, dev and tmp on."""
    where = shlex.quote(examiner.path(rootfs))
    probe = f"for d in {' '.join(MOUNT_POINTS)}; do [ -d {where}/$d ] || echo $d; done"
    missing = [name for name in examiner.run(probe).stdout.split() if name in MOUNT_POINTS]
    assert not missing, (
        f"{rootfs} lacks the director{'y' if len(missing) == 1 else 'ies'} "
        f"{', '.join('/' + name for name in missing)}: the box needs them as mount points."
    )
