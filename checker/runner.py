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
import time
from collections.abc import Callable
from pathlib import Path

from checker.manifest import Lab, ManifestError
from checker.report import Report, clean_text

ENGINES = ("persistent", "testinfra")


class RunError(Exception):
    """pytest itself could not run the checks."""


def pytest_argv(lab: Lab, targets: list[str], *, engine: str = "persistent",
                include_hidden: bool = False, report: Path | None = None,
                stream: Path | None = None) -> list[str]:
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
    if stream is not None:
        argv += ["--lab-stream", str(stream)]
    return argv


def run_checks(lab: Lab, targets: list[str], *, engine: str = "persistent",
               include_hidden: bool = False, timeout: float | None = None,
               on_report: Callable[[Report], None] | None = None) -> list[Report]:
    """Run the lab's checks on every target in one pytest session.

    Args:
        lab: the lab whose checks run.
        targets: target specs; each is checked by every check.
        engine: `persistent` (one shell per target) or `testinfra` (stock backends).
        include_hidden: also run hidden tasks' checks (grading).
        timeout: seconds the whole session may take.
        on_report: called with each target's report as soon as that target is done.

    Returns:
        One report per target, in the order given.

    Raises:
        ManifestError: the checks are bound to tasks wrongly (unknown task, task without check).
        RunError: pytest crashed or timed out before writing its reports.
    """
    with tempfile.TemporaryDirectory(prefix="k2c-run-") as folder:
        report_path, stream_path = Path(folder) / "report.json", Path(folder) / "stream.jsonl"
        argv = pytest_argv(lab, targets, engine=engine, include_hidden=include_hidden,
                           report=report_path, stream=stream_path if on_report else None)
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
               "PYTHONDONTWRITEBYTECODE": "1"}
        output = Path(folder) / "output.txt"
        with output.open("w+b") as sink, subprocess.Popen(
            argv, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=folder
        ) as proc:
            try:
                _wait(proc, timeout, stream_path, on_report)
            except subprocess.TimeoutExpired as exc:
                proc.kill()
                raise RunError(f"checks of {lab.id} did not finish within {timeout:.0f} s") from exc
        if not report_path.exists():
            text = output.read_bytes().decode("utf-8", "replace")
            tail = text.strip().splitlines()[-3:]
            raise RunError(f"pytest could not run the checks of {lab.id}: "
                           + clean_text(" | ".join(tail), 500))
        data = json.loads(report_path.read_text(encoding="utf-8"))
    if data["content_error"]:
        raise ManifestError(data["content_error"])
    return [Report.from_dict(report) for report in data["reports"]]


def _wait(proc: subprocess.Popen[bytes], timeout: float | None, stream: Path,
          on_report: Callable[[Report], None] | None) -> None:
    """Wait for pytest, handing on each target's report as its line lands in the stream."""
    deadline = None if timeout is None else time.monotonic() + timeout
    offset = 0
    while True:
        finished = proc.poll() is not None
        if on_report and stream.exists():
            with stream.open("rb") as lines:
                lines.seek(offset)
                for line in lines:
                    if not line.endswith(b"\n"):
                        break  # a line still being written: read it next round
                    offset += len(line)
                    on_report(Report.from_dict(json.loads(line)))
        if finished:
            return
        if deadline is not None and time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout or 0)
        time.sleep(0.05)
