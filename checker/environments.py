"""Learner environments on a Docker engine: the base image, lab images and lab containers.

The base image is pulled when a registry answers and bootstrapped offline (debootstrap +
`docker import`) when none does, so a classroom without internet still works.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from pathlib import Path
from typing import Any

from checker.errors import TargetError
from checker.manifest import Lab, Limits
from checker.spec import TargetSpec, parse_spec

BASE_IMAGE = "kernel-to-cloud/base:bookworm"
UPSTREAM_BASE = "debian:bookworm-slim"
LABEL = "org.kernel-to-cloud.lab"
# Every container, network and volume of an environment of several nodes carries this label,
# valued with the environment's name, so removing it finds all of them, even after a start that
# stopped half-way.
ENVIRONMENT_LABEL = "org.kernel-to-cloud.environment"
# Inside every node: the environment's name, so a check's hint can name a node's container.
ENVIRONMENT_ENV = "K2C_ENVIRONMENT"

# The explicit set that makes namespaces, cgroups and Docker-in-Docker work. `--privileged`
# fails on hosts whose capability bounding set is partial; this set works on both kinds.
PRIVILEGED_CAPS = ("SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE")
PRIVILEGED_SECURITY = ("seccomp=unconfined", "apparmor=unconfined")
# The CLI's `--security-opt systempaths=unconfined` is not an Engine API option: it is these two
# HostConfig fields left empty, which unmask /proc and make /proc/sys writable (sysctl, dockerd).
UNCONFINED_SYSTEM_PATHS: dict[str, list[str]] = {"MaskedPaths": [], "ReadonlyPaths": []}

Progress = Callable[[str], None]


class DockerUnavailable(TargetError):
    """No Docker engine answers."""


class BuildError(TargetError):
    """An image could not be pulled, bootstrapped or built."""


def _quiet(_: str) -> None:
    """Progress sink that shows nothing."""


@cache
def client() -> Any:
    """Return a Docker SDK client on a live Docker engine.

    Raises:
        DockerUnavailable: no Docker engine answers; the message says how to start one.
    """
    import docker

    try:
        docker_client = docker.from_env(timeout=120)
        docker_client.ping()
    except Exception as exc:
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise DockerUnavailable(
            f"no Docker engine answers at {where}: start one "
            "(`sudo systemctl start docker`, or `sudo dockerd &`) and try again"
        ) from exc
    return docker_client


def container_name(lab_id: str, student: str | None = None) -> str:
    """Return the container name of a lab environment, safe whatever the student id holds.

    >>> container_name("namespaces", "../../x")
    'k2c-namespaces-x'
    """
    if student is None:
        return f"k2c-{lab_id}"
    return f"k2c-{lab_id}-{student_slug(student)}"


def student_slug(student: str) -> str:
    """Spell a student id with a-z, 0-9 and dashes only, for names in Docker, paths and URLs.

    Accents are dropped (`José` is `jose`); letters and digits ASCII cannot spell (`张伟`) add
    a digest of the id, so two ids in such a script never share a name.

    >>> student_slug("a;rm -rf /"), student_slug("Zoë Smith")
    ('a-rm-rf', 'zoe-smith')
    >>> student_slug("张伟") != student_slug("李娜")
    True
    """
    folded = "".join(
        char for char in unicodedata.normalize("NFKD", student) if not unicodedata.combining(char)
    ).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if any(char.isalnum() and not char.isascii() for char in folded):
        digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        slug = f"{slug[:31]}-{digest}".strip("-")
    return slug[:40] or "student"


def image_tag(lab: Lab) -> str:
    """The tag of a lab's environment image."""
    return f"kernel-to-cloud/{lab.id}:latest"


def learner_environments() -> list[dict[str, str]]:
    """The environments `lab start` made on this engine (class ones excluded), by name.

    Raises:
        DockerUnavailable: no Docker engine answers.
    """
    # ignore_removed: another session may remove a container between the list and its inspect.
    found = client().containers.list(ignore_removed=True, all=True, filters={"label": LABEL})
    return sorted(
        (
            {"name": c.name, "lab": c.labels.get(LABEL, ""), "state": c.status}
            for c in found
            if c.name == container_name(c.labels.get(LABEL, ""))
        ),
        key=lambda entry: entry["name"],
    )


def container_state(name: str) -> str | None:
    """Return the container's status (running, exited...), or None when it does not exist."""
    import docker.errors

    try:
        return client().containers.get(name).status
    except docker.errors.NotFound:
        return None


