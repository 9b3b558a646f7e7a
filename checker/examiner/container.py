"""The examiner container: one per Docker engine, from the grader's own image, shared by graders.

It runs in the host's PID and cgroup namespaces (it sees every environment's processes; no
environment sees its own, so no learner can signal, trace or read them), with a read-only root
filesystem, no network of its own, and the capabilities nsenter and the cgroup mounts need.
Its image is keyed by the hash of its inputs: changing them builds and runs a new one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from checker.errors import TargetError
from checker.examiner import Place
from checker.spec import TargetSpec, parse_spec

IMAGE_DIR = Path(__file__).parent / "image"
REPOSITORY = "kernel-to-cloud/examiner"
LABEL = "org.kernel-to-cloud.examiner"
CAPABILITIES = ("SYS_ADMIN", "SYS_PTRACE", "NET_ADMIN")
_READY_TIMEOUT = 30.0
_lock = threading.Lock()


class ExaminerUnavailable(TargetError):
    """The examiner container could not be built or started."""


def image_key() -> str:
    """Hash of the image's inputs (its files and the base image it starts from)."""
    from checker.environments import BASE_IMAGE

    digest = hashlib.sha256(BASE_IMAGE.encode())
    for path in sorted(IMAGE_DIR.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def image_tag() -> str:
    """The examiner image's tag for the current inputs."""
    return f"{REPOSITORY}:{image_key()}"


def container_name() -> str:
    """The examiner container's name for the current image."""
    return f"k2c-examiner-{image_key()}"


def spec() -> TargetSpec:
    """The target of the examiner container's shell."""
    return parse_spec(f"docker://{container_name()}")


def ensure_image(progress: Any = None) -> str:
    """Build the examiner image unless an image of the same inputs exists; return its tag.

    Raises:
        ExaminerUnavailable: the build failed.
    """
    import docker.errors

    from checker.environments import BASE_IMAGE, client, ensure_base_image

    tag = image_tag()
    try:
        client().images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    ensure_base_image(progress or (lambda _: None))
    last = ""
    for chunk in client().api.build(
        path=str(IMAGE_DIR), tag=tag, rm=True, decode=True, buildargs={"BASE": BASE_IMAGE}
    ):
        if "error" in chunk:
            raise ExaminerUnavailable(f"building {tag} failed: {chunk['error'].strip()} ({last})")
        last = chunk.get("stream", "").strip() or last
    return tag


def ensure_running() -> TargetSpec:
    """Start the examiner container unless it runs; return its target.

    Raises:
        ExaminerUnavailable: it could not be built or started, or never became ready.
    """
    import docker.errors

    from checker.environments import PRIVILEGED_SECURITY, client

    with _lock:
        name = container_name()
        engine = client()
        try:
            container = engine.containers.get(name)
            if container.status != "running":
                container.remove(force=True)
                raise docker.errors.NotFound(name)
        except docker.errors.NotFound:
            _remove_stale(engine, name)
            tag = ensure_image()
            try:
                container = engine.containers.run(
                    tag,
                    name=name,
                    detach=True,
                    labels={LABEL: image_key()},
                    pid_mode="host",
                    cgroupns="host",
                    network_mode="none",
                    read_only=True,
                    tmpfs={"/run": "", "/tmp": ""},
                    cap_add=list(CAPABILITIES),
                    security_opt=list(PRIVILEGED_SECURITY),
                )
            except docker.errors.APIError as exc:
                if exc.status_code != 409:  # another grader started it meanwhile
                    raise ExaminerUnavailable(f"cannot start {name}: {exc}") from exc
                container = engine.containers.get(name)
        _wait_ready(container)
        return parse_spec(f"docker://{name}")


def _remove_stale(engine: Any, current: str) -> None:
    """Remove examiner containers of other inputs that no grading session is using.

    Graders of another version of the checker may share this engine (a new release beside an
    old one, several developers): an examiner in which a session holds its shell runs more
    than its own first process, and is left alone.
    """
    import docker.errors

    for old in engine.containers.list(ignore_removed=True, all=True, filters={"label": LABEL}):
        if old.name == current:
            continue
        try:
            if not in_use(old):
                old.remove(force=True)
        except docker.errors.NotFound:  # another grader removed it meanwhile
            continue


def in_use(examiner: Any) -> bool:
    """Whether a grading session holds a shell in this examiner container (a docker SDK one).

    Its first process waits alone while nobody examines through it.
    """
    if examiner.status != "running":
        return False
    return len(examiner.top().get("Processes") or []) > 1


def _wait_ready(container: Any) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT
    while time.monotonic() < deadline:
        if container.exec_run(["test", "-e", "/run/k2c/ready"]).exit_code == 0:
            return
        time.sleep(0.1)
    raise ExaminerUnavailable(f"{container.name} did not mount the cgroup hierarchies in time")


@cache
def _cgroup_setup() -> tuple[str, bool]:
    """The engine's cgroup driver and whether the host runs cgroup v2 only."""
    from checker.environments import client

    info = client().info()
    return str(info.get("CgroupDriver", "cgroupfs")), str(info.get("CgroupVersion", "1")) == "2"


def place(name: str) -> Place:
    """Where the environment of container ``name`` is: its first process and its cgroup.

    Read from the Docker engine (outside the environment): nothing the learner did inside
    changes it.

    Raises:
        ExaminerUnavailable: the container does not run.
    """
    import docker.errors

    from checker.environments import client

    try:
        data = client().api.inspect_container(name)
    except docker.errors.NotFound as exc:
        raise ExaminerUnavailable(f"container {name!r} does not exist") from exc
    state = data.get("State") or {}
    pid = int(state.get("Pid") or 0)
    if not state.get("Running") or pid <= 0:
        raise ExaminerUnavailable(f"container {name!r} is {state.get('Status', 'not running')}")
    driver, v2 = _cgroup_setup()
    parent = (data.get("HostConfig") or {}).get("CgroupParent") or ""
    if driver == "systemd":
        cgroup = f"/{parent or 'system.slice'}/docker-{data['Id']}.scope".replace("//", "/")
    else:
        cgroup = f"{parent.rstrip('/') or '/docker'}/{data['Id']}"
    return Place(init=pid, cgroup=cgroup, v2=v2)


if __name__ == "__main__":  # python -m checker.examiner.container: build the image ahead
    print(ensure_image(lambda message: print(message, flush=True)))
