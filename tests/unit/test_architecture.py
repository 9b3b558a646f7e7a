"""ARCHITECTURE.md stays true: it names every module of checker/ in its place."""

import re

from tests.conftest import REPO


def test_architecture_names_every_module_of_checker():
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_]+)", text))
    modules = {
        path.stem
        for path in (REPO / "checker").rglob("*.py")
        if path.stem != "__init__" and "__pycache__" not in path.parts
    }
    assert modules - named == set()
