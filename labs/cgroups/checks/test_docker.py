"""Task docker-limits: `docker run --memory --cpus --pids-limit` writes the same cgroup files."""

from __future__ import annotations

import json
from typing import Any

import pytest

CONTAINER = "limited"
RUN = "docker run -d --name limited --memory 64m --cpus 0.5 --pids-limit 32 busybox sleep 1d"
NO_ENGINE = ("Cannot connect", "Is the docker daemon running")


def inspect(examiner: Any) -> dict[str, Any]:
    """Return what the lab container's own Docker engine records about container `limited`."""
    __tracebackhide__ = True
    result = examiner.docker("inspect", "--type", "container", CONTAINER)
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


def positive(value: object) -> int:
    """Return `value` when it is a positive integer (docker's "set"), else 0 ("not set")."""
    return value if isinstance(value, int) and value > 0 else 0


def read_knob(cgroups: Any, pid: int, controller: str, filename: str) -> tuple:
    """Return (path, text) of `filename` in process `pid`'s cgroup for `controller`."""
    __tracebackhide__ = True
    directory = cgroups.examiner.cgroup_of(pid, controller)
    assert directory, f"Cannot find the {controller} cgroup of container {CONTAINER}."
    path = f"{directory}/{filename}"
    return filename, cgroups.read(path)


@pytest.mark.task("docker-limits")
def test_limited_runs_with_memory_cpu_and_pids_limits(examiner):
    """The inner engine runs container `limited` with --memory, --cpus and --pids-limit."""
    info = inspect(examiner)
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
def test_docker_wrote_the_limits_into_the_cgroup_files(examiner, cgroups):
    """The kernel files of the container's cgroups hold the limits docker was given."""
    info = inspect(examiner)
    theirs = positive(info["state"].get("Pid"))
    assert theirs, f"Container {CONTAINER} has no running process: docker start {CONTAINER}"
    # The engine names the process as the lab container numbers it; the examiner may not.
    pid = examiner.pid(theirs)
    assert pid, f"Cannot find container {CONTAINER}'s process {theirs} in the lab container."
    config = info["config"]

    if memory := positive(config.get("Memory")):
        knob = "memory.max" if cgroups.v2 else "memory.limit_in_bytes"
        path, text = read_knob(cgroups, pid, "memory", knob)
        assert cgroups.number(text) == memory, (
            f"docker recorded --memory {memory} (bytes) but {knob} of its cgroup holds {text}"
        )

    nano_cpus, cpu_quota = positive(config.get("NanoCpus")), positive(config.get("CpuQuota"))
    if nano_cpus or cpu_quota:
        if cgroups.v2:
            path, text = read_knob(cgroups, pid, "cpu", "cpu.max")
            quota, _, period = (text or "").partition(" ")
        else:
            path, quota = read_knob(cgroups, pid, "cpu", "cpu.cfs_quota_us")
            period = read_knob(cgroups, pid, "cpu", "cpu.cfs_period_us")[1]
        quota_us, period_us = cgroups.number(quota), cgroups.number(period) or 0
        # --cpus N becomes a quota of N periods per period; --cpu-quota is written as it is.
        expected = nano_cpus * period_us // 10**9 if nano_cpus else cpu_quota
        assert quota_us == expected, (
            f"docker should have written a quota of {expected} µs per {period_us} µs, "
            f"but {path} holds {quota}"
        )

    if pids_limit := positive(config.get("PidsLimit")):
        path, text = read_knob(cgroups, pid, "pids", "pids.max")
        assert cgroups.number(text) == pids_limit, (
            f"docker recorded --pids-limit {pids_limit} but {path} holds {text}"
        )
