"""The packstack checks' parsing logic, on output recorded from real programs.

tests/fixtures/packstack/README.md says where each file comes from: Packstack 26.0.0's own
answer file and failure log, and the cloud fixture's /etc/os-release. What only a CentOS host
prints was not recorded and is not tested here.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
CHECKS = REPO / "labs" / "packstack" / "checks"
RECORDED = REPO / "tests" / "fixtures" / "packstack"


def load(name: str) -> ModuleType:
    """Import one module of the lab's checks by path (they are not a package)."""
    spec = importlib.util.spec_from_file_location(f"k2c_packstack_{name}", CHECKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


conftest = load("conftest")
install = load("test_install")
host_checks = load("test_host")


def test_the_answer_file_packstack_wrote_parses() -> None:
    text = (RECORDED / "packstack-answers.txt").read_text(encoding="utf-8", errors="replace")
    answers = install.parse_answer_file(text)
    assert len(answers) == 291  # every CONFIG_ line of the file
    assert answers["CONFIG_CONTROLLER_HOST"] == "172.17.0.2"
    assert answers["CONFIG_NEUTRON_L2_AGENT"] == "ovn"
    assert answers["CONFIG_PROVISION_DEMO_FLOATRANGE"] == "172.24.4.0/24"
    assert not any(key.startswith("#") for key in answers)


def test_the_rdo_profile_matches_what_packstack_installs_by_default() -> None:
    text = (RECORDED / "packstack-answers.txt").read_text(encoding="utf-8", errors="replace")
    answers = install.parse_answer_file(text)
    profiles = conftest.load_profiles()
    rdo = profiles["profiles"]["rdo-epoxy"]["services"]
    units = {unit for group in rdo.values() for unit in group}
    assert (answers["CONFIG_NEUTRON_L2_AGENT"] == "ovn") == ("ovn-northd" in units)
    assert (answers["CONFIG_HEAT_INSTALL"] == "y") == ("openstack-heat-engine" in units)
    ports = profiles["profiles"]["rdo-epoxy"]["ports"]
    assert (answers["CONFIG_HEAT_INSTALL"] == "y") == ("Heat" in ports)
    assert (answers["CONFIG_HORIZON_INSTALL"] == "y") == ("Horizon" in ports)
    assert (answers["CONFIG_SWIFT_INSTALL"] == "y") == ("Swift" in ports)
    assert (answers["CONFIG_SWIFT_INSTALL"] == "y") == ("openstack-swift-proxy" in units)


def test_a_failed_packstack_run_is_quoted_from_its_log() -> None:
    log = (RECORDED / "openstack-setup.ssh-refused.log").read_text(encoding="utf-8")
    assert install.last_failure(log) == (
        "Exception: Failed handling answer file: Given host does not listen on port 22: 192.0.2.2"
    )
    assert install.last_failure("2026-12-01 INFO all good\n") is None


def test_the_fixture_picks_the_debian_profile() -> None:
    os_release = conftest.parse_os_release((RECORDED / "os-release.debian-13.txt").read_text())
    profile = conftest.select_profile(os_release, conftest.load_profiles())
    assert profile is not None
    assert profile.name == "debian"
    assert "nova-compute" in profile.units
    assert profile.ports["Keystone"] == 5000


def test_a_centos_stream_9_host_picks_the_rdo_profile() -> None:
    # Not recorded output: the two os-release fields the profile matches on.
    profile = conftest.select_profile({"ID": "centos", "VERSION_ID": "9"}, conftest.load_profiles())
    assert profile is not None
    assert profile.name == "rdo-epoxy"
    assert profile.selinux
    assert conftest.select_profile({"ID": "ubuntu"}, conftest.load_profiles()) is None


def test_listening_ports_and_selinux_and_loopback() -> None:
    ss = "LISTEN 0 4096 0.0.0.0:5000 0.0.0.0:*\nLISTEN 0 80 127.0.0.1:3306 0.0.0.0:*\n"
    assert install.listening_ports(ss) == {5000, 3306}
    assert host_checks.selinux_enforcing("1\n")
    assert not host_checks.selinux_enforcing("0")
    assert not host_checks.selinux_enforcing(None)
    assert host_checks.is_loopback("127.0.1.1")
    assert not host_checks.is_loopback("192.168.56.10")


def test_the_guide_gives_the_reference_steps_openstack_commands() -> None:
    from checker.guide import guide_commands
    from checker.manifest import load_lab

    lab = load_lab(REPO / "labs" / "packstack")
    guide = guide_commands(lab)
    for task in ("project", "network", "secgroup", "keypair", "server"):
        step = (REPO / "solutions" / "packstack" / f"{task}.sh").read_text()
        commands = [line for line in step.splitlines() if line.startswith("openstack ")]
        assert commands, task
        for command in commands:
            assert command in guide[task], f"{task}: {command!r} is not in the guide"
