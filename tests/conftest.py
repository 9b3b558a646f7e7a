"""Shared fixtures: the fixture course, scratch labs, and the CLI runner."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from xdist.scheduler import LoadScopeScheduling

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


# The suite runs on several xdist workers (`./dev test`). Most tests share engine-wide things (the
# fixed container names of the learner's own environments, the classroom's and the bench's, the
# resident checker), so they form the `shared` group, which one worker runs in order. A lab's
# own tests (self-tests and the examiner's liars: containers named after the lab) and the heavy
# environments' tests (one cluster for tests/clusters, one for the class of pods, the cloud
# fixture) are groups of their own. Groups are known by the test's id alone: xdist's own
# `xdist_group` marks no longer reach its scheduler under pytest 9.2 (it rewrites a node id
# that pytest now derives), and the scheduler, in the controller, sees ids, not tests.
SHARED = "shared"
OWN_GROUPS = {
    "tests/selftests/test_packstack.py": "packstack",
    "tests/clusters/": "kube",
    "tests/classroom/test_kube_class.py": "kube-class",
}
# The groups started first, longest first, so that no long one starts last (measured in CI).
LONGEST_FIRST = (
    "packstack", "kube", SHARED, "lab-swarm", "lab-microservices", "lab-virtual-machines",
    "lab-images", "lab-networking",
)  # fmt: skip
# A lab's own tests: its self-tests, and the examiner's liars on it (its environments are named
# apart from the self-tests', but they load the machine alike: two VM labs booting guests under
# emulation at once starve each other past their timeouts).
_LAB_TEST = re.compile(
    r"^tests/(selftests/test_labs\.py::\w+"
    r"|examiner/test_examiner\.py::test_lying_tools_earn_nothing_from_lab_grade)"
    r"\[(?P<lab>[\w-]+)\]$"
)


def group_of(nodeid: str) -> str:
    """The group a test runs in, from its id: its own, its lab's, or shared."""
    if match := _LAB_TEST.match(nodeid):
        return f"lab-{match['lab']}"
    path = nodeid.partition("::")[0]
    for prefix, group in OWN_GROUPS.items():
        if path.startswith(prefix):
            return group
    return SHARED


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the tests as the workers should take their groups: longest groups first."""
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(group_of(item.nodeid), len(rank)))  # stable sort


class OneGroupPerWorker(LoadScopeScheduling):
    """Each group to one worker, in collection order; the next group only to a worker on its last.

    xdist hands a worker another unit as soon as it has two tests or fewer pending, so a worker
    running a group of two long self-tests would also hold the next group while the other workers
    idle. A worker needs one test queued after the running one to run it, hence one, not zero.
    """

    def __init__(self, config: pytest.Config, log: Any) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep LONGEST_FIRST's order, not xdist's by size

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid)

    def _reschedule(self, node: Any) -> None:
        if (
            not node.shutting_down
            and self.workqueue
            and self._pending_of(self.assigned_work[node]) > 1
        ):
            return
        super()._reschedule(node)


# tryfirst: xdist's own implementation answers otherwise (the first answer wins). Optional: the
# fixture course's own pytest runs load no xdist.
@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Our scheduler when the suite runs with `--dist loadgroup`; xdist's own otherwise."""
    if config.getvalue("dist") == "loadgroup":
        return OneGroupPerWorker(config, log)
    return None
