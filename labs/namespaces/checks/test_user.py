"""Task user: an unprivileged user is root inside a user namespace of its own."""

import pytest


def _root_maps_to(examiner, pid: int) -> list[int]:
    """Return the outside UIDs that UID 0 inside the process's user namespace maps to.

    Each uid_map line reads "<first inside> <first outside> <count>", outside UIDs as seen from
    the reader's (the container's) user namespace.
    """
    targets = []
    for line in examiner.run("cat /proc/%s/uid_map", str(pid)).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and all(f.isdigit() for f in fields):
            inside, outside, count = map(int, fields)
            if inside <= 0 < inside + count:
                targets.append(outside - inside)
    return targets


@pytest.mark.task("user")
def test_an_unprivileged_user_is_root_in_its_namespace(examiner, namespaces) -> None:
    """Some process's user namespace maps UID 0 inside to a non-zero UID outside."""
    pids = namespaces.outside("user")
    assert pids, (
        "No process runs in a user namespace of its own: every /proc/<pid>/ns/user is "
        f"{namespaces.init('user')}, the same as PID 1's. As the unprivileged user, start a "
        "long-lived `unshare --user --map-root-user` (detached with setsid -f)."
    )
    maps = {pid: _root_maps_to(examiner, pid) for pid in pids}
    if any(maps.values()):
        problem = (
            'root inside maps to root outside (uid_map "0 0 ..."): create the namespace as the '
            "unprivileged user (runuser -u USER -- unshare ...), not as root."
        )
    else:
        problem = "no uid_map there maps root (0) at all: pass --map-root-user to unshare."
    assert any(uid != 0 for targets in maps.values() for uid in targets), (
        f"Found {namespaces.describe(pids)} outside PID 1's user namespace, but " + problem
    )
