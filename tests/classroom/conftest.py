"""Fixtures of the classroom tests: the echo course, rosters, and `lab` with the class commands."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import click
import pytest

from checker.cli import main
from checker.report import CheckResult, Evidence, Report, TaskResult

ECHO_COURSE = Path(__file__).parent / "course"


@pytest.fixture
def echo_course(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point `lab` at the echo course (lab `echo`, whose checks quote the learner's files)."""
    monkeypatch.setenv("K2C_ROOT", str(ECHO_COURSE))
    return ECHO_COURSE


@pytest.fixture
def lab_main() -> click.Group:
    """The real `lab` command group, classroom commands included."""
    return main


def write_roster(
    path: Path,
    rows: Iterable[dict[str, str]],
    fields: tuple[str, ...] = ("id", "name", "email", "target"),
) -> Path:
    """Write a CSV roster."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(fields))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def make_report(
    lab: str = "echo",
    target: str = "docker://t",
    message: str = "",
    passed: tuple[str, ...] = ("banner",),
) -> Report:
    """A report on the echo lab: `banner` (2 points) and hidden `motto` (1 point)."""
    tasks = []
    for task_id, title, points, hidden in (
        ("banner", "Write the banner", 2, False),
        ("motto", "Write the motto", 1, True),
    ):
        ok = task_id in passed
        check = CheckResult(
            f"test_echo.py::test_{task_id}",
            "passed" if ok else "failed",
            "" if ok else message,
            0.01,
            (Evidence(f"cat /srv/{task_id}", 0, "0" * 64),),
        )
        tasks.append(
            TaskResult(
                task_id,
                title,
                "passed" if ok else "failed",
                points if ok else 0,
                points,
                "a hint",
                hidden,
                (check,),
            )
        )
    return Report(lab=lab, target=target, tasks=tuple(tasks), lab_uuid="u")
