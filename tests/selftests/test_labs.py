"""Every lab of the course keeps the self-test contract, and its guide's commands solve it.

Both run on the real Docker engine, on fresh containers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.manifest import Lab, load_course
from checker.selftest import SelftestResult, selftest

REPO = Path(__file__).resolve().parents[2]
# Labs on a whole VM (target.vm) are proven on their own live target (tests/selftests/
# test_packstack.py), not on fresh containers of their image; labs on a Kubernetes cluster
# (target.cluster) on a shared cluster (tests/clusters/).
LABS = [
    lab
    for lab in load_course(REPO).labs
    if lab.environment.vm is None and lab.environment.cluster is None
]

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def problems(result: SelftestResult) -> dict[str, list[str]]:
    return {r.case.name: r.problems for r in result.results if r.problems}


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_selftest(lab: Lab) -> None:
    result = selftest(lab)
    assert result.ok, problems(result)


@pytest.mark.parametrize("lab", LABS, ids=[lab.id for lab in LABS])
def test_the_guide_commands_solve_the_lab(lab: Lab) -> None:
    result = selftest(lab, source="guide", scope="solved")
    assert result.ok, problems(result)
