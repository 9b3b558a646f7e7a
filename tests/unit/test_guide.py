"""Guides: the commands of each task section are found, and bad markers refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.guide import guide_commands
from checker.manifest import ManifestError, load_lab


def test_each_task_gets_its_bash_blocks_only(fixture_course: Path) -> None:
    commands = guide_commands(load_lab(fixture_course / "labs" / "demo"))
    assert commands["greeting"] == "echo hello > /srv/greeting\n"
    assert "k2c-demo-sleeper" in commands["listener"]
    # The block under "## Clean up" belongs to no task.
    assert "belongs to no task" not in "".join(commands.values())


def test_a_marker_for_an_unknown_task_is_refused(scratch_course: Path) -> None:
    guide = scratch_course / "labs" / "demo" / "README.md"
    guide.write_text(guide.read_text().replace("task: secret", "task: ghost"))
    with pytest.raises(ManifestError, match="marks task 'ghost'"):
        guide_commands(load_lab(guide.parent))
