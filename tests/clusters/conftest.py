"""The Kubernetes cluster the cluster labs' tests share: built (cached) and started once.

`clusters.build()` is idempotent and keyed by its inputs (`lab cluster build` is the same call,
for CI to start early); `kube_cluster` starts the kubernetes lab's self-test cluster once per
session unless one already runs, and removes it at the end only if it started it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from checker import clusters
from checker.manifest import Lab, load_course

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def kube_lab() -> Lab:
    """The course's kubernetes lab."""
    return load_course(REPO).lab("kubernetes")


@pytest.fixture(scope="session")
def kube_cluster(kube_lab: Lab) -> Iterator[clusters.Cluster]:
    """The kubernetes lab's self-test cluster, running (self-tests find it and share it)."""
    cluster = clusters.selftest_cluster(kube_lab)
    ours = not clusters.running(cluster)
    if ours:
        clusters.start_lab(kube_lab, cluster.name)
    yield cluster
    if ours:
        clusters.remove(cluster.name)
