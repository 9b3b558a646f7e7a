"""The codebase stays `ruff` clean: lint rules and public docstrings (pyproject.toml)."""

import subprocess
import sys

from tests.conftest import REPO


def test_ruff_finds_nothing_to_say():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=REPO,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
