"""Benchmark 1: a 30-command lab on one container, `pytest --hosts` against `lab check`."""

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass

from bench import containers
from bench.measure import CHECKS, COURSE, Run, repeat, run_command
from bench.table import ratio, render, seconds


@dataclass
class CheckResults:
    """What benchmark 1 measured."""

    plain: Run
    lab_testinfra: Run
    lab_cold: Run  # no resident checker: everything in the `lab` process
    lab: Run  # the resident checker left by an earlier `lab check` answers
    parts: dict[str, Run]

    @property
    def ratio(self) -> float:
        """End-to-end speed-up of `lab check` (resident checker warm) over plain testinfra."""
        return self.plain.seconds / self.lab.seconds

    @property
    def cold_ratio(self) -> float:
        """End-to-end speed-up of a `lab check` with no resident checker."""
        return self.plain.seconds / self.lab_cold.seconds

    @property
    def command_ratio(self) -> float:
        """Speed-up of the time spent in commands (session opening included for the engine)."""
        cold = self.lab_cold
        return self.plain.command_seconds / (cold.command_seconds + cold.session_seconds)


def _lab_argv() -> list[str]:
    found = shutil.which("lab")
    return [found] if found else [sys.executable, "-c", "from checker.cli import main; main()"]


def measure(times: int) -> CheckResults:
    """Time plain pytest + testinfra, `lab check --engine testinfra` and `lab check`."""
    name = f"k2c-bench-check-{containers.LABEL.split('=')[1]}"
    containers.start([name])
    spec = f"docker://{name}"
    env = {"K2C_ROOT": str(COURSE)}
    plain_argv = [sys.executable, "-m", "pytest", "-p", "no:checker", "-p", "no:cacheprovider",
                  "-q", str(CHECKS), "--hosts", spec]  # fmt: skip
    lab_argv = [*_lab_argv(), "check", "bench", "--target", spec]
    plain = repeat(lambda: run_command(plain_argv), times)
    stock_argv = [*lab_argv, "--engine", "testinfra"]
    lab_testinfra = repeat(lambda: run_command(stock_argv, env=env), times)
    lab_cold = repeat(lambda: run_command(lab_argv, env={**env, "K2C_RESIDENT": "0"}), times)
    lab = _resident(lab_argv, env, spec, times)
    parts = {
        "python start": repeat(lambda: run_command([sys.executable, "-c", "pass"]), times),
        "python + lab imports": repeat(
            lambda: run_command([sys.executable, "-c", "import checker.cli"]), times
        ),
        "python + lab imports + collect": repeat(
            # The set-up `lab check` gives pytest (checker.runner.pytest_here), in the script.
            lambda: run_command(_collect_argv(spec)),
            times,
        ),
    }
    return CheckResults(plain, lab_testinfra, lab_cold, lab, parts)


def _resident(lab_argv: list[str], env: dict[str, str], spec: str, times: int) -> Run:
    """Time `lab check` answered by its resident checker (left by a first, untimed run)."""
    from checker import resident
    from checker.manifest import load_lab

    with tempfile.TemporaryDirectory(prefix="k2c-run-", dir="/tmp") as runtime:
        env = {**env, "XDG_RUNTIME_DIR": runtime, "K2C_RESIDENT_IDLE": "120"}
        run_command(lab_argv, env=env)  # checks in-process, leaves the resident checker
        saved = os.environ.get("XDG_RUNTIME_DIR")
        os.environ["XDG_RUNTIME_DIR"] = runtime
        try:
            lab = load_lab(COURSE / "labs" / "bench")
            deadline = time.monotonic() + 120
            while resident.ask(lab, spec) is None:
                if time.monotonic() > deadline:
                    sys.exit("the resident checker did not answer within 120 s")
                time.sleep(0.2)
            warm = repeat(lambda: run_command(lab_argv, env=env), times)
            resident.stop(lab, spec)
        finally:
            if saved is None:
                os.environ.pop("XDG_RUNTIME_DIR")
            else:
                os.environ["XDG_RUNTIME_DIR"] = saved
    return warm


def _collect_argv(spec: str) -> list[str]:
    """`lab check`'s imports and its in-process pytest session, stopped after collection."""
    from checker.manifest import load_lab
    from checker.runner import pytest_argv
    from checker.spec import parse_spec

    lab = load_lab(COURSE / "labs" / "bench")
    session = pytest_argv(lab, [parse_spec(spec)])[3:]  # without the interpreter and `-m pytest`
    script = (
        "import sys, checker.cli, pytest\nfrom checker.runner import pytest_here\n"
        "with pytest_here():\n    pytest.main(sys.argv[1:])"
    )
    return [sys.executable, "-c", script, *session, "--collect-only", "-p", "no:terminal"]


def report(results: CheckResults) -> str:
    """The benchmark's table, and where the rest of `lab check`'s time goes."""
    rows = []
    for label, run in (
        ("pytest --hosts docker://NAME (testinfra)", results.plain),
        ("lab check --engine testinfra", results.lab_testinfra),
        ("lab check (engine), no resident checker", results.lab_cold),
        ("lab check (engine), resident checker", results.lab),
    ):
        # The resident checker runs the commands in its own process: not counted here.
        counted = run is not results.lab
        rows.append([
            label,
            seconds(run.seconds),
            str(run.commands) if counted else "-",
            seconds(run.command_seconds) if counted else "-",
            seconds(run.session_seconds) if run.session_seconds else "-",
            ratio(results.plain.seconds, run.seconds),
        ])  # fmt: skip
    table = render(
        "1. A 30-command lab on one container (end to end, median)",
        ["run", "wall", "host.run calls", "in host.run", "session open", "vs pytest"],
        rows,
    )
    lab, parts = results.lab_cold, results.parts
    python = parts["python start"].seconds
    imports = parts["python + lab imports"].seconds - python
    collected = parts["python + lab imports + collect"].seconds
    collect = collected - parts["python + lab imports"].seconds
    work = lab.command_seconds + lab.session_seconds
    rest = lab.seconds - collected - work
    left = render(
        "   where `lab check`'s time goes (no resident checker)",
        ["part", "time"],
        [
            ["python interpreter start", seconds(python)],
            ["`lab` imports (click, rich, checker)", seconds(imports)],
            ["pytest in-process: start, plugin, collection", seconds(collect)],
            ["session open + probes, and the checks' commands", seconds(work)],
            ["the rest (running the checks, reports, rendering)", seconds(max(rest, 0.0))],
        ],
    )
    plain = results.plain.command_seconds
    notes = (
        f"   time in commands: {ratio(plain, lab.command_seconds)} less than testinfra's"
        f" ({ratio(plain, work)} counting the session's opening);"
        f" end to end: {ratio(results.plain.seconds, lab.seconds)} with no resident checker,"
        f" {ratio(results.plain.seconds, results.lab.seconds)} with one (it pays for the"
        " imports, pytest and the session once; each `lab check` then costs its own start-up"
        " and one cycle)."
    )
    return "\n".join([table, left, notes])
