"""Shared fixtures: the fixture course, scratch labs, and the CLI runner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

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
