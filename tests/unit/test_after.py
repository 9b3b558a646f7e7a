"""Tasks built on others (`after:`) and environments of several nodes: manifest and cases."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checker.environments import node_containers
from checker.manifest import ManifestError, load_lab
from checker.selftest import cases

REPO = Path(__file__).resolve().parents[2]


def _tasks(root: Path, after: dict[str, list[str]]) -> Path:
    path = root / "labs" / "demo" / "lab.yaml"
    data = yaml.safe_load(path.read_text())
    for task in data["tasks"]:
        if task["id"] in after:
            task["after"] = after[task["id"]]
    path.write_text(yaml.safe_dump(data))
    return path.parent


def test_a_task_may_come_after_earlier_tasks_only(scratch_course: Path) -> None:
    lab = load_lab(_tasks(scratch_course, {"listener": ["greeting"]}))
    assert lab.task("listener").after == ("greeting",)
    with pytest.raises(ManifestError, match=r"tasks\[0\]\.after: 'secret' is not an earlier"):
        load_lab(_tasks(scratch_course, {"greeting": ["secret"]}))


def test_leaving_a_task_out_leaves_out_the_tasks_after_it(scratch_course: Path) -> None:
    lab = load_lab(_tasks(scratch_course, {"listener": ["greeting"], "secret": ["listener"]}))
    found = {case.name.split(":")[0]: case for case in cases(lab)}
    # Without greeting nothing can run: the same steps as the fresh case, which judges both.
    assert found["fresh"].steps == ()
    assert "without greeting" not in found
    assert [case.must_fail for case in cases(lab) if case.steps == ()] == [
        ("greeting", "listener", "secret")
    ]
    assert found["without listener"].steps == ("greeting",)
    assert found["without listener"].must_fail == ("listener",)
    assert found["without secret"].steps == ("greeting", "listener")


def test_without_after_every_case_still_leaves_out_one_step(fixture_course: Path) -> None:
    lab = load_lab(fixture_course / "labs" / "demo")
    every = tuple(task.id for task in lab.tasks)
    left_out = [case for case in cases(lab) if case.name.startswith("without")]
    assert [case.steps for case in left_out] == [
        tuple(other for other in every if other != task) for task in every
    ]


def test_the_swarm_lab_has_four_nodes_the_first_named_after_the_environment() -> None:
    lab = load_lab(REPO / "labs" / "swarm")
    assert node_containers(lab, "k2c-swarm-ada") == {
        "manager": "k2c-swarm-ada",
        "worker1": "k2c-swarm-ada.worker1",
        "worker2": "k2c-swarm-ada.worker2",
        "registry": "k2c-swarm-ada.registry",
    }
    assert lab.environment.nodes[3].command == ("tini", "--", "k2c-registry")
    assert node_containers(load_lab(REPO / "labs" / "images"), "k2c-images") == {}
