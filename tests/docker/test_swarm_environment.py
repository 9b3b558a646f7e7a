"""The swarm lab's environment of four containers, as one learner's environment everywhere.

`lab start` twice leaves one cluster, `lab finish` leaves nothing (even after a start killed
half-way), `lab class up` gives each student a cluster with their nonce on every node, `lab grade`
grades a solved and a fresh cluster right, and a broken cluster gets hints naming what broke.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import environments
from checker.classroom.fleet import class_down
from checker.classroom.identity import NONCE_ENV, load_state
from checker.cli import main
from checker.manifest import Lab, load_lab
from checker.runner import run_checks
from checker.solve import apply_steps
from checker.spec import parse_spec

pytestmark = [pytest.mark.docker, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
LAB = load_lab(REPO / "labs" / "swarm")
NODES = ("manager", "worker1", "worker2", "registry")


def left_behind(name: str) -> dict[str, list[str]]:
    """Every container, network and volume of environment NAME that still exists."""
    engine = environments.client()
    selector = {"label": f"{environments.ENVIRONMENT_LABEL}={name}"}
    named = [
        c.name
        for c in engine.containers.list(ignore_removed=True, all=True)
        if c.name.startswith(name + ".")
    ]
    named += [
        c.name
        for c in engine.containers.list(
            ignore_removed=True, all=True, filters={"name": f"^{name}$"}
        )
    ]
    return {
        "containers": sorted(
            {
                c.name
                for c in engine.containers.list(ignore_removed=True, all=True, filters=selector)
            }
            | set(named)
        ),
        "networks": sorted(n.name for n in engine.networks.list(filters=selector)),
        "volumes": sorted(v.name for v in engine.volumes.list(filters=selector)),
    }


def nothing(found: dict[str, list[str]]) -> bool:
    """True when nothing is left."""
    return not any(found.values())


def settled(name: str, quiet: float = 2.0, limit: float = 60.0) -> dict[str, list[str]]:
    """What the engine holds of NAME once it has not changed for `quiet` seconds.

    A killed client's last request (a node's create) still completes in the engine after the
    client is gone: a learner's `lab finish` comes after that, not within the same instant.
    """
    last, since = left_behind(name), time.monotonic()
    deadline = since + limit
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.2)
        now = left_behind(name)
        if now != last:
            last, since = now, time.monotonic()
    return last


def anonymous_volumes(name: str) -> list[str]:
    """The volumes mounted in the environment's containers (none expected, all removed)."""
    engine = environments.client()
    selector = {"label": f"{environments.ENVIRONMENT_LABEL}={name}"}
    return [
        mount["Name"]
        for container in engine.containers.list(ignore_removed=True, all=True, filters=selector)
        for mount in container.attrs.get("Mounts") or []
        if mount.get("Type") == "volume"
    ]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """`lab` on this repository's course; the default swarm environment removed after."""
    monkeypatch.setenv("K2C_ROOT", str(REPO))
    yield CliRunner()
    environments.remove(environments.container_name(LAB.id))


def test_start_twice_leaves_one_cluster_and_finish_leaves_nothing(runner: CliRunner) -> None:
    name = environments.container_name(LAB.id)
    for _ in range(2):
        result = runner.invoke(main, ["start", "swarm"])
        assert result.exit_code == 0, result.output
    found = left_behind(name)
    assert found["containers"] == sorted([name, *(f"{name}.{node}" for node in NODES[1:])])
    assert found["networks"] == [f"{name}.net"]
    engine = environments.client()
    hostnames = {
        engine.containers.get(container).attrs["Config"]["Hostname"]
        for container in found["containers"]
    }
    assert hostnames == set(NODES)
    volumes = anonymous_volumes(name)
    result = runner.invoke(main, ["finish", "swarm"])
    assert result.exit_code == 0, result.output
    assert nothing(left_behind(name)), left_behind(name)
    existing = {volume.name for volume in engine.volumes.list()}
    assert not existing.intersection(volumes)


def test_finish_removes_a_start_killed_half_way(runner: CliRunner) -> None:
    name = environments.container_name(LAB.id)
    environments.build_image(LAB)  # so the start below reaches its nodes quickly
    env = {**os.environ, "K2C_ROOT": str(REPO)}
    lab = [sys.executable, "-c", "from checker.cli import main; main()"]
    with subprocess.Popen([*lab, "start", "swarm"], env=env) as start:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not left_behind(name)["containers"]:
            time.sleep(0.05)
        start.send_signal(signal.SIGKILL)
    half = settled(name)
    assert half["networks"], "the start was killed before it made anything: nothing tested"
    assert len(half["containers"]) < len(NODES) or half["containers"], half
    result = runner.invoke(main, ["finish", "swarm"])
    assert result.exit_code == 0, result.output
    assert nothing(left_behind(name)), left_behind(name)


