"""The "done when" lines: each task's checks' docstrings, read without importing the checks."""

from __future__ import annotations

from pathlib import Path

from checker.checktitles import check_titles

LABS = Path(__file__).resolve().parents[2] / "labs"


def test_every_task_of_every_lab_gets_its_checks_titles() -> None:
    """Each task of the five labs has at least one check with a docstring, in source order."""
    from checker.manifest import load_lab

    for folder in sorted(LABS.iterdir()):
        if not (folder / "lab.yaml").is_file():
            continue
        lab = load_lab(folder)
        titles = check_titles(lab.checks_dir)
        for task in lab.tasks:
            assert titles.get(task.id), f"{lab.id}/{task.id}: no check docstring to say done when"
    pid = check_titles(LABS / "namespaces" / "checks")["pid"]
    assert pid == [
        "Some process's /proc/<pid>/ns/pid differs from PID 1's and NSpid ends with 1.",
        "The /proc that process sees belongs to its own PID namespace, not the container's.",
    ]


def test_only_literal_task_marks_count(tmp_path: Path) -> None:
    """Undecorated helpers, a mark without a literal id and a file that does not parse: none."""
    (tmp_path / "test_a.py").write_text(
        "import pytest\n"
        "def helper():\n    'Not a check.'\n"
        "@pytest.mark.task('one')\ndef test_x(host):\n"
        "    '''First line\n    wraps.\n\n    More.'''\n"
        "@pytest.mark.task(NAME)\ndef test_y(host):\n    'Dynamic id.'\n"
        "@pytest.mark.task('one')\ndef test_z(host):\n    pass\n"
    )
    (tmp_path / "test_broken.py").write_text("def (:\n")
    assert check_titles(tmp_path) == {"one": ["First line wraps."]}
