"""machines.yaml as `lab` reads it: the machines, their labs, and the errors a bad file gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checker.machines import MachineError, load_machines, machine_for, parse_ssh_config
from checker.manifest import load_course

REPO = Path(__file__).resolve().parents[2]


def test_every_lab_of_the_course_has_a_machine() -> None:
    machines = load_machines(REPO / "machines.yaml")
    course = load_course(REPO)
    chosen = {lab.id: machine_for(lab, machines).name for lab in course.labs}
    assert chosen["namespaces"] == "docker"
    assert chosen["packstack"] == "packstack"
    assert set(chosen) == {lab.id for lab in course.labs}


def test_the_packstack_machine_is_packstack_sized() -> None:
    [packstack] = [m for m in load_machines(REPO / "machines.yaml") if m.name == "packstack"]
    assert packstack.memory >= 16384
    assert packstack.disk >= 60
    assert packstack.for_provider("virtualbox")["cpus"] == 2  # the override
    assert packstack.for_provider("libvirt")["cpus"] == packstack.cpus == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ip": None}, "'ip' must be a str"),
        ({"memory": "16G"}, "'memory' must be a int"),
        ({"cpus": True}, "'cpus' must be a int"),
        ({"providers": {"libvirt": 4}}, "'providers' maps a provider"),
    ],
)
def test_a_bad_machine_is_refused(tmp_path: Path, change: dict, message: str) -> None:
    data = yaml.safe_load((REPO / "machines.yaml").read_text())
    data["machines"][0].update(change)
    path = tmp_path / "machines.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(MachineError, match=message):
        load_machines(path)


def test_repeated_names_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "machines.yaml").read_text())
    data["machines"].append(dict(data["machines"][0]))
    path = tmp_path / "machines.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(MachineError, match="repeat"):
        load_machines(path)


def test_ssh_config_keeps_the_first_host_only() -> None:
    text = "Host a\n  HostName 10.0.0.1\n  Port 22\nHost b\n  HostName 10.0.0.2\n"
    assert parse_ssh_config(text) == {"host": "a", "hostname": "10.0.0.1", "port": "22"}
