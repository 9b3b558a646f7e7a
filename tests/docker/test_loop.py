"""The learner's loop and the self-test on the real Docker engine, with the fixture lab."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import environments, notebook
from checker.classroom.identity import NONCE_ENV, NONCE_LABEL, NONCE_PATTERN
from checker.cli import main
from checker.exitcodes import ExitCode
from checker.manifest import load_lab
from checker.selftest import selftest

pytestmark = pytest.mark.docker


@pytest.fixture
def demo_env(cli: CliRunner, fixture_course: Path) -> Iterator[str]:
    result = cli.invoke(main, ["start", "demo"])
    assert result.exit_code == ExitCode.OK, result.output
    yield "k2c-demo"
    environments.remove("k2c-demo")


def test_start_check_solve_check(cli: CliRunner, demo_env: str) -> None:
    fresh = cli.invoke(main, ["check", "demo"])
    assert fresh.exit_code == ExitCode.CHECKS_FAILED, fresh.output
    assert "/srv/greeting does not exist" in fresh.output
    assert "hint: Put the word hello in /srv/greeting." in fresh.output
    assert "A task graded but not shown" not in fresh.output  # hidden
    assert "score: 0/5" in fresh.output

    partly = cli.invoke(main, ["solve", "demo", "--task", "greeting"])
    assert partly.exit_code == ExitCode.OK, partly.output
    assert "score: 2/5" in cli.invoke(main, ["check", "demo"]).output

    assert cli.invoke(main, ["solve", "demo"]).exit_code == ExitCode.OK
    solved = cli.invoke(main, ["check", "demo", "--json"])
    assert solved.exit_code == ExitCode.OK, solved.output
    assert '"score": 5' in solved.output


def test_both_engines_agree(cli: CliRunner, demo_env: str) -> None:
    cli.invoke(main, ["solve", "demo", "--task", "listener"])
    outputs = [
        cli.invoke(main, ["check", "demo", "--engine", engine])
        for engine in ("persistent", "testinfra")
    ]
    assert [out.exit_code for out in outputs] == [ExitCode.CHECKS_FAILED] * 2
    assert outputs[0].output == outputs[1].output


def test_junit_export(cli: CliRunner, demo_env: str, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    cli.invoke(main, ["check", "demo", "--junit", str(junit)])
    assert '<failure message="/srv/greeting does not exist"' in junit.read_text()


def test_reset_gives_a_fresh_environment(cli: CliRunner, demo_env: str) -> None:
    cli.invoke(main, ["solve", "demo"])
    assert cli.invoke(main, ["reset", "demo"]).exit_code == ExitCode.OK
    assert "score: 0/5" in cli.invoke(main, ["check", "demo"]).output


def test_a_missing_container_is_a_target_error(cli: CliRunner, fixture_course: Path) -> None:
    result = cli.invoke(main, ["check", "demo", "--target", "docker://k2c-no-such-container"])
    assert result.exit_code == ExitCode.TARGET_ERROR
    assert result.output == (
        "error: container 'k2c-no-such-container' does not exist: start it with "
        "`lab start <lab>` or name a running one with --target\n"
    )


def test_finish_removes_the_environment(cli: CliRunner, demo_env: str) -> None:
    assert "removed container k2c-demo" in cli.invoke(main, ["finish", "demo"]).output
    assert environments.container_state("k2c-demo") is None


def test_the_selftest_keeps_the_contract(fixture_course: Path) -> None:
    result = selftest(load_lab(fixture_course / "labs" / "demo"))
    assert result.ok, [r.problems for r in result.results]
    assert len(result.results) == 5


def test_the_selftest_catches_a_step_that_solves_two_tasks(scratch_course: Path) -> None:
    solutions = scratch_course / "solutions" / "demo"
    shutil.copy(solutions / "greeting.sh", solutions / "secret.sh")
    (solutions / "secret.sh").write_text("touch /srv/secret\necho hello > /srv/greeting\n")
    result = selftest(load_lab(scratch_course / "labs" / "demo"))
    assert not result.ok
    problems = {r.case.name: r.problems for r in result.results if r.problems}
    assert list(problems) == ["without greeting: every step but its own"]
    assert problems["without greeting: every step but its own"][0].startswith(
        "greeting should fail but passed"
    )


def _nonces(name: str) -> tuple[str, str]:
    """The nonce of a container: in its label (outside) and its PID 1 environment (inside)."""
    container = environments.client().containers.get(name)
    env = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"] or [])
    return container.labels.get(NONCE_LABEL, ""), env.get(NONCE_ENV, "")


def test_the_notebook_starts_an_environment_as_lab_start_does(
    cli: CliRunner, fixture_course: Path
) -> None:
    try:
        assert cli.invoke(main, ["start", "demo"]).exit_code == ExitCode.OK
        by_cli = _nonces("k2c-demo")
        assert notebook.start("demo") == "docker://k2c-demo"
        by_notebook = _nonces("k2c-demo")
        # Both seed a fresh nonce, the same inside and outside.
        assert NONCE_PATTERN.match(by_cli[0])
        assert by_cli[0] == by_cli[1]
        assert NONCE_PATTERN.match(by_notebook[0])
        assert by_notebook[0] == by_notebook[1]
        assert by_notebook[0] != by_cli[0]
        report = notebook.check("demo")
        assert (report.score, report.max_score) == (0, 5)
        notebook.solve("demo", tasks=["greeting"])
        assert notebook.check("demo").score == 2
        assert [task.id for task in notebook.hint("demo")] == ["greeting", "listener"]
    finally:
        notebook.finish("demo")
    assert environments.container_state("k2c-demo") is None
