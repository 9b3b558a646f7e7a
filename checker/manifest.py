"""Load and validate the course outline and the lab manifests.

Manifests are data: reading them never imports check code, so `lab list` and the docs build
stay fast and safe even when a lab's checks are broken.

Validation against the JSON schemas is remembered: once a file's exact bytes passed its exact
schema, a marker named by their SHA-256 in the user's cache folder
(`$XDG_CACHE_HOME/kernel-to-cloud/valid/`) spares the next `lab` command importing jsonschema
(a quarter of a second and more). Any change to the file or the schema changes the name, so a
changed manifest is always validated again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML was built with it: the same safe subset, several times faster.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from checker.errors import ContentError  # noqa: E402


class ManifestError(ContentError):
    """A course or lab file is missing, unreadable or does not match its schema."""


@dataclass(frozen=True)
class Task:
    """One thing the learner does; it scores its points when all its checks pass."""

    id: str
    title: str
    points: int
    hint: str
    hidden: bool = False
    after: tuple[str, ...] = ()  # tasks whose results this one builds on


# How long a device's probe may run (seconds) unless its manifest says otherwise: a KVM guest
# boots in a second or two where KVM works, and hangs forever on some hosts where it does not.
DEFAULT_PROBE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Device:
    """A host device the environment gets when the host has it and its probe passes."""

    path: str  # /dev/...: the same path on the host and in the container
    # A command of the lab's image, run in a throwaway container given the device: exit 0
    # within `timeout` seconds means the device works. Empty: having the device is enough.
    probe: tuple[str, ...] = ()
    timeout: float = DEFAULT_PROBE_TIMEOUT


@dataclass(frozen=True)
class Node:
    """One container of an environment made of several (a cluster's node, its registry)."""

    name: str
    command: tuple[str, ...] = ()  # empty: the image's own command


# Every learner environment is limited unless its manifest says otherwise: one runaway shell
# function made 21,404 processes in one container on a host whose pid_max is 32,768, starving
# every classmate and the grader. Sized for a class of 35 on one host (35 x 512 processes stay
# under that pid_max) with room for a Docker engine inside: solved, the networking lab peaks near
# 170 processes and 450 MiB (page cache included). A lab needing more says so in its manifest.
DEFAULT_MEMORY = "1g"
DEFAULT_PIDS_LIMIT = 512


@dataclass(frozen=True)
class Limits:
    """What one learner environment may use: memory (a Docker size) and processes (threads)."""

    memory: str = DEFAULT_MEMORY
    pids: int = DEFAULT_PIDS_LIMIT

    def __str__(self) -> str:
        """Say the limits as `lab start` shows them."""
        return f"{self.memory} of memory, {self.pids} processes"


@dataclass(frozen=True)
class ClusterImageConfig:
    """An application image a cluster lab builds locally and imports into its nodes."""

    tag: str
    build: str  # its build folder, relative to the lab's folder
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ClusterConfig:
    """A lab whose environment is a Kubernetes cluster (`checker.clusters`)."""

    workers: int = 2
    namespace: str = "default"
    images: tuple[ClusterImageConfig, ...] = ()


@dataclass(frozen=True)
class EnvironmentConfig:
    """How the learner's environment is built and run (the manifest's `target:` mapping)."""

    build: str  # empty for a cluster lab: its environment is `cluster`
    privileged: bool = False
    capabilities: tuple[str, ...] = ()
    tmpfs: tuple[str, ...] = ()
    cgroupns: str | None = None
    memory: str = DEFAULT_MEMORY
    pids_limit: int = DEFAULT_PIDS_LIMIT
    vm: str | None = None  # the lab's machine in machines.yaml, when it needs a whole VM
    # Several containers on a network of their own; the first is where the learner works and
    # the checks run. Empty: one container.
    nodes: tuple[Node, ...] = ()
    # Host devices passed through when present and working (see `checker.devices`).
    devices: tuple[Device, ...] = ()
    # A Kubernetes cluster (`checker.clusters`) instead of a container: lab.yaml's target.cluster.
    cluster: ClusterConfig | None = None

    @property
    def limits(self) -> Limits:
        """The environment's limits, as the manifest sets them (or the defaults)."""
        return Limits(self.memory, self.pids_limit)


@dataclass(frozen=True)
class Lab:
    """A lab: its manifest plus where its guide, checks and solutions live."""

    id: str
    uuid: str
    title: str
    summary: str
    minutes: int
    level: str
    environment: EnvironmentConfig
    tasks: tuple[Task, ...]
    path: Path
    requires: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def checks_dir(self) -> Path:
        """The folder of the lab's pytest + testinfra checks."""
        return self.path / "checks"

    @property
    def guide_path(self) -> Path:
        """The learner's guide (the only copy of it)."""
        return self.path / "README.md"

    @property
    def build_dir(self) -> Path:
        """The Docker build context of the learner's environment."""
        return (self.path / self.environment.build).resolve()

    @property
    def solutions_dir(self) -> Path:
        """The reference steps, `solutions/<id>/` beside `labs/`."""
        return self.path.parent.parent / "solutions" / self.id

    @property
    def max_score(self) -> int:
        """Sum of all tasks' points, hidden ones included."""
        return sum(task.points for task in self.tasks)

    def task(self, task_id: str) -> Task:
        """Return the task with this id.

        Raises:
            KeyError: no such task in this lab.
        """
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)


