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


def cgroup_paths(text: str) -> dict[str, str]:
    """Map controller -> cgroup path from a /proc/PID/cgroup text ("" is the v2 tree)."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(","):
                paths[controller] = parts[2]
    return paths


@pytest.mark.task("docker-limits")
def test_limited_runs_with_memory_cpu_and_pids_limits(host):
    """The inner engine runs container `limited` with --memory, --cpus and --pids-limit."""
    info = inspect(host)
    assert info["state"].get("Running"), (
        f"Container {CONTAINER} exists but is not running: docker rm {CONTAINER}, then {RUN}"
    )
    config = info["config"]
    given = {
        "--memory": config.get("Memory"),
        "--cpus": config.get("NanoCpus") or config.get("CpuQuota"),
        "--pids-limit": config.get("PidsLimit"),
    }
    missing = [flag for flag, value in given.items() if not isinstance(value, int) or value <= 0]
    assert not missing, (
        f"Container {CONTAINER} runs without {' and '.join(missing)}: "
        f"docker rm -f {CONTAINER}, then {RUN}"
    )


@pytest.mark.task("docker-limits")
def test_docker_wrote_the_limits_into_the_cgroup_files(host, cgroups):
    """The kernel files of the container's cgroups hold exactly what docker was asked for."""
    info = inspect(host)
    pid = info["state"].get("Pid")
    pid = pid if isinstance(pid, int) else 0
    assert pid > 0, f"Container {CONTAINER} has no process: {RUN}"
    paths = cgroup_paths(cgroups.read(f"/proc/{pid}/cgroup") or "")
    assert paths, f"Cannot read /proc/{pid}/cgroup of container {CONTAINER}'s process."
    config = info["config"]

    def knob(controller: str, filename: str) -> tuple[str, str | None]:
        key = "" if cgroups.v2 else controller
        base = "/sys/fs/cgroup" if cgroups.v2 else f"/sys/fs/cgroup/{controller}"
        path = f"{base}{paths.get(key, '/?')}/{filename}"
        return path, cgroups.read(path)

    path, memory = knob("memory", "memory.max" if cgroups.v2 else "memory.limit_in_bytes")
    assert cgroups.number(memory) == config.get("Memory"), (
        f"docker recorded --memory {config.get('Memory')} but {path} holds {memory}"
    )
    if cgroups.v2:
        path, text = knob("cpu", "cpu.max")
        quota, _, period = (text or "").partition(" ")
    else:
        path, quota = knob("cpu", "cpu.cfs_quota_us")
        period = knob("cpu", "cpu.cfs_period_us")[1]
    quota_us, period_us = cgroups.number(quota), cgroups.number(period) or 0
    if config.get("NanoCpus"):
        # --cpus N becomes a quota of N periods per period.
        fits = quota_us is not None and quota_us * 10**9 == config["NanoCpus"] * period_us
    else:
        fits = quota_us == config.get("CpuQuota")
    assert fits, f"docker's CPU limit is not what {path} holds ({quota} per {period} µs)"
    path, pids = knob("pids", "pids.max")
    assert cgroups.number(pids) == config.get("PidsLimit"), (
        f"docker recorded --pids-limit {config.get('PidsLimit')} but {path} holds {pids}"
    )
