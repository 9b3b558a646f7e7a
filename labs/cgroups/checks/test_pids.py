"""Task fork-bomb: a pids limit that contains a fork bomb, and the bomb defused afterwards."""

import pytest

NAME = "k2c-pids"
MAX_PIDS = 64


@pytest.mark.task("fork-bomb")
def test_k2c_pids_allows_few_processes(cgroups):
    """Cgroup k2c-pids may hold at most 64 processes."""
    cgroups.require("pids", NAME)
    text = cgroups.knob("pids", NAME, "pids.max")
    limit = cgroups.number(text)
    assert limit is not None, (
        f"{NAME} has no process limit (pids.max = {text}): cg set {NAME} pids.max 20"
    )
    assert limit <= MAX_PIDS, (
        f"{NAME} allows {limit} processes (pids.max); allow at most {MAX_PIDS}, "
        f"e.g. cg set {NAME} pids.max 20"
    )


@pytest.mark.task("fork-bomb")
def test_the_kernel_refused_forks_in_k2c_pids(cgroups):
    """pids.events counts the forks the kernel refused because k2c-pids was full."""
    cgroups.require("pids", NAME)
    refused = cgroups.counters(cgroups.knob("pids", NAME, "pids.events")).get("max", 0)
    assert refused >= 1, (
        f"The kernel has not refused any fork in {NAME} yet (max {refused} in "
        f"{cgroups.shown('pids', NAME)}/pids.events): with pids.max set, start the fork bomb "
        f"inside the cgroup as the guide shows"
    )


@pytest.mark.task("fork-bomb")
def test_the_fork_bomb_is_stopped(cgroups):
    """No process is left in k2c-pids: the bomb was contained, then defused."""
    cgroups.require("pids", NAME)
    text = cgroups.knob("pids", NAME, "pids.current")
    current = cgroups.number(text)
    assert current is not None, f"Cannot read pids.current of {NAME} (it says {text!r})."
    assert current == 0, (
        f"{current} processes still run in {NAME} (pids.current): the bomb is contained but "
        f"still running; stop it with: cg kill {NAME}"
    )
