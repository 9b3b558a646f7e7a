"""Task uts: a process runs in a UTS namespace of its own, under a hostname of its own."""

import pytest


@pytest.mark.task("uts")
def test_a_process_has_its_own_hostname(examiner, namespaces) -> None:
    """Some process's /proc/<pid>/ns/uts differs from PID 1's and its hostname differs too."""
    pids = namespaces.outside("uts")
    assert pids, (
        "No process runs in a UTS namespace of its own: every /proc/<pid>/ns/uts is "
        f"{namespaces.init('uts')}, the same as PID 1's. Start a long-lived process with "
        "`unshare --uts` (detached with setsid -f) and set a hostname inside it."
    )
    ours = examiner.net("uname -n").stdout.strip()
    names = {}
    for pid in pids:
        # nsenter joins only the UTS namespace: uname then reports that namespace's hostname.
        result = examiner.in_namespaces(pid, "--uts", "uname -n")
        if result.rc == 0:
            names[pid] = result.stdout.strip()
    assert any(name and name != ours for name in names.values()), (
        f"Found {namespaces.describe(pids)} outside PID 1's UTS namespace, but the hostname "
        f"there is still the container's ({ours}): set one with `hostname NAME` inside the new "
        "namespace before starting the long-lived process."
    )