@dataclass(frozen=True)
class Section:
    """A titled group of labs in the course outline."""

    title: str
    lab_ids: tuple[str, ...]


@dataclass(frozen=True)
class Course:
    """The course outline with its labs loaded, in teaching order."""

    title: str
    sections: tuple[Section, ...]
    labs: tuple[Lab, ...]
    root: Path

    def lab(self, lab_id: str) -> Lab:
        """Return the lab with this id.

        Raises:
            KeyError: the course has no such lab.
        """
        for lab in self.labs:
            if lab.id == lab_id:
                return lab
        raise KeyError(lab_id)


@cache
def _schema_text(name: str) -> str:
    return resources.files("checker.schema").joinpath(name).read_text(encoding="utf-8")


@cache
def _schema(name: str) -> dict[str, Any]:
    return json.loads(_schema_text(name))


def validation_cache() -> Path:
    """The folder of "this file passed this schema" markers (XDG cache directory)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kernel-to-cloud" / "valid"


def _read_yaml(path: Path, schema_name: str) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
        data = yaml.load(raw.decode("utf-8"), Loader=_SafeLoader)
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: file not found") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ManifestError(f"{path}: not valid YAML: {first_line}") from exc
    digest = hashlib.sha256(_schema_text(schema_name).encode() + b"\0" + raw).hexdigest()
    marker = validation_cache() / digest
    if marker.exists():
        return data
    _validate(path, data, schema_name)
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # no cache (read-only home): validate every time
    return data


def _validate(path: Path, data: Any, schema_name: str) -> None:
    # jsonschema (4.25 and later) imports rfc3987_syntax when it is installed, and jupyter
    # installs it: building its grammar costs 0.9 s at import. Our schemas check no IRI format,
    # so keep it out (setdefault: a process that already has it keeps it).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema(schema_name))
    # Report the error closest to the root first: it names the field a human wrote wrong.
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), e.message))
    if errors:
        error = errors[0]
        where = _field_path(error.absolute_path) or "(top level)"
        raise ManifestError(f"{path}: field {where}: {_short(error.message)}")


def _field_path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def load_lab(path: Path) -> Lab:
    """Load and validate `path/lab.yaml`.

    Args:
        path: the lab's directory.

    Raises:
        ManifestError: the manifest is missing or invalid; the message names file and field.
    """
    manifest = path / "lab.yaml"
    data = _read_yaml(manifest, "lab.schema.json")
    if data["id"] != path.name:
        raise ManifestError(
            f"{manifest}: field id: {data['id']!r} differs from its folder {path.name!r}"
        )
    task_ids = [task["id"] for task in data["tasks"]]
    duplicates = sorted({task_id for task_id in task_ids if task_ids.count(task_id) > 1})
    if duplicates:
        raise ManifestError(f"{manifest}: field tasks: duplicate task id {duplicates[0]!r}")
    for index, task in enumerate(data["tasks"]):
        earlier = task_ids[:index]
        unknown = [task_id for task_id in task.get("after", ()) if task_id not in earlier]
        if unknown:
            raise ManifestError(
                f"{manifest}: field tasks[{index}].after: {unknown[0]!r} is not an earlier task"
            )
    node_names = [node["name"] for node in data["target"].get("nodes", ())]
    if len(set(node_names)) != len(node_names):
        raise ManifestError(f"{manifest}: field target.nodes: duplicate node name")
    target = data["target"]
    devices = _devices(manifest, target.get("devices", ()))
    return Lab(
        id=data["id"],
        uuid=data["uuid"],
        title=data["title"],
        summary=" ".join(data["summary"].split()),
        minutes=data["minutes"],
        level=data["level"],
        requires=tuple(data.get("requires", ())),
        params=dict(data.get("params", {})),
        environment=EnvironmentConfig(
            build=target.get("build", ""),
            privileged=target.get("privileged", False),
            capabilities=tuple(target.get("capabilities", ())),
            tmpfs=tuple(target.get("tmpfs", ())),
            cgroupns=target.get("cgroupns"),
            memory=target.get("memory", DEFAULT_MEMORY),
            pids_limit=target.get("pids_limit", DEFAULT_PIDS_LIMIT),
            vm=target.get("vm"),
            nodes=tuple(
                Node(name=node["name"], command=tuple(node.get("command", ())))
                for node in target.get("nodes", ())
            ),
            devices=devices,
            cluster=_cluster_config(target.get("cluster")),
        ),
        tasks=tuple(
            Task(
                id=task["id"],
                title=task["title"],
                points=task["points"],
                hint=" ".join(task["hint"].split()),
                hidden=task.get("hidden", False),
                after=tuple(task.get("after", ())),
            )
            for task in data["tasks"]
        ),
        path=path.resolve(),
    )


def _devices(manifest: Path, entries: Any) -> tuple[Device, ...]:
    """The manifest's `target.devices`, already schema-valid: refuse what the schema cannot."""
    devices: list[Device] = []
    for index, entry in enumerate(entries):
        path = entry["path"]
        if ".." in path.split("/"):
            raise ManifestError(
                f"{manifest}: field target.devices[{index}].path: {path!r} leaves /dev"
            )
        if any(device.path == path for device in devices):
            raise ManifestError(
                f"{manifest}: field target.devices[{index}].path: {path!r} is listed twice"
            )
        devices.append(
            Device(
                path=path,
                probe=tuple(entry.get("probe", ())),
                timeout=float(entry.get("timeout", DEFAULT_PROBE_TIMEOUT)),
            )
        )
    return tuple(devices)


