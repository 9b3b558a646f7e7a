"""Task memory-oom: a memory limit, and the kernel's OOM killer enforcing it."""

import pytest

NAME = "k2c-mem"
MAX_LIMIT = 64 * 2**20


@pytest.mark.task("memory-oom")
def test_k2c_mem_has_a_small_memory_limit(cgroups):
    """Cgroup k2c-mem exists and may use at most 64 MiB of memory."""
    cgroups.require("memory", NAME)
    knob = "memory.max" if cgroups.v2 else "memory.limit_in_bytes"
    limit = cgroups.number(cgroups.knob("memory", NAME, knob))
    assert limit is not None, (
        f"{NAME} has no memory limit ({knob} says unlimited): cg set {NAME} memory.max 32M"
    )
    assert 0 < limit <= MAX_LIMIT, (
        f"{NAME} may use {limit / 2**20:g} MiB ({knob} = {limit}); keep the demo small: "
        f"at most 64 MiB, e.g. cg set {NAME} memory.max 32M"
    )


@pytest.mark.task("memory-oom")
def test_the_kernel_oom_killed_a_process_in_k2c_mem(cgroups):
    """The kernel's own counter shows at least one OOM kill inside k2c-mem."""
    cgroups.require("memory", NAME)
    source = "memory.events" if cgroups.v2 else "memory.oom_control"
    counters = cgroups.counters(cgroups.knob("memory", NAME, source))
    if "oom_kill" not in counters and not cgroups.v2:
        # Kernels before 4.13 have no oom_kill line: hits on the limit are the evidence left.
        source = "memory.failcnt"
        counters["oom_kill"] = cgroups.number(cgroups.knob("memory", NAME, source)) or 0
    kills = counters.get("oom_kill", 0)
    assert kills >= 1, (
        f"The kernel has not OOM-killed any process in {NAME} yet (oom_kill {kills} in "
        f"{cgroups.shown('memory', NAME)}/{source}): inside it, run something that needs more "
        f"memory than the limit, e.g. cg run {NAME} dd if=/dev/zero of=/dev/null bs=100M count=1"
    )
