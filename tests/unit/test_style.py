"""The codebase stays clean as CI checks it: ruff's lint and format, mypy on `checker/`.

Settings live in pyproject.toml (`[tool.ruff]`, `[tool.mypy]`); these tests run the tools as a
developer would, so `./dev test` (CI) fails on the first unformatted line or type error.
"""

import subprocess
import sys

from tests.conftest import REPO


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=REPO,
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_ruff_finds_nothing_to_say():
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_ruff_format_changes_nothing():
    done = _run("ruff", "format", "--check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


def test_mypy_finds_no_type_error_in_checker():
    done = _run("mypy", "checker")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
