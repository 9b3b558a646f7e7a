"""Benchmark 1: a 30-command lab on one container, `pytest --hosts` against `lab check`."""

import shutil
import sys
from dataclasses import dataclass

from bench import containers
from bench.measure import CHECKS, COURSE, Run, repeat, run_command
from bench.table import ratio, render, seconds


@dataclass
class CheckResults:
    """What benchmark 1 measured."""

    plain: Run
    lab_testinfra: Run
    lab: Run
    parts: dict[str, Run]

    @property
    def ratio(self) -> float:
        """End-to-end speed-up of `lab check` over plain pytest with testinfra."""
        return self.plain.seconds / self.lab.seconds

    @property
    def command_ratio(self) -> float:
        """Speed-up of the time spent in commands (session opening included for the engine)."""
        return self.plain.command_seconds / (self.lab.command_seconds + self.lab.session_seconds)


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
    lab = repeat(lambda: run_command(lab_argv, env=env), times)
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
    return CheckResults(plain, lab_testinfra, lab, parts)


def _collect_argv(spec: str) -> list[str]:
    """`lab check`'s imports and its in-process pytest session, stopped after collection."""
    from checker.manifest import load_lab
    from checker.runner import pytest_argv

    lab = load_lab(COURSE / "labs" / "bench")
    session = pytest_argv(lab, [spec])[3:]  # without the interpreter and `-m pytest`
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
        ("lab check (engine)", results.lab),
    ):
        rows.append([
            label,
            seconds(run.seconds),
            str(run.commands),
            seconds(run.command_seconds),
            seconds(run.session_seconds) if run.session_seconds else "-",
            ratio(results.plain.seconds, run.seconds),
        ])  # fmt: skip
    table = render(
        "1. A 30-command lab on one container (end to end, median)",
        ["run", "wall", "host.run calls", "in host.run", "session open", "vs pytest"],
        rows,
    )
    lab, parts = results.lab, results.parts
    python = parts["python start"].seconds
    imports = parts["python + lab imports"].seconds - python
    collected = parts["python + lab imports + collect"].seconds
    collect = collected - parts["python + lab imports"].seconds
    work = lab.command_seconds + lab.session_seconds
    rest = lab.seconds - collected - work
    left = render(
        "   where `lab check`'s time goes",
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
        f" end to end: {ratio(results.plain.seconds, lab.seconds)}."
    )
    return "\n".join([table, left, notes])
