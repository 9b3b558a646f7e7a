"""Task system-container: an LXC container running Debian's init as its PID 1."""

import pytest
from conftest import lxc_names


@pytest.mark.task("system-container")
def test_lxc_runs_the_container(container, examiner):
    """LXC has the container (its config) and the kernel runs its init in LXC's cgroup."""
    known = lxc_names(examiner)
    assert container.state, (
        f"LXC knows no container {container.name} (its configs under /var/lib/lxc: "
        f"{', '.join(known) or 'none'})"
    )
    assert container.state == "RUNNING", (
        f"{container.name} is {container.state}: no process of its cgroup "
        f"lxc.payload.{container.name} is the init of a PID namespace of its own"
    )
    assert container.pid, f"{container.name} runs but its init was not found"


@pytest.mark.task("system-container")
def test_its_pid_1_is_a_full_init_with_its_own_hostname(container, examiner):
    """Its first process is PID 1 of its own namespace, runs Debian's init, and has children."""
    pid = container.require_running()
    status = examiner.run("cat /proc/%s/status", str(pid)).stdout
    nspid = next((ln.split()[1:] for ln in status.splitlines() if ln.startswith("NSpid:")), [])
    assert nspid[-1:] == ["1"], (
        f"The container's first process (pid {pid}) is not PID 1 of a PID namespace of its "
        f"own (NSpid: {' '.join(nspid) or 'unknown'})"
    )
    exe = examiner.run("readlink /proc/%s/exe", str(pid)).stdout.strip()
    assert exe.rsplit("/", 1)[-1] in ("init", "systemd"), (
        f"The container's PID 1 runs {exe or 'an unknown program'}, not an init (sysvinit's "
        "/sbin/init or systemd): a system container boots a whole system"
    )
    children = examiner.run("ps -o pid=,args= --ppid %s", str(pid)).stdout.strip().splitlines()
    assert children, (
        f"The container's init (pid {pid}) has started nothing: a booted system runs its "
        "services and gettys under it"
    )
    debian = examiner.run("cat /proc/%s/root/etc/debian_version", str(pid)).stdout.strip()
    assert debian, f"The container's root filesystem (/proc/{pid}/root) is not a Debian system"
    ours = examiner.net("cat /proc/sys/kernel/hostname").stdout.strip()
    theirs = examiner.in_namespaces(pid, "-u", "cat /proc/sys/kernel/hostname").stdout.strip()
    assert theirs, f"Could not read the container's hostname (its UTS namespace, pid {pid})"
    assert theirs != ours, (
        f"The container's hostname is {theirs or 'unreadable'!r}, the same as the lab "
        f"container's ({ours}): a system container has its own"
    )
