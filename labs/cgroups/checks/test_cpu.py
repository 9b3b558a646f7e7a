"""Task cpu-quota: a CPU quota, and the kernel throttling a busy process to it."""

import pytest

NAME = "k2c-cpu"


def quota_and_period(cgroups) -> tuple[int | None, int | None, str]:
    """Return k2c-cpu's (quota, period, where they were read); quota None means no quota."""
    if cgroups.v2:
        text = cgroups.knob("cpu", NAME, "cpu.max") or ""
        quota, _, period = text.partition(" ")
        return cgroups.number(quota), cgroups.number(period), f"cpu.max = {text}"
    quota = cgroups.knob("cpu", NAME, "cpu.cfs_quota_us")
    period = cgroups.knob("cpu", NAME, "cpu.cfs_period_us")
    where = f"cpu.cfs_quota_us = {quota}, cpu.cfs_period_us = {period}"
    return cgroups.number(quota), cgroups.number(period), where


@pytest.mark.task("cpu-quota")
def test_k2c_cpu_may_use_at_most_half_a_cpu(cgroups):
    """Cgroup k2c-cpu has a CFS quota of at most half a CPU per period."""
    cgroups.require("cpu", NAME)
    quota, period, where = quota_and_period(cgroups)
    has_quota = quota is not None and bool(period)
    assert has_quota, f'{NAME} has no CPU quota ({where}): cg set {NAME} cpu.max "20000 100000"'
    assert quota * 2 <= period, (
        f"{NAME} may use {quota / period:.0%} of a CPU ({where}); give it at most 50%, "
        f'e.g. cg set {NAME} cpu.max "20000 100000"'
    )


@pytest.mark.task("cpu-quota")
def test_the_kernel_throttled_a_process_in_k2c_cpu(cgroups):
    """The kernel's cpu.stat shows periods in which k2c-cpu was throttled."""
    cgroups.require("cpu", NAME)
    throttled = cgroups.counters(cgroups.knob("cpu", NAME, "cpu.stat")).get("nr_throttled", 0)
    assert throttled >= 1, (
        f"No process in {NAME} has run into the quota yet (nr_throttled {throttled} in "
        f"{cgroups.shown('cpu', NAME)}/cpu.stat): run a busy loop in it for a few seconds, "
        f"e.g. cg run {NAME} timeout 3 sh -c 'while :; do :; done'"
    )
