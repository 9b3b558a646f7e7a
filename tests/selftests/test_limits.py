"""Every learner environment is limited (processes, memory), `lab start` says so (real engine)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import environments
from checker.cli import main
from checker.exitcodes import ExitCode
from checker.manifest import DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT, Limits, load_course

REPO = Path(__file__).resolve().parents[2]
LAB = load_course(REPO).lab("namespaces")
NAME = environments.container_name(LAB.id)

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# A runaway learner: a thousand processes from one shell (dash: a failed fork is not retried).
RUNAWAY = "i=0; while [ $i -lt 1000 ]; do sleep 120 & i=$((i+1)); done 2>/dev/null; true"


def _lab(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), env={"K2C_ROOT": str(REPO), "COLUMNS": "200"})
    assert result.exit_code == ExitCode.OK, result.output
    return result.output


def _host_config() -> dict:
    done = subprocess.run(["docker", "inspect", NAME], capture_output=True, check=True)
    return json.loads(done.stdout)[0]["HostConfig"]


def _processes() -> int:
    done = subprocess.run(
        ["docker", "top", NAME, "-o", "pid"], capture_output=True, text=True, check=True
    )
    return len(done.stdout.splitlines()) - 1


@pytest.fixture
def finish() -> Iterator[None]:
    yield
    environments.remove(NAME)


def test_a_runaway_learner_is_held_by_the_default_limits_lab_start_shows(finish) -> None:
    assert (DEFAULT_MEMORY, DEFAULT_PIDS_LIMIT) == ("1g", 512)
    assert LAB.environment.limits == Limits("1g", 512)  # the lab keeps the defaults
    output = _lab("start", LAB.id)
    assert "limits:       1g of memory, 512 processes (the lab's;" in output
    config = _host_config()
    assert (config["PidsLimit"], config["Memory"]) == (512, 1 << 30)
    subprocess.run(["docker", "exec", NAME, "sh", "-c", RUNAWAY], timeout=120, check=False)
    assert 400 < _processes() <= 512


def test_the_limits_can_be_changed_when_starting(finish) -> None:
    output = _lab("start", LAB.id, "--memory", "256m", "--pids", "64")
    assert "limits:       256m of memory, 64 processes (set on the command line;" in output
    config = _host_config()
    assert (config["PidsLimit"], config["Memory"]) == (64, 256 << 20)
    subprocess.run(["docker", "exec", NAME, "sh", "-c", RUNAWAY], timeout=120, check=False)
    assert _processes() <= 64


def test_every_node_of_a_multi_node_environment_gets_the_limits() -> None:
    swarm = load_course(REPO).lab("swarm")
    name = environments.container_name(swarm.id)
    try:
        output = _lab("start", swarm.id, "--pids", "300")
        assert "limits:       1g of memory, 300 processes (set on the command line;" in output
        nodes = environments.node_containers(swarm, name).values()
        assert len(nodes) > 1
        configs = [environments.client().api.inspect_container(n)["HostConfig"] for n in nodes]
        assert {(c["PidsLimit"], c["Memory"]) for c in configs} == {(300, 1 << 30)}
    finally:
        environments.remove(name)