@pytest.fixture
def class_down_after() -> Iterator[Lab]:
    """Remove the class's clusters whatever happens."""
    yield LAB
    class_down(LAB)


def test_a_class_of_two_clusters_is_graded_solved_and_fresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, class_down_after: Lab
) -> None:
    monkeypatch.setenv("K2C_ROOT", str(REPO))
    runner = CliRunner()
    roster = tmp_path / "class.csv"
    with roster.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "name", "email", "target"])
        writer.writerow(["s-solved", "Solved", "solved@example.org", ""])
        writer.writerow(["s-fresh", "Fresh", "fresh@example.org", ""])
    result = runner.invoke(main, ["class", "up", "swarm", "--roster", str(roster)])
    assert result.exit_code == 0, result.output

    state = load_state(tmp_path / "class.swarm.class.json", "swarm")
    engine = environments.client()
    for student in ("s-solved", "s-fresh"):
        name = environments.container_name("swarm", student)
        nodes = environments.node_containers(LAB, name)
        assert set(nodes) == set(NODES)
        for container in nodes.values():  # the nonce is seeded in every node, the same one
            env = engine.containers.get(container).attrs["Config"]["Env"]
            assert f"{NONCE_ENV}={state.nonces[student]}" in env, (container, env)

    apply_steps(LAB, parse_spec(f"docker://{environments.container_name('swarm', 's-solved')}"))
    out = tmp_path / "grades"
    result = runner.invoke(main, ["grade", "swarm", "--roster", str(roster), "--out", str(out)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        rows = {
            student: (status, score)
            for student, status, score in db.execute("SELECT student, status, score FROM grades")
        }
    assert rows == {"s-solved": ("graded", LAB.max_score), "s-fresh": ("graded", 0)}
    results = json.loads((out / "results" / "s-solved.json").read_text())
    assert results.get("extra", {}).get("trust", "examined") == "examined"

    result = runner.invoke(main, ["class", "down", "swarm", "--roster", str(roster)])
    assert result.exit_code == 0, result.output
    assert "removed 2 class environments" in result.output
    for student in ("s-solved", "s-fresh"):
        name = environments.container_name("swarm", student)
        assert nothing(left_behind(name)), left_behind(name)


def rejected(name: str, service: str, limit: float = 300.0) -> str:
    """The error of SERVICE's first task the swarm rejected or failed, once there is one."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        listed = subprocess.run(
            [
                "docker",
                "exec",
                name,
                "docker",
                "service",
                "ps",
                service,
                "--no-trunc",
                "--format",
                "{{.CurrentState}}\t{{.Error}}",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ).stdout
        for state, _, error in (line.partition("\t") for line in listed.splitlines()):
            if state.split()[:1] in (["Rejected"], ["Failed"]) and error:
                return error
        time.sleep(2)
    raise AssertionError(f"no task of {service} was rejected within {limit:.0f} s: {listed}")


def test_faults_get_hints_naming_what_broke(runner: CliRunner) -> None:
    """A worker that cannot join, a registry that is down, a service stuck pulling."""
    spec = environments.start(LAB)
    name = spec.name
    nodes = environments.node_containers(LAB, name)
    engine = environments.client()
    # worker2 will not join: its engine is gone (once it has started: a busy node is slow to).
    subprocess.run(["docker", "exec", nodes["worker2"], "wait-docker"], check=True, timeout=360)
    subprocess.run(
        ["docker", "exec", nodes["worker2"], "pkill", "-x", "dockerd"], check=True, timeout=60
    )
    script = (
        "docker swarm init --advertise-addr eth0 >/dev/null && "
        "docker -H tcp://worker1:2375 swarm join --token $(docker swarm join-token -q worker) "
        "manager:2377"
    )
    subprocess.run(["docker", "exec", name, "sh", "-c", script], check=True, timeout=180)
    # The registry is down, so web's tasks cannot pull their image anywhere.
    engine.containers.get(nodes["registry"]).stop(timeout=1)
    subprocess.run(
        [
            "docker",
            "exec",
            name,
            "docker",
            "service",
            "create",
            "-d",
            "--name",
            "web",
            "--replicas",
            "3",
            "--replicas-max-per-node",
            "1",
            "--publish",
            "published=8080,target=80,mode=host",
            "registry:5000/web:1",
        ],
        check=True,
        timeout=180,
    )
    rejected(name, "web")
    [report] = run_checks(LAB, [spec], vantage="outside")
    tasks = {task.id: task for task in report.tasks}
    assert tasks["cluster"].status == "failed"
    assert "worker2" in tasks["cluster"].message
    assert "does not answer" in tasks["cluster"].message
    assert tasks["registry"].status == "failed"
    assert nodes["registry"] in tasks["registry"].message
    assert tasks["deploy"].status == "failed"
    message = tasks["deploy"].message
    assert "No task of web runs on" in message, message
    assert "registry:5000" in message or "No such image" in message, message
