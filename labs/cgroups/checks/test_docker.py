"""Task docker-limits: `docker run --memory --cpus --pids-limit` writes the same cgroup files."""

from __future__ import annotations

import json
from typing import Any

import pytest

CONTAINER = "limited"
RUN = "docker run -d --name limited --memory 64m --cpus 0.5 --pids-limit 32 busybox sleep 1d"
NO_ENGINE = ("Cannot connect", "Is the docker daemon running")


def inspect(host: Any) -> dict[str, Any]:
    """Return what the lab container's own Docker engine records about container `limited`."""
    __tracebackhide__ = True
    result = host.run(f"docker inspect --type container {CONTAINER}")
    assert not any(text in result.stderr for text in NO_ENGINE), (
        "No Docker engine answers inside the lab container: start it as the guide shows "
        "(setsid -f dockerd ...), then wait for docker info to answer"
    )
    assert result.rc == 0, (
        f"The Docker engine in the lab container has no container named {CONTAINER}: {RUN}"
    )
    try:
        info = json.loads(result.stdout)[0]
        return {"state": dict(info["State"]), "config": dict(info["HostConfig"])}
    except (ValueError, LookupError, TypeError):
        pytest.fail(f"docker inspect {CONTAINER} answered something that is not a container.")


def cgroup_mounts(mountinfo: str) -> dict[str, tuple[str, str]]:
    """Map controller -> (root of the tree the mount shows, mount point); "" is the v2 tree."""
    mounts: dict[str, tuple[str, str]] = {}
    for line in mountinfo.splitlines():
        fields = line.split()
        if "-" not in fields[6:]:
            continue
        separator = fields.index("-", 6)
        if len(fields) < separator + 4:
            continue
        fstype, options = fields[separator + 1], fields[separator + 3]
        keys = [""] if fstype == "cgroup2" else options.split(",") if fstype == "cgroup" else []
        for key in keys:
            # A learner may mount a hierarchy elsewhere too; the standard place wins.
            if key not in mounts or fields[4].startswith("/sys/fs/cgroup"):
                mounts[key] = (fields[3], fields[4])
    return mounts


def cgroup_dirs(proc_cgroup: str, mountinfo: str) -> dict[str, str]:
    """Map controller -> directory of the cgroup a /proc/PID/cgroup text names.

    /proc/PID/cgroup gives paths from the root of the reader's cgroup namespace, while a mount
    shows the tree from its own root (the 4th field of mountinfo): strip that root, then prepend
    the mount point. With a private cgroup namespace the root is "/" and nothing is stripped.
    """
    mounts = cgroup_mounts(mountinfo)
    dirs: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(","):
            if controller not in mounts:
                continue
            root, mountpoint = mounts[controller]
            path = parts[2]
            if root != "/" and (path == root or path.startswith(root + "/")):
                path = path[len(root) :]
            dirs[controller] = mountpoint.rstrip("/") + path
    return dirs


def positive(value: object) -> int:
    """Return `value` when it is a positive integer (docker's "set"), else 0 ("not set")."""
    return value if isinstance(value, int) and value > 0 else 0


def read_knob(cgroups: Any, dirs: dict[str, str], controller: str, filename: str) -> tuple:
    """Return (path, text) of `filename` in the container's cgroup for `controller`."""
    __tracebackhide__ = True
    key = "" if cgroups.v2 else controller
    assert key in dirs, f"Cannot find the {controller} cgroup of container {CONTAINER}."
    path = f"{dirs[key]}/{filename}"
    return path, cgroups.read(path)


@pytest.mark.task("docker-limits")
def test_limited_runs_with_memory_cpu_and_pids_limits(host):
    """The inner engine runs container `limited` with --memory, --cpus and --pids-limit."""
    info = inspect(host)
    assert info["state"].get("Running"), (
        f"Container {CONTAINER} exists but is not running: docker rm {CONTAINER}, then {RUN}"
    )
    config = info["config"]
    given = {
        "--memory": positive(config.get("Memory")),
        "--cpus": positive(config.get("NanoCpus")) or positive(config.get("CpuQuota")),
        "--pids-limit": positive(config.get("PidsLimit")),
    }
    missing = [flag for flag, value in given.items() if not value]
    assert not missing, (
        f"Container {CONTAINER} runs without {' and '.join(missing)}: "
        f"docker rm -f {CONTAINER}, then {RUN}"
    )


@pytest.mark.task("docker-limits")
def test_docker_wrote_the_limits_into_the_cgroup_files(host, cgroups):
    """The kernel files of the container's cgroups hold the limits docker was given."""
    info = inspect(host)
    pid = positive(info["state"].get("Pid"))
    assert pid, f"Container {CONTAINER} has no running process: docker start {CONTAINER}"
    proc_cgroup = cgroups.read(f"/proc/{pid}/cgroup") or ""
    assert proc_cgroup, f"Cannot read /proc/{pid}/cgroup of container {CONTAINER}'s process."
    dirs = cgroup_dirs(proc_cgroup, cgroups.read("/proc/self/mountinfo") or "")
    config = info["config"]

    if memory := positive(config.get("Memory")):
        knob = "memory.max" if cgroups.v2 else "memory.limit_in_bytes"
        path, text = read_knob(cgroups, dirs, "memory", knob)
        assert cgroups.number(text) == memory, (
            f"docker recorded --memory {memory} (bytes) but {path} holds {text}"
        )

    nano_cpus, cpu_quota = positive(config.get("NanoCpus")), positive(config.get("CpuQuota"))
    if nano_cpus or cpu_quota:
        if cgroups.v2:
            path, text = read_knob(cgroups, dirs, "cpu", "cpu.max")
            quota, _, period = (text or "").partition(" ")
        else:
            path, quota = read_knob(cgroups, dirs, "cpu", "cpu.cfs_quota_us")
            period = read_knob(cgroups, dirs, "cpu", "cpu.cfs_period_us")[1]
        quota_us, period_us = cgroups.number(quota), cgroups.number(period) or 0
        # --cpus N becomes a quota of N periods per period; --cpu-quota is written as it is.
        expected = nano_cpus * period_us // 10**9 if nano_cpus else cpu_quota
        assert quota_us == expected, (
            f"docker should have written a quota of {expected} µs per {period_us} µs, "
            f"but {path} holds {quota}"
        )

    if pids_limit := positive(config.get("PidsLimit")):
        path, text = read_knob(cgroups, dirs, "pids", "pids.max")
        assert cgroups.number(text) == pids_limit, (
            f"docker recorded --pids-limit {pids_limit} but {path} holds {text}"
        )
