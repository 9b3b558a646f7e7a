"""Host devices reach an environment only when they work here (real engine, real /dev/kvm).

This machine has /dev/kvm, and it opens, but no guest runs under it: the virtual-machines lab's
probe must say so and leave it out. The pass-through itself is proven with the same device and
a probe that only asks whether it is there.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from checker import devices, environments
from checker.cli import main
from checker.exitcodes import ExitCode
from checker.manifest import Device, Lab, load_course, load_lab
from tests.conftest import REPO

pytestmark = [pytest.mark.docker, pytest.mark.slow]

KVM = Path("/dev/kvm")
LAB_ID = "device-demo"  # the fixture's demo lab under a name no other test's containers use
NAME = environments.container_name(LAB_ID)


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test decides afresh: its own cache folder, nothing remembered from earlier runs."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _demo(root: Path, entries: list[dict]) -> Lab:
    """The scratch course's demo lab as lab `device-demo`, with these devices."""
    lab_dir = root / "labs" / LAB_ID
    (root / "labs" / "demo").rename(lab_dir)
    outline = root / "labs" / "course.yaml"
    outline.write_text(outline.read_text().replace("[demo]", f"[{LAB_ID}]"))
    data = yaml.safe_load((lab_dir / "lab.yaml").read_text())
    data["id"] = LAB_ID
    data["target"]["devices"] = entries
    (lab_dir / "lab.yaml").write_text(yaml.safe_dump(data))
    return load_lab(lab_dir)


def _probes_left() -> list[str]:
    found = environments.client().containers.list(
        ignore_removed=True, all=True, filters={"label": devices.PROBE_LABEL}
    )
    return [container.name for container in found]


def test_a_device_that_works_is_passed_and_one_that_does_not_is_left_out(
    scratch_course: Path,
) -> None:
    assert KVM.is_char_device(), "this test needs the host's /dev/kvm"
    lab = _demo(
        scratch_course,
        [
            {"path": "/dev/kvm", "probe": ["test", "-c", "/dev/kvm"]},
            {"path": "/dev/k2c-no-such-device"},
            # Its verdict on stdout; then stderr's noise, which is not the reason.
            {
                "path": "/dev/full",
                "probe": ["sh", "-c", "echo it says no; sleep 0.2; echo Aborted >&2; exit 3"],
            },
            {"path": "/dev/zero", "probe": ["sleep", "60"], "timeout": 2},
        ],
    )
    image = environments.build_image(lab)
    started = time.monotonic()
    kvm, absent, refused, silent = devices.decide(lab, image)
    assert (kvm.passed, absent.passed, refused.passed, silent.passed) == (
        True,
        False,
        False,
        False,
    )
    assert "no container could be given it" in absent.reason
    assert "/dev/k2c-no-such-device" in absent.reason  # Docker's own words name the path
    assert refused.reason == "it says no"
    assert silent.reason == "its probe gave no answer within 2 s"
    assert 2 <= silent.seconds < 30  # its timeout, not the 60 s the probe wanted
    assert time.monotonic() - started < 120
    assert not any(d.cached for d in (kvm, absent, refused, silent))
    assert _probes_left() == []  # every probe's container is gone, the one that hung too


def test_a_decision_is_paid_once_per_boot(scratch_course: Path, fresh_cache: Path) -> None:
    lab = _demo(scratch_course, [{"path": "/dev/zero", "probe": ["sleep", "60"], "timeout": 2}])
    image = environments.build_image(lab)
    (first,) = devices.decide(lab, image)
    started = time.monotonic()
    (again,) = devices.decide(lab, image)
    assert time.monotonic() - started < 2  # not probed again: the probe alone takes 2 s
    assert again.cached
    assert not first.cached
    assert (again.passed, again.reason) == (first.passed, first.reason)
    (remembered,) = (fresh_cache / "kernel-to-cloud" / "devices").glob("*.json")
    assert json.loads(remembered.read_text())["boot_id"] == devices.boot_id()


def test_lab_start_passes_a_working_device_and_says_so(scratch_course: Path) -> None:
    lab = _demo(scratch_course, [{"path": "/dev/kvm", "probe": ["test", "-c", "/dev/kvm"]}])
    try:
        environments.start(lab, NAME)
        inside = subprocess.run(["docker", "exec", NAME, "test", "-c", "/dev/kvm"], check=False)
        assert inside.returncode == 0, "the environment has no /dev/kvm"
        (decision,) = devices.of_environment(NAME)
        assert decision.passed
        assert decision.path == "/dev/kvm"
        result = CliRunner().invoke(
            main, ["start", LAB_ID], env={"K2C_ROOT": str(scratch_course), "COLUMNS": "200"}
        )
        assert result.exit_code == ExitCode.OK, result.output
        assert "device:       /dev/kvm passed through" in result.output
        assert "decided earlier this boot" in result.output  # the second start probed nothing
    finally:
        environments.remove(NAME)


def test_a_container_without_the_device_has_no_dev_kvm(scratch_course: Path) -> None:
    """The other half of the pass-through: Docker gives no /dev/kvm unless asked."""
    lab = _demo(scratch_course, [{"path": "/dev/kvm", "probe": ["false"]}])
    try:
        environments.start(lab, NAME)
        (decision,) = devices.of_environment(NAME)
        assert not decision.passed
        inside = subprocess.run(["docker", "exec", NAME, "test", "-e", "/dev/kvm"], check=False)
        assert inside.returncode == 1
    finally:
        environments.remove(NAME)


def test_no_guest_boots_under_kvm_here_so_the_lab_runs_emulated() -> None:
    """The virtual-machines lab's own probe, on this machine's real /dev/kvm: no working KVM."""
    lab = load_course(REPO).lab("virtual-machines")
    image = environments.client().api.inspect_image(environments.build_image(lab))["Id"]
    started = time.monotonic()
    (kvm,) = devices.decide(lab, image)
    cost = time.monotonic() - started
    print(f"KVM probe: {kvm} in {cost:.1f} s")
    assert not kvm.passed
    assert kvm.reason.startswith("no guest booted under kvm") or "no answer" in kvm.reason
    assert cost < kvm.seconds + 10
    (again,) = devices.decide(lab, image)
    assert again.cached
    assert not again.passed


def test_the_kvm_probe_sees_a_guest_that_boots() -> None:
    """The probe's success path, proven under emulation: the guest's first line, then power off."""
    lab = load_course(REPO).lab("virtual-machines")
    image = environments.client().api.inspect_image(environments.build_image(lab))["Id"]
    tcg = Device("/dev/kvm", ("/usr/local/sbin/k2c-kvm-probe", "tcg"), timeout=180)
    decision = devices.probe(lab, image, tcg)
    print(f"the probe under TCG: {decision}")
    assert decision.passed, decision.reason
    assert decision.reason.startswith("a guest booted under tcg: k2c guest: up after")