def ensure_base_image(
    progress: Progress = _quiet, tag: str = BASE_IMAGE, upstream: str = UPSTREAM_BASE
) -> str:
    """Make the base image exist locally: present, else pulled, else bootstrapped offline.

    Args:
        progress: receives one line per thing done.
        tag: the local tag of the base image.
        upstream: the image to pull when a registry answers.

    Returns:
        The base image's tag.
    """
    import docker.errors

    docker_client = client()
    try:
        docker_client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    progress(f"pulling {upstream}")
    try:
        docker_client.images.pull(upstream).tag(tag)
        return tag
    except docker.errors.APIError as exc:
        progress(f"no registry answers ({_first_line(str(exc))}): bootstrapping offline")
    _bootstrap(progress, tag)
    return tag


def _bootstrap(progress: Progress, tag: str) -> None:
    """Build the base image from Debian's archive with debootstrap, then `docker import` it."""
    if shutil.which("debootstrap") is None:
        raise BuildError(
            "no registry answers and debootstrap is not installed: "
            "`sudo apt-get install debootstrap`, or pull debian:bookworm-slim"
        )
    with tempfile.TemporaryDirectory(prefix="k2c-rootfs-") as folder:
        rootfs = Path(folder) / "rootfs"
        argv = ["debootstrap", "--variant=minbase", "bookworm", str(rootfs)]
        with subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as proc:
            assert proc.stdout is not None
            tail: list[str] = []
            for line in proc.stdout:
                tail = [*tail[-5:], line.rstrip()]
                if line.startswith("I: "):
                    progress(line[3:].strip())
        if proc.returncode != 0:
            raise BuildError(f"debootstrap failed: {' | '.join(tail)}")
        # debootstrap leaves its downloaded packages behind: 30 MB every lab image would carry.
        for deb in (rootfs / "var" / "cache" / "apt" / "archives").glob("*.deb"):
            deb.unlink()
        progress("importing the root filesystem into Docker")
        tarball = Path(folder) / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "-cf", str(tarball), "."], check=True)
        repository, version = tag.split(":")
        client().api.import_image_from_file(
            str(tarball), repository=repository, tag=version, changes=['CMD ["bash"]']
        )


def build_image(lab: Lab, progress: Progress = _quiet) -> str:
    """Build the lab's environment image (Docker's cache makes rebuilds cheap).

    Raises:
        BuildError: the Dockerfile failed; the message carries Docker's last words.
    """
    ensure_base_image(progress)
    tag = image_tag(lab)
    progress(f"building {tag}")
    last = ""
    for chunk in client().api.build(
        path=str(lab.build_dir),
        tag=tag,
        rm=True,
        decode=True,
        buildargs={"BASE": BASE_IMAGE},
        labels={LABEL: lab.id},
    ):
        if "error" in chunk:
            raise BuildError(f"building {tag} failed: {_first_line(chunk['error'])} ({last})")
        if line := chunk.get("stream", "").strip():
            last = line
            if line.startswith("Step "):
                progress(line)
    return tag


def host_config(
    lab: Lab, limits: Limits | None = None, devices: Sequence[str] = ()
) -> dict[str, Any]:
    """The Engine API HostConfig that runs the lab's container as its manifest asks.

    Args:
        lab: the lab.
        limits: memory and processes allowed (default: the manifest's, or the defaults).
        devices: host devices to pass through, each at the same path (`checker.devices`
            decides which of the manifest's).
    """
    config = lab.environment
    limits = limits or config.limits
    caps = list(config.capabilities)
    if config.privileged:
        caps = list(dict.fromkeys([*PRIVILEGED_CAPS, *caps]))
    options: dict[str, Any] = {
        "cap_add": caps or None,
        "security_opt": list(PRIVILEGED_SECURITY) if config.privileged else None,
        "tmpfs": {path: "" for path in config.tmpfs} or None,
        "cgroupns": config.cgroupns,
        "mem_limit": limits.memory,
        "pids_limit": limits.pids,
        "devices": [f"{path}:{path}:rwm" for path in devices] or None,
    }
    host = client().api.create_host_config(**options)
    if config.privileged:
        host.update(UNCONFINED_SYSTEM_PATHS)
    return host


