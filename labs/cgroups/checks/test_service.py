"""Task service: a long-running process kept under memory and CPU limits."""

import pytest

NAME = "k2c-app"


def live_pids(cgroups, controller: str) -> set[int]:
    """Return the pids listed in k2c-app's cgroup.procs for `controller` that are not zombies."""
    text = cgroups.knob(controller, NAME, "cgroup.procs") or ""
    pids = {int(word) for word in text.split() if word.isdigit()}
    if not pids:
        return set()
    listed = ",".join(map(str, sorted(pids)))
    states = cgroups.examiner.run(f"ps -o pid=,stat= -p {listed}").stdout
    return {
        int(pid)
        for pid, _, state in (line.strip().partition(" ") for line in states.splitlines())
        if pid.isdigit() and not state.strip().startswith("Z")
    }


@pytest.mark.task("service")
def test_k2c_app_has_memory_and_cpu_limits(cgroups):
    """Cgroup k2c-app has both a memory limit and a CPU quota."""
    cgroups.require("memory", NAME)
    if cgroups.v2:
        memory_knob, cpu_knob = "memory.max", "cpu.max"
    else:
        memory_knob, cpu_knob = "memory.limit_in_bytes", "cpu.cfs_quota_us"
    memory = cgroups.number(cgroups.knob("memory", NAME, memory_knob))
    assert memory is not None, (
        f"{NAME} has no memory limit ({memory_knob} says unlimited): cg set {NAME} memory.max 64M"
    )
    cgroups.require("cpu", NAME)
    quota = cgroups.number(cgroups.knob("cpu", NAME, cpu_knob))
    assert quota is not None, (
        f'{NAME} has no CPU quota ({cpu_knob} says unlimited): cg set {NAME} cpu.max "50000 100000"'
    )


@pytest.mark.task("service")
def test_a_long_running_process_lives_in_k2c_app(cgroups):
    """At least one live process sits in k2c-app (on v1: in its memory and cpu cgroups)."""
    cgroups.require("memory", NAME)
    in_memory = live_pids(cgroups, "memory")
    where = f"{cgroups.shown('memory', NAME)}/cgroup.procs"
    assert in_memory, (
        f"No live process in {NAME} ({where} is empty): start one that keeps running, fully "
        f"detached, e.g. setsid -f cg run {NAME} sleep infinity </dev/null >/dev/null 2>&1"
    )
    if not cgroups.v2:
        cgroups.require("cpu", NAME)
        in_cpu = live_pids(cgroups, "cpu")
        assert in_memory & in_cpu, (
            f"Process {min(in_memory)} is in {NAME} for memory but not for cpu (cgroup v1 keeps "
            f"one tree per controller): start it with cg run {NAME} ..., which joins both"
        )
