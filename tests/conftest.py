"""Shared fixtures: the fixture course, scratch labs, and the CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from xdist.scheduler import LoadGroupScheduling

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course"
# `lab check` leaves a resident checker behind (checker.resident); in tests, let it go soon.
os.environ.setdefault("K2C_RESIDENT_IDLE", "30")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fixture_course(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point `lab` at the fixture course (lab `demo`)."""
    monkeypatch.setenv("K2C_ROOT", str(FIXTURE_COURSE))
    return FIXTURE_COURSE


@pytest.fixture
def scratch_course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the fixture course, for tests that break it on purpose."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    monkeypatch.setenv("K2C_ROOT", str(root))
    return root


def edit_manifest(root: Path, change: dict) -> Path:
    """Merge `change` into the demo lab's manifest; return the manifest path."""
    path = root / "labs" / "demo" / "lab.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def cli() -> CliRunner:
    """A click runner for `lab` commands."""
    return CliRunner()


# The suite runs on several xdist workers (`./dev test`, `--dist loadgroup`). Most tests share
# engine-wide things (the fixed container names of the learner's own environments, the classroom's
# and the bench's, the resident checker), so every test is in the `shared` group, which one worker
# runs in order, unless it names a group of its own: a lab's self-tests (their containers are named
# after the lab and "selftest") and the heavy environments' tests (the cluster tests, which share
# one cluster a session starts, and the cloud fixture's).
SHARED = "shared"
# The groups started first, longest first, so that no long one starts last (measured in CI).
LONGEST_FIRST = (
    "packstack", "kube", SHARED, "lab-swarm", "lab-microservices", "lab-virtual-machines",
    "lab-images", "lab-networking",
)  # fmt: skip


def group_of(item: pytest.Item) -> str:
    """The xdist group a test runs in: the one it names, its lab's self-tests' group, or shared."""
    if (mark := item.get_closest_marker("xdist_group")) is not None:
        return str(mark.args[0] if mark.args else mark.kwargs["name"])
    if item.get_closest_marker("cluster") is not None:  # one cluster for them all, one worker
        return "kube"
    if item.path.name == "test_labs.py" and (lab := getattr(item, "callspec", None)):
        return f"lab-{lab.params['lab'].id}"
    return SHARED


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (it runs last otherwise)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put every test in its group, and the groups in the order the workers should take them."""
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group_of(item)))
    items.sort(key=lambda item: rank.get(group_of(item), len(rank)))  # stable: order kept within


class OneGroupPerWorker(LoadGroupScheduling):
    """xdist's group scheduling, but a worker takes its next group only when it is on its last test.

    xdist hands a worker another group as soon as it has two tests or fewer pending, so a worker
    running a group of two long self-tests would also hold the next group while the other workers
    idle. A worker needs one test queued after the running one to run it, hence one, not zero.
    """

    def __init__(self, config: pytest.Config, log: Any) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep LONGEST_FIRST's order, not xdist's by size

    def _reschedule(self, node: Any) -> None:
        if (
            not node.shutting_down
            and self.workqueue
            and self._pending_of(self.assigned_work[node]) > 1
        ):
            return
        super()._reschedule(node)


@pytest.hookimpl(optionalhook=True)  # the fixture course's own pytest runs load no xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Our scheduler when the suite runs with `--dist loadgroup`; xdist's own otherwise."""
    if config.getvalue("dist") == "loadgroup":
        return OneGroupPerWorker(config, log)
    return None
