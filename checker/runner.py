"""Run a lab's checks against targets and read back one report per target.

pytest runs in a subprocess: repeated `pytest.main()` in one process reuses stale imports of the
check modules, which would break notebooks and long-lived graders.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from checker.manifest import Lab, ManifestError
from checker.report import Report, clean_text

ENGINES = ("persistent", "testinfra")


class RunError(Exception):
    """pytest itself could not run the checks."""


def pytest_argv(lab: Lab, targets: list[str], *, engine: str = "persistent",
                include_hidden: bool = False, report: Path | None = None) -> list[str]:
    """The pytest command line that checks `targets` (shared with benchmarks and docs)."""
    argv = [sys.executable, "-m", "pytest", str(lab.checks_dir), "-p", "checker.plugin",
            "-q", "--no-header", "-p", "no:cacheprovider", "--rootdir", str(lab.checks_dir),
            "-c", os.devnull, "--lab-engine", engine]
    for spec in targets:
        argv += ["--lab-target", spec]
    if include_hidden:
        argv.append("--lab-hidden")
    if report is not None:
        argv += ["--lab-report", str(report)]
    return argv


def run_checks(lab: Lab, targets: list[str], *, engine: str = "persistent",
               include_hidden: bool = False, timeout: float | None = None) -> list[Report]:
    """Run the lab's checks on every target in one pytest session.

    Returns:
        One report per target, in the order given.

    Raises:
        ManifestError: the checks are bound to tasks wrongly (unknown task, task without check).
        RunError: pytest crashed or timed out before writing its reports.
    """
    with tempfile.TemporaryDirectory(prefix="k2c-run-") as folder:
        report_path = Path(folder) / "report.json"
        argv = pytest_argv(lab, targets, engine=engine, include_hidden=include_hidden,
                           report=report_path)
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
               "PYTHONDONTWRITEBYTECODE": "1"}
        try:
            done = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                                  timeout=timeout, env=env, cwd=folder, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RunError(f"checks of {lab.id} did not finish within {timeout:.0f} s") from exc
        if not report_path.exists():
            tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
            raise RunError(f"pytest could not run the checks of {lab.id}: "
                           + clean_text(" | ".join(tail), 500))
        data = json.loads(report_path.read_text(encoding="utf-8"))
    if data["content_error"]:
        raise ManifestError(data["content_error"])
    return [Report.from_dict(report) for report in data["reports"]]
