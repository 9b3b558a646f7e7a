"""Run a lab's checks against targets and read back one report per target.

pytest runs in a subprocess: repeated `pytest.main()` in one process reuses stale imports of the
check modules, which would break notebooks and long-lived graders.

Start-up is kept lean, since a one-shot `lab check` is mostly start-up: no installed plugin is
autoloaded, pytest's plugins that lab checks never use are blocked (JUnit, doctest, pastebin,
stepwise, setup plans, and the unraisable/thread exception hooks, whose garbage collection at
exit alone costs tenths of a second), and the check modules' assertion-rewritten bytecode is
kept in the user's cache folder (`$XDG_CACHE_HOME/kernel-to-cloud/pycache`, the source tree is
never written) instead of being rewritten and compiled again on every run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path

from checker.errors import ContentError
from checker.manifest import Lab, ManifestError
from checker.report import Report, clean_text
from checker.spec import TargetSpec

ENGINES = ("persistent", "testinfra")
# Only our plugin: other installed pytest plugins would slow every check and could change it.
_PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
# pytest's own plugins that lab checks never need.
LEAN = (
    "no:cacheprovider", "no:junitxml", "no:doctest", "no:pastebin", "no:stepwise",
    "no:setuponly", "no:setupplan", "no:unraisableexception", "no:threadexception",
)  # fmt: skip


def pycache() -> Path:
    """Where compiled (and assertion-rewritten) check modules are kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kernel-to-cloud" / "pycache"


@contextlib.contextmanager
def pytest_here() -> Iterator[None]:
    """Set this process up to run pytest in-process as `lab` does; restore it afterwards.

    Plugin autoloading off; bytecode, the check modules' rewritten bytecode included, written to
    and read from `pycache()` rather than beside the sources.
    """
    saved = {key: os.environ.get(key) for key in _PYTEST_ENV}
    prefix, dont_write = sys.pycache_prefix, sys.dont_write_bytecode
    os.environ.update(_PYTEST_ENV)
    sys.pycache_prefix, sys.dont_write_bytecode = str(pycache()), False
    try:
        yield
    finally:
        sys.pycache_prefix, sys.dont_write_bytecode = prefix, dont_write
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key)
            else:
                os.environ[key] = value


class RunError(ContentError):
    """pytest itself could not run the checks."""


def pytest_argv(
    lab: Lab,
    targets: Sequence[TargetSpec],
    *,
    engine: str = "persistent",
    include_hidden: bool = False,
    report: Path | None = None,
    stream: Path | None = None,
    vantage: str = "inside",
    tasks: Collection[str] = (),
) -> list[str]:
    """The pytest command line that checks `targets` (shared with benchmarks and docs)."""
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(lab.checks_dir),
        "-p",
        "checker.plugin",
        *(word for plugin in LEAN for word in ("-p", plugin)),
        "--rootdir",
        str(lab.checks_dir),
        "-c",
        os.devnull,
        "--lab-engine",
        engine,
        "--lab-vantage",
        vantage,
    ]
    for target in targets:
        argv += ["--lab-target", target.spec]
    if include_hidden:
        argv.append("--lab-hidden")
    for task_id in tasks:
        argv += ["--lab-task", task_id]
    if report is not None:
        argv += ["--lab-report", str(report)]
    if stream is not None:
        argv += ["--lab-stream", str(stream)]
    return argv


def run_checks(
    lab: Lab,
    targets: Sequence[TargetSpec],
    *,
    engine: str = "persistent",
    include_hidden: bool = False,
    timeout: float | None = None,
    on_report: Callable[[Report], None] | None = None,
    in_process: bool = False,
    vantage: str = "inside",
    tasks: Collection[str] = (),
) -> list[Report]:
    """Run the lab's checks on every target in one pytest session.

    Args:
        lab: the lab whose checks run.
        targets: parsed target specs; each is checked by every check.
        engine: `persistent` (one shell per target) or `testinfra` (stock backends).
        include_hidden: also run hidden tasks' checks (grading).
        timeout: seconds the whole session may take.
        on_report: called with each target's report as soon as that target is done.
        in_process: run pytest in this process, sparing an interpreter start and the imports
            (about 0.3 s): only for a one-shot process such as the `lab` command, since check
            modules imported once stay imported.
        vantage: `inside` (the target's own shell) or `outside` (the examiner, for Docker
            targets: `checker.examiner`).
        tasks: run only these tasks' checks (default: every task); reports list only them.

    Returns:
        One report per target, in the order given.

    Raises:
        ManifestError: the checks are bound to tasks wrongly (unknown task, task without check).
        RunError: pytest crashed or timed out before writing its reports.
    """
    with tempfile.TemporaryDirectory(prefix="k2c-run-") as folder:
        report_path, stream_path = Path(folder) / "report.json", Path(folder) / "stream.jsonl"
        argv = pytest_argv(
            lab,
            targets,
            engine=engine,
            include_hidden=include_hidden,
            report=report_path,
            stream=stream_path if on_report else None,
            vantage=vantage,
            tasks=tasks,
        )
        if in_process:
            _run_here(argv[3:])
        else:
            _run_subprocess(lab, argv, timeout, stream_path, on_report)
        if not report_path.exists():
            raise RunError(
                f"pytest could not run the checks of {lab.id}: "
                + clean_text(" | ".join(_output_tail(folder)), 500)
            )
        data = json.loads(report_path.read_text(encoding="utf-8"))
    if data["content_error"]:
        raise ManifestError(data["content_error"])
    return [Report.from_dict(report) for report in data["reports"]]


def _run_here(args: list[str]) -> None:
    """Run pytest in this process, silently: the report file is the only output we read."""
    import pytest

    with pytest_here(), contextlib.redirect_stdout(io.StringIO()):
        pytest.main([*args, "-p", "no:terminal"])


def _run_subprocess(
    lab: Lab,
    argv: list[str],
    timeout: float | None,
    stream: Path,
    on_report: Callable[[Report], None] | None,
) -> None:
    """Run pytest as a child process, its output kept in a file for error messages."""
    output = stream.parent / "output.txt"
    with (
        output.open("wb") as sink,
        subprocess.Popen(
            [*argv, "-q", "--no-header"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **_PYTEST_ENV, "PYTHONPYCACHEPREFIX": str(pycache())},
            cwd=stream.parent,
        ) as proc,
    ):
        try:
            _wait(proc, timeout, stream, on_report)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            raise RunError(f"checks of {lab.id} did not finish within {timeout:.0f} s") from exc


def _output_tail(folder: str) -> list[str]:
    output = Path(folder) / "output.txt"
    text = output.read_bytes().decode("utf-8", "replace") if output.exists() else ""
    return text.strip().splitlines()[-3:] or ["no output"]


def _wait(
    proc: subprocess.Popen[bytes],
    timeout: float | None,
    stream: Path,
    on_report: Callable[[Report], None] | None,
) -> None:
    """Wait for pytest, handing on each target's report as its line lands in the stream."""
    if on_report is None:
        proc.wait(timeout)
        return
    deadline = None if timeout is None else time.monotonic() + timeout
    offset = 0
    while True:
        finished = proc.poll() is not None
        if stream.exists():
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