def _cluster_config(data: dict[str, Any] | None) -> ClusterConfig | None:
    if data is None:
        return None
    return ClusterConfig(
        workers=data.get("workers", 2),
        namespace=data.get("namespace", "default"),
        images=tuple(
            ClusterImageConfig(
                tag=image["tag"],
                build=image["build"],
                args=tuple((str(k), str(v)) for k, v in (image.get("args") or {}).items()),
            )
            for image in data.get("images", ())
        ),
    )


def load_course(root: Path) -> Course:
    """Load `root/labs/course.yaml` and every lab it lists, in its order.

    Raises:
        ManifestError: the outline or a listed lab is missing or invalid.
    """
    outline_path = root / "labs" / "course.yaml"
    outline = _read_yaml(outline_path, "course.schema.json")
    sections = tuple(
        Section(title=section["title"], lab_ids=tuple(section["labs"]))
        for section in outline["sections"]
    )
    labs = []
    for lab_id in (lab_id for section in sections for lab_id in section.lab_ids):
        lab_dir = root / "labs" / lab_id
        if not lab_dir.is_dir():
            raise ManifestError(f"{outline_path}: lab {lab_id!r} has no folder labs/{lab_id}")
        labs.append(load_lab(lab_dir))
    return Course(title=outline["title"], sections=sections, labs=tuple(labs), root=root)