def start(
    lab: Lab,
    name: str | None = None,
    *,
    environment: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    progress: Progress = _quiet,
    limits: Limits | None = None,
) -> TargetSpec:
    """Build the lab's image and run a fresh environment for it, replacing any of that name.

    A lab with `nodes` gets one container per node on a network of its own (see
    `start_nodes`); the others get one container.

    The container (each node's, for a lab with nodes) gets the lab's limits (memory,
    processes), or `limits` when given, and the devices of its manifest that work on this host
    (`checker.devices.decide`: probed once per boot of the host), which it names in a label.

    Returns:
        Its target, `docker://NAME`.
    """
    from checker import devices

    name = name or container_name(lab.id)
    tag = build_image(lab, progress)
    decided = devices.decide(lab, tag, progress)
    passed = tuple(decision.path for decision in decided if decision.passed)
    labels = {**(labels or {}), **devices.label(decided)}
    remove(name)
    if lab.environment.nodes:
        return start_nodes(
            lab,
            tag,
            name,
            environment=environment,
            labels=labels,
            progress=progress,
            limits=limits,
            devices=passed,
        )
    progress(f"starting container {name}")
    api = client().api
    container = api.create_container(
        tag,
        name=name,
        hostname=name[:63],
        detach=True,
        environment=dict(environment or {}),
        labels={LABEL: lab.id, **labels},
        host_config=host_config(lab, limits, passed),
    )
    api.start(container)
    return parse_spec(f"docker://{name}")


def node_containers(lab: Lab, name: str) -> dict[str, str]:
    """Each node's container in environment NAME: the first node's is NAME itself, the target.

    The others are NAME.NODE: a dot cannot occur in `container_name`'s output, so no student's
    environment can take another's node name. Empty for a lab of one container.
    """
    return {
        node.name: name if index == 0 else f"{name}.{node.name}"
        for index, node in enumerate(lab.environment.nodes)
    }


def start_nodes(
    lab: Lab,
    tag: str,
    name: str,
    *,
    environment: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    progress: Progress = _quiet,
    limits: Limits | None = None,
    devices: Sequence[str] = (),
) -> TargetSpec:
    """Run one container per node of the lab on a new private network, all of them labelled.

    Each node gets its name as hostname and as its address's name on the network, the same
    environment variables (the identity nonce among them) and labels. The first node's
    container is named NAME: it is the environment's target.

    Returns:
        The target: the first node's container, `docker://NAME`.
    """
    engine = client()
    own = {ENVIRONMENT_LABEL: name}
    network = engine.networks.create(
        f"{name}.net", driver="bridge", labels={LABEL: lab.id, **own}, check_duplicate=True
    )
    try:
        _start_nodes(
            lab,
            tag,
            name,
            network.name,
            environment,
            {**(labels or {}), **own},
            progress,
            limits,
            devices,
        )
    except BaseException:
        remove(name)  # nothing half-made stays behind (and `lab finish` finds it by label anyway)
        raise
    return parse_spec(f"docker://{name}")


def _start_nodes(
    lab: Lab,
    tag: str,
    name: str,
    network: str,
    environment: Mapping[str, str] | None,
    labels: Mapping[str, str],
    progress: Progress,
    limits: Limits | None,
    devices: Sequence[str],
) -> None:
    api = client().api
    containers = node_containers(lab, name)
    for node in lab.environment.nodes:
        container_id = containers[node.name]
        progress(f"starting node {node.name} ({container_id})")
        container = api.create_container(
            tag,
            name=container_id,
            hostname=node.name,
            command=list(node.command) or None,
            detach=True,
            environment={**(environment or {}), ENVIRONMENT_ENV: name},
            labels={LABEL: lab.id, **labels},
            host_config=host_config(lab, limits, devices),
            networking_config=api.create_networking_config(
                {network: api.create_endpoint_config(aliases=[node.name])}
            ),
        )
        api.start(container)


def remove(name: str) -> bool:
    """Remove environment NAME: its container, or all its nodes' containers, network, volumes.

    Returns:
        Whether there was anything to remove.
    """
    import docker.errors

    engine = client()
    selector = {"label": f"{ENVIRONMENT_LABEL}={name}"}
    containers = engine.containers.list(ignore_removed=True, all=True, filters=selector)
    with contextlib.suppress(docker.errors.NotFound):
        containers.append(engine.containers.get(name))
    # Containers first: a network cannot go while a container is attached to it.
    doomed: list[Callable[[], Any]] = [
        *(partial(c.remove, force=True, v=True) for c in {c.id: c for c in containers}.values()),
        *(network.remove for network in engine.networks.list(filters=selector)),
        *(partial(volume.remove, force=True) for volume in engine.volumes.list(filters=selector)),
    ]
    for removal in doomed:
        with contextlib.suppress(docker.errors.NotFound):  # gone meanwhile: just as good
            removal()
    return bool(doomed)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
