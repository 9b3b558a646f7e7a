"""The manifest loader: valid labs load, and every kind of mistake names its file and field."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checker.manifest import (
    DEFAULT_MEMORY,
    DEFAULT_PIDS_LIMIT,
    DEFAULT_PROBE_TIMEOUT,
    Device,
    Limits,
    ManifestError,
    load_course,
    load_lab,
)
from tests.conftest import FIXTURE_COURSE, REPO, edit_manifest


def test_the_fixture_course_loads_in_order() -> None:
    course = load_course(FIXTURE_COURSE)
    assert [lab.id for lab in course.labs] == ["demo"]
    demo = course.lab("demo")
    assert [task.id for task in demo.tasks] == ["greeting", "listener", "secret"]
    assert demo.max_score == 6
    assert demo.task("secret").hidden
    assert demo.checks_dir == FIXTURE_COURSE / "labs" / "demo" / "checks"
    assert demo.solutions_dir.resolve() == FIXTURE_COURSE / "solutions" / "demo"


def test_a_schema_error_names_the_file_and_the_field(scratch_course: Path) -> None:
    path = edit_manifest(scratch_course, {"minutes": "ten"})
    with pytest.raises(ManifestError) as caught:
        load_lab(path.parent)
    assert str(caught.value).startswith(f"{path}: field minutes:")


def test_a_nested_error_names_the_task(scratch_course: Path) -> None:
    lab_dir = scratch_course / "labs" / "demo"
    text = (lab_dir / "lab.yaml").read_text().replace("points: 3", "points: 0")
    (lab_dir / "lab.yaml").write_text(text)
    with pytest.raises(ManifestError, match=r"field tasks\[1\]\.points: 0 is less than"):
        load_lab(lab_dir)


def test_an_unknown_field_is_refused(scratch_course: Path) -> None:
    path = edit_manifest(scratch_course, {"colour": "blue"})
    with pytest.raises(ManifestError, match="colour"):
        load_lab(path.parent)


def test_the_id_must_match_the_folder(scratch_course: Path) -> None:
    path = edit_manifest(scratch_course, {"id": "other"})
    with pytest.raises(ManifestError, match="field id: 'other' differs"):
        load_lab(path.parent)


def test_duplicate_task_ids_are_refused(scratch_course: Path) -> None:
    lab_dir = scratch_course / "labs" / "demo"
    text = (lab_dir / "lab.yaml").read_text().replace("id: listener", "id: greeting")
    (lab_dir / "lab.yaml").write_text(text)
    with pytest.raises(ManifestError, match="duplicate task id 'greeting'"):
        load_lab(lab_dir)


def test_broken_yaml_is_one_line(scratch_course: Path) -> None:
    lab_dir = scratch_course / "labs" / "demo"
    (lab_dir / "lab.yaml").write_text("id: [unclosed\n")
    with pytest.raises(ManifestError, match="not valid YAML") as caught:
        load_lab(lab_dir)
    assert "\n" not in str(caught.value)


def test_a_course_listing_a_missing_lab_is_refused(scratch_course: Path) -> None:
    outline = scratch_course / "labs" / "course.yaml"
    outline.write_text(outline.read_text().replace("[demo]", "[demo, ghost]"))
    with pytest.raises(ManifestError, match="lab 'ghost' has no folder"):
        load_course(scratch_course)


def test_every_real_lab_of_the_course_loads() -> None:
    course = load_course(Path(__file__).resolve().parents[2])
    assert course.labs, "the course lists no lab"
    for lab in course.labs:
        assert lab.guide_path.is_file(), f"{lab.id} has no guide"
        for task in lab.tasks:
            assert (lab.solutions_dir / f"{task.id}.sh").is_file(), f"{lab.id}/{task.id}.sh"


def test_lab_starts_without_building_the_iri_grammar() -> None:
    # jupyter installs rfc3987_syntax, whose import alone costs most of a second: `lab` must not.
    script = (
        "import sys, pathlib, checker.cli; from checker.manifest import load_course; "
        f"load_course(pathlib.Path({str(FIXTURE_COURSE)!r})); "
        "print(sys.modules.get('rfc3987_syntax') is None)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"


def test_validation_is_remembered_per_content_and_never_skipped_for_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A validated manifest spares the next process jsonschema; any edit is validated anew."""
    import yaml as pyyaml

    from checker.manifest import validation_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lab_dir = tmp_path / "demo"
    shutil.copytree(FIXTURE_COURSE / "labs" / "demo", lab_dir)
    load_lab(lab_dir)
    assert len(list(validation_cache().iterdir())) == 1
    script = (
        "import sys; from pathlib import Path; from checker.manifest import load_lab;"
        f"load_lab(Path({str(lab_dir)!r})); print('jsonschema' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    warm = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert warm.stdout.strip() == "False", warm.stderr
    manifest = lab_dir / "lab.yaml"
    data = pyyaml.safe_load(manifest.read_text())
    data["level"] = "expert"
    manifest.write_text(pyyaml.safe_dump(data))
    with pytest.raises(ManifestError, match="field level"):
        load_lab(lab_dir)


def test_every_environment_is_limited_unless_its_manifest_says_otherwise(
    scratch_course: Path,
) -> None:
    demo = load_lab(scratch_course / "labs" / "demo")
    assert demo.environment.limits == Limits("1g", 512)
    assert str(demo.environment.limits) == "1g of memory, 512 processes"
    lab_dir = scratch_course / "labs" / "demo"
    data = yaml.safe_load((lab_dir / "lab.yaml").read_text())
    data["target"].update(memory="3g", pids_limit=4096)
    (lab_dir / "lab.yaml").write_text(yaml.safe_dump(data))
    assert load_lab(lab_dir).environment.limits == Limits("3g", 4096)
    for bad in ({"memory": "lots"}, {"pids_limit": 0}, {"memory": None}):
        data["target"] = {"build": "target", **bad}
        (lab_dir / "lab.yaml").write_text(yaml.safe_dump(data))
        with pytest.raises(ManifestError, match=r"field target\.(memory|pids_limit)"):
            load_lab(lab_dir)


def test_the_schema_documents_the_default_limits() -> None:
    schema = json.loads((REPO / "checker" / "schema" / "lab.schema.json").read_text())
    target = schema["properties"]["target"]["properties"]
    assert (target["memory"]["default"], target["pids_limit"]["default"]) == (
        DEFAULT_MEMORY,
        DEFAULT_PIDS_LIMIT,
    )


def _with_devices(lab_dir: Path, devices: object) -> None:
    data = yaml.safe_load((lab_dir / "lab.yaml").read_text())
    data["target"] = {"build": "target", "devices": devices}
    (lab_dir / "lab.yaml").write_text(yaml.safe_dump(data))


def test_devices_are_read_with_their_probe_and_timeout(scratch_course: Path) -> None:
    lab_dir = scratch_course / "labs" / "demo"
    assert load_lab(lab_dir).environment.devices == ()
    _with_devices(
        lab_dir,
        [
            {"path": "/dev/kvm", "probe": ["k2c-kvm-probe", "kvm"], "timeout": 12},
            {"path": "/dev/fuse"},
        ],
    )
    assert load_lab(lab_dir).environment.devices == (
        Device("/dev/kvm", ("k2c-kvm-probe", "kvm"), 12.0),
        Device("/dev/fuse", (), DEFAULT_PROBE_TIMEOUT),
    )


@pytest.mark.parametrize(
    ("devices", "message"),
    [
        ("/dev/kvm", r"field target\.devices: '/dev/kvm' is not of type 'array'"),
        (["/dev/kvm"], r"field target\.devices\[0\]: '/dev/kvm' is not of type 'object'"),
        (
            [{"path": "/etc/passwd"}],
            r"field target\.devices\[0\]\.path: '/etc/passwd' does not match",
        ),
        (
            [{"path": "/dev/../etc/shadow"}],
            r"field target\.devices\[0\]\.path: '/dev/../etc/shadow' leaves /dev",
        ),
        (
            [{"path": "/dev/kvm"}, {"path": "/dev/kvm"}],
            r"field target\.devices\[1\]\.path: '/dev/kvm' is listed twice",
        ),
        (
            [{"path": "/dev/kvm", "probe": []}],
            r"field target\.devices\[0\]\.probe: \[\] should be non-empty",
        ),
        (
            [{"path": "/dev/kvm", "probe": "k2c-kvm-probe"}],
            r"field target\.devices\[0\]\.probe: 'k2c-kvm-probe' is not of type 'array'",
        ),
        (
            [{"path": "/dev/kvm", "timeout": 0}],
            r"field target\.devices\[0\]\.timeout: 0 is less than or equal to the minimum of 0",
        ),
        (
            [{"path": "/dev/kvm", "when": "always"}],
            r"field target\.devices\[0\]: Additional properties are not allowed "
            r"\('when' was unexpected\)",
        ),
        ([{"probe": ["true"]}], r"field target\.devices\[0\]: 'path' is a required property"),
    ],
)
def test_a_malformed_device_is_one_line_naming_its_field(
    scratch_course: Path, devices: object, message: str
) -> None:
    lab_dir = scratch_course / "labs" / "demo"
    _with_devices(lab_dir, devices)
    with pytest.raises(ManifestError, match=message) as caught:
        load_lab(lab_dir)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{lab_dir / 'lab.yaml'}: field target.devices")


def test_the_virtual_machines_lab_asks_for_kvm_behind_a_probe() -> None:
    lab = load_course(REPO).lab("virtual-machines")
    (kvm,) = lab.environment.devices
    assert kvm.path == "/dev/kvm"
    assert kvm.probe == ("/usr/local/sbin/k2c-kvm-probe",)
    assert (lab.build_dir / "k2c-kvm-probe").is_file()
