"""Task mount: a process in a mount namespace of its own sees a mount the container does not."""

import pytest

# /proc and /sys are excluded: `unshare --mount-proc` (task pid) and `ip netns exec` (task net)
# mount fresh copies there, and those must not pass this task.
_EXCLUDED = ("/proc", "/sys")


def _mounts(examiner, pid: int) -> set[tuple[str, str, str]]:
    """Return the mounts a process sees, as (device, root, mount point) from its mountinfo.

    A copied mount namespace keeps each mount's device, root and mount point (mount IDs are
    renumbered), so a mount made after the copy is one whose triple the original lacks.
    """
    mounts = set()
    for line in examiner.run("cat /proc/%s/mountinfo", str(pid)).stdout.splitlines():
        fields = line.split()
        if len(fields) > 4:
            mounts.add((fields[2], fields[3], fields[4]))
    return mounts


def _excluded(mount_point: str) -> bool:
    """Tell whether a mount point lies in a tree other tasks are allowed to mount over."""
    return any(mount_point == top or mount_point.startswith(top + "/") for top in _EXCLUDED)


@pytest.mark.task("mount")
def test_a_process_sees_a_private_mount(examiner, namespaces) -> None:
    """Some process in its own mount namespace sees a mount that PID 1 does not see."""
    pids = namespaces.outside("mnt")
    assert pids, (
        "No process runs in a mount namespace of its own: every /proc/<pid>/ns/mnt is "
        f"{namespaces.init('mnt')}, the same as PID 1's. Start a long-lived process with "
        "`unshare --mount` (detached with setsid -f) that mounts something first."
    )
    visible = _mounts(examiner, examiner.init)
    private = {
        point
        for pid in pids
        for _, _, point in _mounts(examiner, pid) - visible
        if not _excluded(point)
    }
    assert private, (
        f"Found {namespaces.describe(pids)} outside PID 1's mount namespace, but (outside /proc "
        "and /sys) no mount there that PID 1 lacks: mount something inside "
        "the new namespace, e.g. a tmpfs on /mnt/private, before starting the long-lived process."
    )
