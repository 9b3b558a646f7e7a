"""Run the checks of a batch of targets in one pytest session, with a watchdog per target.

`checker.runner.run_checks` bounds a whole session; a class needs a bound per target: a learner
whose shell hangs must cost that learner a timeout, not the whole batch. The watchdog reads which
target is being checked (`checker.classroom.events`), kills the session when one overstays,
records it as timed out and goes on with the rest of the batch in a new session. Reports are
handed on as each target finishes, so nothing finished is ever lost.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from checker.manifest import Lab, ManifestError
from checker.report import Report, clean_text
from checker.runner import pycache, pytest_argv
from checker.spec import TargetSpec

# Collecting the checks and importing testinfra takes a few seconds on a loaded machine; a session
# that has not started its first target after this long is stuck, not slow.
STARTUP_TIMEOUT = 120.0
_POLL = 0.05

# A session must not outlive the grader: if `lab grade` is killed (even by SIGKILL), the kernel
# kills its pytest sessions too (PR_SET_PDEATHSIG), instead of leaving them grading for no one.
_LAUNCH = (
    "import ctypes, os, sys; ctypes.CDLL(None).prctl(1, 9, 0, 0, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


class BatchFailed(Exception):
    """pytest could not run the batch (crashed, or never started); the message says why."""


@dataclass
class Batch:
    """A batch's progress: the specs of the targets reported, and of the one that hung, if any."""

    targets: list[TargetSpec]
    done: set[str] = field(default_factory=set)
    hung: str | None = None


def check_batch(
    lab: Lab,
    targets: list[TargetSpec],
    *,
    engine: str,
    include_hidden: bool,
    target_timeout: float,
    on_report: Callable[[Report], None],
    on_identity: Callable[[dict[str, str]], None],
    on_timeout: Callable[[str], None],
    stop: threading.Event,
    vantage: str = "outside",
) -> None:
    """Check every target of the batch, restarting the session past any target that hangs.

    Each target's identity (`checker.classroom.events`) is handed to `on_identity` before its
    report is handed to `on_report`.

    Raises:
        ManifestError: the lab's checks are bound to tasks wrongly.
        BatchFailed: pytest itself failed; the targets not reported yet were not graded.
    """
    remaining = list(targets)
    while remaining and not stop.is_set():
        batch = Batch(remaining)
        _session(
            lab,
            batch,
            engine=engine,
            include_hidden=include_hidden,
            target_timeout=target_timeout,
            on_report=on_report,
            on_identity=on_identity,
            stop=stop,
            vantage=vantage,
        )
        if batch.hung is not None:
            on_timeout(batch.hung)
        remaining = [t for t in remaining if t.spec not in batch.done and t.spec != batch.hung]
        if batch.hung is None and remaining and not stop.is_set():
            raise BatchFailed("the checks session ended before reporting every target")


def _session(
    lab: Lab,
    batch: Batch,
    *,
    engine: str,
    include_hidden: bool,
    target_timeout: float,
    on_report: Callable[[Report], None],
    on_identity: Callable[[dict[str, str]], None],
    stop: threading.Event,
    vantage: str,
) -> None:
    with tempfile.TemporaryDirectory(prefix="k2c-grade-") as name:
        folder = Path(name)
        report, stream, events = folder / "report.json", folder / "stream.jsonl", folder / "ev"
        argv = pytest_argv(
            lab,
            batch.targets,
            engine=engine,
            include_hidden=include_hidden,
            report=report,
            stream=stream,
            vantage=vantage,
        )
        argv += ["-p", "checker.classroom.events", "--class-events", str(events)]
        if sys.platform.startswith("linux"):
            argv = [sys.executable, "-c", _LAUNCH, *argv]
        # The check modules' rewritten bytecode is kept where `lab check` keeps it, so a batch
        # does not compile them again; the source tree is never written.
        env = {
            **os.environ,
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTHONPYCACHEPREFIX": str(pycache()),
        }
        output = folder / "output.txt"
        with output.open("w+b") as sink:
            # Its own process group, so one kill takes pytest and every `docker exec` it started.
            proc = subprocess.Popen(
                argv,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=folder,
                start_new_session=True,
            )
            try:
                _watch(proc, batch, stream, events, target_timeout, on_report, on_identity, stop)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if batch.hung is not None or stop.is_set():
            return
        _finish(lab, batch, report, output, on_report)


def _finish(
    lab: Lab, batch: Batch, report: Path, output: Path, on_report: Callable[[Report], None]
) -> None:
    """Hand on what the final report says of targets the stream did not report."""
    if not report.exists():
        tail = output.read_bytes().decode("utf-8", "replace").strip().splitlines()[-3:]
        raise BatchFailed(f"pytest could not check {lab.id}: " + clean_text(" | ".join(tail), 500))
    data = json.loads(report.read_text(encoding="utf-8"))
    if data["content_error"]:
        raise ManifestError(data["content_error"])
    for item in data["reports"]:
        if item["target"] not in batch.done:
            batch.done.add(item["target"])
            on_report(Report.from_dict(item))


def _watch(
    proc: subprocess.Popen[bytes],
    batch: Batch,
    stream: Path,
    events: Path,
    target_timeout: float,
    on_report: Callable[[Report], None],
    on_identity: Callable[[dict[str, str]], None],
    stop: threading.Event,
) -> None:
    """Hand on identities and reports as they land; stop at the first target that hangs."""
    started = time.monotonic()
    current, since = None, started
    offsets = {"stream": 0, "events": 0}
    while True:
        finished = proc.poll() is not None
        # Events first: a target's identity is written before its report, so it is known first.
        for line in _new_lines(events, offsets, "events"):
            kind, _, rest = line.decode("utf-8", "replace").rstrip("\n").partition(" ")
            if kind == "start":
                current, since = rest, time.monotonic()
            elif kind == "identity":
                on_identity(json.loads(rest))
        for line in _new_lines(stream, offsets, "stream"):
            report = Report.from_dict(json.loads(line))
            batch.done.add(report.target)
            on_report(report)
        if finished or stop.is_set():
            return
        now = time.monotonic()
        if current is not None and current not in batch.done and now - since > target_timeout:
            batch.hung = current
            return
        if current is None and now - started > STARTUP_TIMEOUT + target_timeout:
            raise BatchFailed(
                f"the checks session did not start within {STARTUP_TIMEOUT + target_timeout:.0f} s"
            )
        time.sleep(_POLL)


def _new_lines(path: Path, offsets: dict[str, int], key: str) -> list[bytes]:
    """Complete lines appended to `path` since the last call (a partial line waits)."""
    if not path.exists():
        return []
    lines = []
    with path.open("rb") as source:
        source.seek(offsets[key])
        for line in source:
            if not line.endswith(b"\n"):
                break
            offsets[key] += len(line)
            lines.append(line)
    return lines
