"""Fixtures of the kubernetes checks (helpers live in kubelab.py, beside this file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kubelab import Cluster, read_cluster


@pytest.fixture(scope="session")
def params() -> dict[str, Any]:
    """The `params:` mapping of this lab's manifest (lab.yaml next to checks/)."""
    manifest = yaml.safe_load((Path(__file__).parent.parent / "lab.yaml").read_text())
    return dict(manifest.get("params") or {})


@pytest.fixture(scope="session")
def cluster(host: Any) -> Cluster:
    """The learner's namespace, read once per target."""
    return read_cluster(host)
