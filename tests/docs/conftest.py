"""Fixtures of the docs tests: the built site, and the hooks loaded as modules."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "build" / "artifacts"


def load_hook(name: str) -> ModuleType:
    """Import `docs/hooks/<name>.py` the way mkdocs does: as a module loaded from its path."""
    path = REPO / "docs" / "hooks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"k2c_docs_hook_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def labs_hook() -> ModuleType:
    """docs/hooks/labs.py."""
    return load_hook("labs")


@pytest.fixture(scope="session")
def cli_hook() -> ModuleType:
    """docs/hooks/cli.py."""
    return load_hook("cli")


def build_site(out: Path) -> Path:
    """Build the site with `mkdocs build --strict` into `out`; return it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("K2C_ROOT", None)  # the real course, whatever another test pointed `lab` at
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-4000:]}"
    return out


@pytest.fixture(scope="session")
def site_builder() -> Callable[[Path], Path]:
    """`build_site`, for a test that needs a build of its own (after executing notebooks)."""
    return build_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site with `mkdocs build --strict` once per session; return its folder."""
    return build_site(tmp_path_factory.mktemp("site"))
