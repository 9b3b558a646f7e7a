"""Task container-memory: a memory limit in the container's config, enforced by the kernel."""

import re

import pytest

# lxc.cgroup.memory.limit_in_bytes (cgroup v1) or lxc.cgroup2.memory.max (cgroup v2).
LIMIT_KEY = re.compile(
    r"^\s*(lxc\.cgroup\.memory\.limit_in_bytes|lxc\.cgroup2\.memory\.max)\s*=\s*(\S+)\s*$"
)
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}


def to_bytes(text):
    """Parse 128M, 134217728 or 1G; None for max, -1 or garbage."""
    match = re.fullmatch(r"(\d+)([KMG]?)B?", text.strip().upper())
    return int(match[1]) * UNITS[match[2]] if match else None


@pytest.mark.task("container-memory")
def test_the_config_and_the_running_cgroup_hold_the_limit(
    container, container_cgroup, examiner, params
):
    """The container's config sets a memory limit and its running cgroup carries it."""
    from_config = f"/var/lib/lxc/{container.name}/config"
    container.require_running()
    want = int(params["lxc_memory_mib"]) * 2**20
    lines = (examiner.read(from_config) or "").splitlines()
    limits = [m for m in map(LIMIT_KEY.match, lines) if m]
    assert limits, (
        f"{from_config} sets no memory limit (no lxc.cgroup.memory.limit_in_bytes or "
        "lxc.cgroup2.memory.max line)"
    )
    value = to_bytes(limits[-1][2])
    assert value is not None, f"{from_config}: {limits[-1][2]!r} is no size (e.g. 128M)"
    assert 0 < value <= want, (
        f"{from_config} sets {limits[-1][1]} = {limits[-1][2]}: the task asks for at most "
        f"{want // 2**20} MiB"
    )
    assert container_cgroup, f"The running container's memory cgroup was not found ({from_config})"
    knob = f"{container_cgroup}/{'memory.max' if examiner.cgroup_v2 else 'memory.limit_in_bytes'}"
    text = examiner.run("cat %s", knob).stdout.strip()
    live = to_bytes(text)
    assert live is not None, f"The running container's cgroup has no limit ({knob}: {text!r})"
    assert 0 < live <= want, (
        f"The running container's cgroup allows {live // 2**20} MiB ({knob}): LXC applies its "
        "config when the container starts"
    )


@pytest.mark.task("container-memory")
def test_the_kernel_oom_killed_a_process_in_the_container(container, container_cgroup, examiner):
    """The kernel's counter in the container's memory cgroup shows an OOM kill."""
    container.require_running()
    counters = source = ""
    for name in ("memory.events", "memory.oom_control"):
        result = examiner.run("cat %s", f"{container_cgroup}/{name}")
        if result.rc == 0:
            counters, source = result.stdout, f"{container_cgroup}/{name}"
            break
    assert counters, f"Could not read the container's memory cgroup ({container_cgroup})"
    kills = next(
        (int(line.split()[1]) for line in counters.splitlines() if line.startswith("oom_kill ")),
        0,
    )
    assert kills >= 1, (
        f"The kernel has not OOM-killed anything in {container.name} since it started "
        f"(oom_kill {kills} in {source}): inside the container, ask for more memory than the "
        "limit at once"
    )
