"""The generic Vagrantfile reads machines.yaml for real: `vagrant validate` (Debian's vagrant)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def validate(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run `vagrant validate` in folder."""
    return subprocess.run(
        ["vagrant", "validate"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "VAGRANT_HOME": str(folder / ".vd")},
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The Vagrantfile and machines.yaml, copied where a test may break them."""
    for name in ("Vagrantfile", "machines.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    return tmp_path


def test_the_vagrantfile_validates(copy: Path) -> None:
    done = validate(copy)
    assert done.returncode == 0, done.stderr or done.stdout
    assert "validated successfully" in done.stdout


def test_a_machine_without_an_address_breaks_it(copy: Path) -> None:
    data = yaml.safe_load((copy / "machines.yaml").read_text())
    del data["machines"][1]["ip"]
    (copy / "machines.yaml").write_text(yaml.safe_dump(data))
    done = validate(copy)
    assert done.returncode != 0
    assert "ip" in done.stderr + done.stdout


def test_every_machine_is_defined(copy: Path) -> None:
    done = subprocess.run(
        ["vagrant", "status"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(copy), "VAGRANT_HOME": str(copy / ".vd")},
    )
    names = [m["name"] for m in yaml.safe_load((copy / "machines.yaml").read_text())["machines"]]
    listed = [line.split()[0] for line in done.stdout.splitlines() if "not created" in line]
    assert listed == names, done.stderr or done.stdout
