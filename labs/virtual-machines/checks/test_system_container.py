"""Task system-container: an LXC container running Debian's init as its PID 1."""

import pytest


@pytest.mark.task("system-container")
def test_lxc_reports_the_container_running(container, host):
    """LXC's own tools report the container RUNNING, with an init PID."""
    known = host.run("lxc-ls -1").stdout.split()
    assert container.state, (
        f"LXC knows no container {container.name} (lxc-ls lists: {', '.join(known) or 'none'})"
    )
    assert container.state == "RUNNING", f"LXC reports {container.name} {container.state}"
    assert container.pid, f"LXC reports {container.name} RUNNING but gives no PID for its init"


@pytest.mark.task("system-container")
def test_its_pid_1_is_a_full_init_with_its_own_hostname(container, host):
    """Its first process is PID 1 of its own namespace, runs Debian's init, and has children."""
    pid = container.require_running()
    status = host.run(f"cat /proc/{pid}/status").stdout
    nspid = next((ln.split()[1:] for ln in status.splitlines() if ln.startswith("NSpid:")), [])
    assert nspid[-1:] == ["1"], (
        f"The container's first process (host pid {pid}) is not PID 1 of a PID namespace of its "
        f"own (NSpid: {' '.join(nspid) or 'unknown'})"
    )
    exe = host.run(f"readlink /proc/{pid}/exe").stdout.strip()
    assert exe.rsplit("/", 1)[-1] in ("init", "systemd"), (
        f"The container's PID 1 runs {exe or 'an unknown program'}, not an init (sysvinit's "
        "/sbin/init or systemd): a system container boots a whole system"
    )
    children = host.run(f"ps -o pid=,args= --ppid {pid}").stdout.strip().splitlines()
    assert children, (
        f"The container's init (host pid {pid}) has started nothing: a booted system runs its "
        "services and gettys under it"
    )
    debian = host.run(f"cat /proc/{pid}/root/etc/debian_version").stdout.strip()
    assert debian, f"The container's root filesystem (/proc/{pid}/root) is not a Debian system"
    ours = host.run("uname -n").stdout.strip()
    theirs = host.run(f"nsenter --target {pid} --uts uname -n").stdout.strip()
    assert theirs, f"Could not read the container's hostname (nsenter --target {pid} --uts)"
    assert theirs != ours, (
        f"The container's hostname is {theirs or 'unreadable'!r}, the same as the lab "
        f"container's ({ours}): a system container has its own"
    )
