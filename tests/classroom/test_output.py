"""The output folder of `lab grade`: checked before grading, written only inside, one run's own.

The targets are containers that do not exist: every student is recorded as not graded, which is
all these tests need from the engine.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.classroom.conftest import write_roster

pytestmark = pytest.mark.docker


def _roster(path: Path, ids: list[str]) -> Path:
    rows = [
        {"id": sid, "name": "", "email": "", "target": f"docker://k2c-i13-absent-{n}"}
        for n, sid in enumerate(ids)
    ]
    return write_roster(path, rows)


def _grade(cli, lab_main, roster: Path, out: Path):
    return cli.invoke(
        lab_main, ["grade", "echo", "--roster", str(roster), "--out", str(out), "--timeout", "20"]
    )


def _one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


def test_a_corrupt_gradebook_is_a_one_line_error_and_stays_as_it_was(
    tmp_path: Path, lab_main, cli, echo_course: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    corrupt = b"SQLite format 3\x00" + bytes(range(256)) * 8
    (out / "gradebook.sqlite").write_bytes(corrupt)
    result = _grade(cli, lab_main, _roster(tmp_path / "r.csv", ["ada"]), out)
    assert result.exit_code == 2, result.output
    line = _one_line_error(result.output)
    assert "gradebook.sqlite is not a readable gradebook" in line
    assert (out / "gradebook.sqlite").read_bytes() == corrupt
    assert sorted(p.name for p in out.iterdir()) == ["gradebook.sqlite"]


def test_another_database_is_not_taken_for_a_gradebook(
    tmp_path: Path, lab_main, cli, echo_course: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    result = _grade(cli, lab_main, _roster(tmp_path / "r.csv", ["ada"]), out)
    assert result.exit_code == 2, result.output
    assert "is a database but not a gradebook (tables: invoices)" in _one_line_error(result.output)


@pytest.mark.parametrize("name", ["results", "report.html", "gradebook.sqlite-wal"])
def test_a_link_out_of_the_folder_stops_the_run_before_grading(
    tmp_path: Path, lab_main, cli, echo_course: Path, name: str
) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / name).symlink_to(elsewhere / name)
    result = _grade(cli, lab_main, _roster(tmp_path / "r.csv", ["ada"]), out)
    assert result.exit_code == 2, result.output
    line = _one_line_error(result.output)
    assert f"{out / name} leads to {elsewhere / name}, outside the output folder" in line
    assert list(elsewhere.iterdir()) == []
    assert not (out / "gradebook.sqlite").exists()  # nobody graded, nothing recorded


def test_a_results_link_inside_the_folder_is_refused_too(
    tmp_path: Path, lab_main, cli, echo_course: Path
) -> None:
    out = tmp_path / "out"
    (out / "mine").mkdir(parents=True)
    (out / "results").symlink_to(out / "mine")
    result = _grade(cli, lab_main, _roster(tmp_path / "r.csv", ["ada"]), out)
    assert result.exit_code == 2, result.output
    assert "results is a link or a file" in _one_line_error(result.output)


def test_results_hold_only_the_students_of_the_run(
    tmp_path: Path, lab_main, cli, echo_course: Path
) -> None:
    out = tmp_path / "out"
    first = _grade(cli, lab_main, _roster(tmp_path / "a.csv", ["ada", "bob", "cy"]), out)
    assert first.exit_code == 3, first.output  # every target absent: not graded, never failed
    assert sorted(p.name for p in (out / "results").iterdir()) == [
        f"{student}.{kind}" for student in ("ada", "bob", "cy") for kind in ("html", "json")
    ]
    second = _grade(cli, lab_main, _roster(tmp_path / "b.csv", ["ada"]), out)
    assert second.exit_code == 3, second.output
    assert sorted(p.name for p in (out / "results").iterdir()) == ["ada.html", "ada.json"]
    assert json.loads((out / "results" / "ada.json").read_text())["score"] == 0
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    with sqlite3.connect(out / "gradebook.sqlite") as db:  # both runs stay recorded
        assert db.execute("SELECT count(*) FROM grades").fetchone() == (4,)
