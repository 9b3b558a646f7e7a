"""The kubernetes lab keeps the self-test contract on a real cluster, and its guide solves it.

Every case works in a namespace of its own on one shared cluster (`kube_cluster`): fresh fails,
solved passes, and each task fails with only its own step left out.
"""

from __future__ import annotations

import pytest

from checker import clusters
from checker.manifest import Lab
from checker.selftest import SelftestResult, selftest

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.cluster]


def problems(result: SelftestResult) -> dict[str, list[str]]:
    return {r.case.name: r.problems for r in result.results if r.problems}


def test_selftest(kube_lab: Lab, kube_cluster: clusters.Cluster) -> None:
    result = selftest(kube_lab)
    assert result.ok, problems(result)
    kinds = {r.case.name.partition(":")[0] for r in result.results}  # "fresh: no step applied"
    assert kinds >= {"fresh", "solved"}, kinds
    assert len(result.results) == len(kube_lab.tasks) + 2  # one case per task left out


def test_the_guide_commands_solve_the_lab(kube_lab: Lab, kube_cluster: clusters.Cluster) -> None:
    result = selftest(kube_lab, source="guide", scope="solved")
    assert result.ok, problems(result)
