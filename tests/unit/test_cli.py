"""The CLI's bad-input paths: one clear line and a distinct exit code each."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import environments
from checker.cli import main
from checker.exitcodes import ExitCode
from tests.conftest import edit_manifest


def test_list_shows_the_labs(cli: CliRunner, fixture_course: Path) -> None:
    result = cli.invoke(main, ["list"])
    assert result.exit_code == ExitCode.OK
    assert "demo" in result.output
    assert "A demo lab" in result.output


def test_an_unknown_lab_is_a_usage_error(cli: CliRunner, fixture_course: Path) -> None:
    result = cli.invoke(main, ["check", "nope"])
    assert result.exit_code == ExitCode.USAGE
    assert result.output == "error: unknown lab 'nope': `lab list` shows the course's labs\n"


def test_a_schema_error_is_a_content_error(cli: CliRunner, scratch_course: Path) -> None:
    path = edit_manifest(scratch_course, {"level": "expert"})
    result = cli.invoke(main, ["hint", "demo"])
    assert result.exit_code == ExitCode.CONTENT_ERROR
    assert result.output.startswith(f"error: {path}: field level:")
    assert result.output.count("\n") == 1


def test_hints_leave_hidden_tasks_out(cli: CliRunner, fixture_course: Path) -> None:
    result = cli.invoke(main, ["hint", "demo"])
    assert result.exit_code == ExitCode.OK
    assert "Put the word hello" in result.output
    assert "graders" not in result.output


def test_a_bad_target_spec_is_a_target_error(cli: CliRunner, fixture_course: Path) -> None:
    result = cli.invoke(main, ["check", "demo", "--target", "docker://a;b"])
    assert result.exit_code == ExitCode.TARGET_ERROR
    assert "not a valid docker name" in result.output


def test_no_engine_says_how_to_start_one(
    cli: CliRunner, fixture_course: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    environments.client.cache_clear()
    try:
        result = cli.invoke(main, ["check", "demo"])
    finally:
        environments.client.cache_clear()
    assert result.exit_code == ExitCode.TARGET_ERROR
    assert "no Docker engine answers" in result.output
    assert "dockerd" in result.output
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("spec", ["foo://x", "local", "docker://", "manager=docker://a,x"])
@pytest.mark.parametrize(
    "command", [["check"], ["check", "--engine", "testinfra"], ["solve"]], ids=" ".join
)
def test_a_malformed_target_exits_3_before_any_check_runs(
    cli: CliRunner, fixture_course: Path, spec: str, command: list[str]
) -> None:
    result = cli.invoke(main, [*command, "demo", "--target", spec])
    assert result.exit_code == ExitCode.TARGET_ERROR
    assert result.output.startswith(f"error: target {spec!r}")
    assert result.output.count("\n") == 1  # one line, no report: no check ran
