"""Task pid: a process is PID 1 of a PID namespace of its own, with a /proc of its own."""

import pytest


def _nspids(examiner, pid: int) -> list[str]:
    """Return the NSpid fields of /proc/<pid>/status: its PID in each nested PID namespace."""
    result = examiner.run("grep '^NSpid:' /proc/%s/status", str(pid))
    return result.stdout.split()[1:] if result.rc == 0 else []


def _first_processes(examiner, namespaces) -> list[int]:
    """List the processes outside PID 1's PID namespace that are PID 1 inside their own."""
    return [
        pid
        for pid in namespaces.outside("pid")
        if len(nspids := _nspids(examiner, pid)) > 1 and nspids[-1] == "1"
    ]


@pytest.mark.task("pid")
def test_a_process_is_pid_1_of_its_own_namespace(examiner, namespaces) -> None:
    """Some process's /proc/<pid>/ns/pid differs from PID 1's and NSpid ends with 1."""
    others = namespaces.outside("pid")
    assert others, (
        "No process runs in a PID namespace of its own: every /proc/<pid>/ns/pid is "
        f"{namespaces.init('pid')}, the same as PID 1's. Start a long-lived process with "
        "`unshare --pid --fork --mount-proc` (detached with setsid -f)."
    )
    assert _first_processes(examiner, namespaces), (
        f"Found {namespaces.describe(others)} outside PID 1's PID namespace, but none is PID 1 "
        "there (the last NSpid field in /proc/<pid>/status is not 1): "
        "did you forget --fork?"
    )


@pytest.mark.task("pid")
def test_that_process_has_its_own_proc(examiner, namespaces) -> None:
    """The /proc that process sees belongs to its own PID namespace, not the container's."""
    firsts = _first_processes(examiner, namespaces)
    assert firsts, (
        "No process is PID 1 of a PID namespace of its own, so none can have its own /proc."
    )
    # /proc/<pid>/root/proc is /proc as that process sees it, through its mount namespace; its
    # PID 1 is in the process's own PID namespace only if that /proc was mounted for it.
    own = [
        pid
        for pid in firsts
        if examiner.run("readlink /proc/%s/root/proc/1/ns/pid", str(pid)).stdout.strip()
        == namespaces.links[pid]["pid"]
    ]
    assert own, (
        f"Found {namespaces.describe(firsts)} as PID 1 of its own PID namespace, but the /proc "
        "it sees still shows the container's processes: mount a new /proc for it "
        "(unshare --mount-proc)."
    )
