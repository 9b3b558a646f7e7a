"""Benchmark instrumentation, active only when K2C_BENCH_STATS names a file.

Times every command the checks send (``Host.run``, which every testinfra module goes through)
and the engine's session openings, and appends one JSON line per pytest process at exit.
"""

import atexit
import json
import os
import time
from pathlib import Path

import testinfra.host

_STATS = os.environ.get("K2C_BENCH_STATS")
_totals = {"commands": 0, "command_seconds": 0.0, "session_seconds": 0.0}


def _timed(function, key):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _totals[key] += time.perf_counter() - started
            if key == "command_seconds":
                _totals["commands"] += 1

    return timed


def pytest_configure(config):
    """Name the task marker, so plain pytest (without the checker plugin) does not warn."""
    config.addinivalue_line("markers", "task(id): the lab task this check belongs to")


def _write() -> None:
    with Path(_STATS).open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(_totals) + "\n")


if _STATS:
    testinfra.host.Host.run = _timed(testinfra.host.Host.run, "command_seconds")
    try:
        from checker.engine.backend import PersistentBackend
    except ImportError:
        pass
    else:
        PersistentBackend.open = _timed(PersistentBackend.open, "session_seconds")
    atexit.register(_write)
