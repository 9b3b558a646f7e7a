"""Kubernetes clusters whose nodes are containers: an environment kind built offline.

Nothing can be pulled, so everything is built here, once per machine, and kept as local images
whose tags are the hash of their inputs (a change to a lab's checks or guide rebuilds nothing):

- `kernel-to-cloud/kube-bin:KEY`: kube-apiserver, kube-controller-manager, kube-scheduler,
  kubelet, kube-proxy, kubectl and the pod sandbox (`pause`), compiled with Debian's Go from
  Debian bookworm's `kubernetes` source package (v1.20.2, dependencies vendored). The slow part
  (about 12 minutes on 2 cores); `lab cluster build` does it on its own.
- `kernel-to-cloud/kube-node:KEY`: one image for every node: Debian's etcd, containerd, runc and
  CNI plugins plus those binaries; its entrypoint (`k2c-node`) runs a control plane or a worker.
- `k2c.local/pause:3.2`: the sandbox image, imported into every worker's containerd.

A cluster named NAME is a Docker network NAME, containers `NAME-control-plane` and
`NAME-worker-1..N`, and a directory on the host holding its kubeconfig (`state_dir`). A lab's
own images are built locally and imported into every worker's containerd.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from checker import environments
from checker.engine.channels import Channel, PipeChannel
from checker.engine.errors import TargetUnreachable
from checker.engine.shells import Shell, shell_argv
from checker.environments import BuildError, Progress, _first_line, _quiet, client
from checker.errors import TargetError
from checker.manifest import Lab
from checker.paths import repo_root
from checker.spec import Node

KUBE_VERSION = "v1.20.2"
BIN_REPOSITORY = "kernel-to-cloud/kube-bin"
NODE_REPOSITORY = "kernel-to-cloud/kube-node"
SANDBOX_IMAGE = "k2c.local/pause:3.2"
LABEL = "org.kernel-to-cloud.cluster"
ROLE_LABEL = "org.kernel-to-cloud.cluster-role"
# The node's processes need what a container runtime needs: mounts and cgroups (SYS_ADMIN),
# bridges, routes and iptables (NET_ADMIN). `--privileged` fails on hosts whose bounding set
# lacks CAP_SYS_RESOURCE; this explicit set works on both kinds.
NODE_CAPS = ("SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE")
CLUSTER_CIDR_PREFIX = "10.244"
READY_TIMEOUT = 300
BUILD_CPU_SHARES = 2  # the kernel's minimum weight (a container's default is 1024)
# On a busy host the API server, etcd and the scheduler answer first: starved, every kubectl
# call fails (TLS handshake timeout) while the workloads they manage run on.
CONTROL_PLANE_CPU_SHARES = 4096


class ClusterError(TargetError):
    """A cluster could not be built, started or reached."""


# ------------------------------------------------------------------------------ the images


def source_dir() -> Path:
    """The build contexts of the cluster images (`clusters/kube` in the course)."""
    return repo_root() / "clusters" / "kube"


def content_key(*folders: Path) -> str:
    """A short hash of every file under the folders: names, modes and bytes.

    Two checkouts with the same files get the same key, wherever they are on disk.
    """
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder).as_posix()
            mode = "x" if os.access(path, os.X_OK) else "-"
            digest.update(f"{folder.name}/{relative}\0{mode}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def bin_tag() -> str:
    """The tag of the binaries image: its key is the hash of its build context alone."""
    return f"{BIN_REPOSITORY}:{content_key(source_dir() / 'binaries')}"


def node_tag() -> str:
    """The tag of the node image: keyed by its own context and by the binaries it copies."""
    root = source_dir()
    return f"{NODE_REPOSITORY}:{content_key(root / 'binaries', root / 'node')}"


def image_exists(tag: str) -> bool:
    """True when the engine has an image of this tag."""
    import docker.errors

    try:
        client().images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def _docker_build(
    tag: str,
    progress: Progress,
    *,
    path: Path | None = None,
    dockerfile: str | None = None,
    context: bytes | None = None,
    buildargs: dict[str, str] | None = None,
) -> None:
    """Build one image from a folder, a Dockerfile text needing no context, or a context tar.

    A multi-stage build leaves its earlier stages behind as untagged images (the Go toolchain
    and the source tree: about a GB): once the image is built, they are removed.
    """
    import docker.errors

    # The lowest CPU weight: a build (the compile takes a quarter of an hour of both cores) yields
    # the CPU to whatever else runs, learners' environments or tests, and alone still gets all.
    options: dict[str, Any] = {
        "tag": tag, "rm": True, "forcerm": True, "decode": True,
        "container_limits": {"cpushares": BUILD_CPU_SHARES},
    }  # fmt: skip
    if path is not None:
        options["path"] = str(path)
    elif context is not None:
        options["fileobj"] = io.BytesIO(context)
        options["custom_context"] = True
    else:
        options["fileobj"] = io.BytesIO((dockerfile or "").encode())
    last = ""
    made: list[str] = []
    api = client().api
    for chunk in api.build(buildargs=buildargs or {}, **options):
        if "error" in chunk:
            raise BuildError(f"building {tag} failed: {_first_line(chunk['error'])} ({last})")
        if line := chunk.get("stream", "").strip():
            last = line
            if line.startswith("---> ") and " " not in line[5:]:
                made.append(line[5:])
            if line.startswith("Step "):
                progress(f"{tag}: {line}")
    kept = {str(layer.get("Id", ""))[7:19] for layer in api.history(tag)}
    for image in reversed(made):
        # Only untagged leftovers: a stage's FROM names an image someone keeps (kube-bin).
        with contextlib.suppress(docker.errors.APIError):
            if image[:12] not in kept and not api.inspect_image(image).get("RepoTags"):
                api.remove_image(image)


def build(progress: Progress = _quiet) -> str:
    """Make every cluster image exist (the binaries are compiled only when missing).

    Several processes may call this at once (CI starts `lab cluster build` early, in the
    background, and a test may need the images before it ends): they take turns on a lock
    file, and whoever comes second finds the images made.

    Returns:
        The node image's tag.

    Raises:
        BuildError: a build failed; the message carries Docker's last words.
    """
    with _build_lock(progress):
        return _build_images(progress)


@contextlib.contextmanager
def _build_lock(progress: Progress) -> Iterator[None]:
    """Hold the lock that builds of the cluster images take turns on (a file under state_root)."""
    import fcntl

    state_root().mkdir(parents=True, exist_ok=True)
    with (state_root() / "build.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("waiting for another process building the cluster images")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _build_images(progress: Progress) -> str:
    environments.ensure_base_image(progress)
    binaries = bin_tag()
    if not image_exists(binaries):
        progress(f"compiling Kubernetes {KUBE_VERSION} from Debian's source (about 12 min)")
        _docker_build(binaries, progress, path=source_dir() / "binaries")
    node = node_tag()
    if not image_exists(node):
        _docker_build(node, progress, path=source_dir() / "node", buildargs={"BIN": binaries})
    if not image_exists(f"{SANDBOX_IMAGE}-{binaries.split(':')[1]}"):
        # The pod sandbox: the static pause binary alone. Tagged twice: by its inputs' key
        # (so a rebuilt binary is noticed) and by the name containerd is configured with.
        keyed = f"{SANDBOX_IMAGE}-{binaries.split(':')[1]}"
        dockerfile = (
            f"FROM {binaries} AS bin\nFROM scratch\n"
            'COPY --from=bin /opt/kube/bin/pause /pause\nENTRYPOINT ["/pause"]\n'
        )
        _docker_build(keyed, progress, dockerfile=dockerfile)
        client().images.get(keyed).tag(*SANDBOX_IMAGE.split(":"))
    return node


@dataclass(frozen=True)
class ClusterImage:
    """An application image a lab runs on its cluster, built locally from a folder."""

    tag: str
    build: Path
    args: tuple[tuple[str, str], ...] = ()


def build_app_images(images: Sequence[ClusterImage], node: str, progress: Progress) -> None:
    """Build a lab's application images.

    Their Dockerfiles get two build args: BASE (the course's base image) and NODE (the node
    image, whose static busybox makes a few-MB image `FROM scratch`).
    """
    for image in images:
        progress(f"building {image.tag}")
        args = {"BASE": environments.BASE_IMAGE, "NODE": node, **dict(image.args)}
        _docker_build(image.tag, progress, path=image.build, buildargs=args)


# ---------------------------------------------------------------------------- the clusters


def state_root() -> Path:
    """Where clusters keep their host-side files (kubeconfig, kubectl)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "kernel-to-cloud"


def kubectl_dir() -> Path:
    """The folder holding the kubectl this course built (put there by `start`)."""
    return state_root() / "bin"


@dataclass(frozen=True)
class Cluster:
    """A cluster's names: network, node containers and host-side files."""

    name: str
    workers: int = 2

    @property
    def control_plane(self) -> str:
        """The control-plane node's container (and node) name."""
        return f"{self.name}-control-plane"

    @property
    def worker_names(self) -> list[str]:
        """The worker nodes' container (and node) names."""
        return [f"{self.name}-worker-{index}" for index in range(1, self.workers + 1)]

    @property
    def nodes(self) -> list[str]:
        """Every node container, control plane first."""
        return [self.control_plane, *self.worker_names]

    @property
    def state_dir(self) -> Path:
        """The cluster's folder on the host."""
        return state_root() / "clusters" / self.name

    @property
    def kubeconfig(self) -> Path:
        """The kubeconfig that reaches the cluster from the host as its administrator."""
        return self.state_dir / "kubeconfig"

    def pod_cidr(self, worker: str) -> str:
        """The pod subnet of a worker: 10.244.N.0/24 for worker N."""
        return f"{CLUSTER_CIDR_PREFIX}.{self.worker_names.index(worker) + 1}.0/24"

    def spec(self, namespace: str | None = None) -> str:
        """The target spec that reaches this cluster through its kubeconfig."""
        query = f"kubeconfig={self.kubeconfig}"
        if namespace:
            query += f"&namespace={namespace}"
        return f"kube://{self.name}?{query}"


def _exec(container: str, command: str, *, check: bool = True) -> tuple[int, str]:
    """Run `sh -c COMMAND` in a container; return its exit code and standard output.

    Standard error is kept apart: a kubectl that had to retry (a busy API server) writes its
    warnings there, before the JSON it prints on standard output.
    """
    api = client().api
    exec_id = api.exec_create(container, ["sh", "-c", command], stdout=True, stderr=True)
    stdout, stderr = api.exec_start(exec_id, demux=True)
    output = (stdout or b"").decode("utf-8", "replace")
    # The engine may close the stream a moment before it records the exit code.
    deadline = time.monotonic() + 10
    while (inspected := api.exec_inspect(exec_id))["Running"] and time.monotonic() < deadline:
        time.sleep(0.05)
    code = inspected["ExitCode"]
    if check and code != 0:
        said = output + (stderr or b"").decode("utf-8", "replace")
        raise ClusterError(f"{container}: `{command[:80]}` exited {code}: {said[-300:]}")
    return code, output


def admin_kubectl(cluster: Cluster, args: str) -> str:
    """Run kubectl as the cluster's administrator, inside the control plane."""
    return _exec(cluster.control_plane, f"KUBECONFIG=/etc/kubernetes/admin.conf kubectl {args}")[1]


def find(name: str) -> Cluster | None:
    """The course cluster NAME when its nodes are containers of this Docker engine, else None."""
    workers = client().containers.list(
        ignore_removed=True,
        all=True,
        filters={"label": [f"{LABEL}={name}", f"{ROLE_LABEL}=worker"]},
    )
    return Cluster(name, len(workers)) if workers else None


def running(cluster: Cluster) -> bool:
    """True when every node container runs and the host kubeconfig exists."""
    states = [environments.container_state(node) for node in cluster.nodes]
    return all(state == "running" for state in states) and cluster.kubeconfig.is_file()


def remove(name: str) -> bool:
    """Remove a cluster: its node containers, its network and its host-side files.

    Returns:
        Whether there was anything to remove.
    """
    import docker.errors

    engine = client()
    found = False
    for container in engine.containers.list(
        ignore_removed=True, all=True, filters={"label": f"{LABEL}={name}"}
    ):
        container.remove(force=True, v=True)
        found = True
    for network in engine.networks.list(filters={"label": f"{LABEL}={name}"}):
        with contextlib.suppress(docker.errors.NotFound):
            network.remove()
        found = True
    folder = state_root() / "clusters" / name
    if folder.exists():
        shutil.rmtree(folder)
        found = True
    return found


def _node_host_config(control_plane: bool) -> dict[str, Any]:
    api = client().api
    options: dict[str, Any] = {
        "cap_add": list(NODE_CAPS),
        "security_opt": list(environments.PRIVILEGED_SECURITY),
        # Rooted at the node's own cgroup: kubelet's pod cgroups nest under it, per node.
        "cgroupns": "private",
    }
    if control_plane:
        options["port_bindings"] = {6443: ("127.0.0.1", None)}
        options["cpu_shares"] = CONTROL_PLANE_CPU_SHARES
    else:
        # kubelet's OOM watcher reads the kernel log: the device, and the right to read it.
        options["devices"] = ["/dev/kmsg:/dev/kmsg:rwm"]
        options["cap_add"] = [*NODE_CAPS, "SYSLOG"]
    host = api.create_host_config(**options)
    host.update(environments.UNCONFINED_SYSTEM_PATHS)  # per-netns sysctls (forwarding)
    return host


def _create_node(
    cluster: Cluster, node: str, image: str, role: str, environment: dict[str, str]
) -> None:
    api = client().api
    container = api.create_container(
        image,
        name=node,
        hostname=node,
        detach=True,
        environment={"K2C_ROLE": role, "K2C_SANDBOX_IMAGE": SANDBOX_IMAGE, **environment},
        labels={LABEL: cluster.name, ROLE_LABEL: role},
        ports=[6443] if role == "control-plane" else None,
        host_config=_node_host_config(role == "control-plane"),
        networking_config=api.create_networking_config(
            {cluster.name: api.create_endpoint_config()}
        ),
    )
    api.start(container)


def _node_ip(cluster: Cluster, node: str) -> str:
    networks = client().api.inspect_container(node)["NetworkSettings"]["Networks"]
    return str(networks[cluster.name]["IPAddress"])


def _wait_file(node: str, path: str, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if environments.container_state(node) != "running":
            raise ClusterError(f"{node} stopped while waiting for {what}: {_logs(node)}")
        if _exec(node, f"test -e {path}", check=False)[0] == 0:
            return
        time.sleep(0.5)
    raise ClusterError(f"{node}: no {what} within {timeout:.0f} s: {_logs(node)}")


def _logs(node: str) -> str:
    _code, tail = _exec(node, "tail -n 3 /var/log/k2c/*.log 2>/dev/null", check=False)
    logs = client().api.logs(node, tail=5).decode("utf-8", "replace")
    return " | ".join(line for line in (logs + tail).splitlines() if line.strip())[-600:]


def _copy_bundle(cluster: Cluster, worker: str) -> None:
    """Hand a worker its credentials, made by the control plane (never its CA key)."""
    api = client().api
    stream, _ = api.get_archive(cluster.control_plane, f"/etc/kubernetes/nodes/{worker}")
    data = b"".join(stream)
    _exec(worker, "mkdir -p /etc/kubernetes/nodes")
    api.put_archive(worker, "/etc/kubernetes/nodes", data)
    # The link appears once the whole bundle is in place: the worker starts on it.
    _exec(worker, f"ln -sfn nodes/{worker} /etc/kubernetes/node")


def import_images(cluster: Cluster, tags: Iterable[str]) -> None:
    """Copy local Docker images into every worker's containerd (`docker save` | ctr import)."""
    tags = list(tags)
    archives = {tag: b"".join(client().api.get_image(tag)) for tag in tags}

    def into(worker: str) -> None:
        _exec(worker, "timeout 60 sh -c 'until ctr version; do sleep 0.5; done'")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as bundle:
            for index, data in enumerate(archives.values()):
                info = tarfile.TarInfo(f"image-{index}.tar")
                info.size = len(data)
                bundle.addfile(info, io.BytesIO(data))
        client().api.put_archive(worker, "/tmp", buffer.getvalue())
        for index in range(len(archives)):
            _exec(
                worker,
                "ctr -n k8s.io images import --snapshotter native "
                f"/tmp/image-{index}.tar && rm /tmp/image-{index}.tar",
            )

    with ThreadPoolExecutor(max_workers=max(1, cluster.workers)) as pool:
        list(pool.map(into, cluster.worker_names))


def _wait_ready(cluster: Cluster, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    status: dict[str, str] = {}
    while time.monotonic() < deadline:
        code, output = _exec(
            cluster.control_plane,
            "KUBECONFIG=/etc/kubernetes/admin.conf kubectl get nodes -o json",
            check=False,
        )
        if code == 0:
            items = json.loads(output).get("items", [])
            status = {
                item["metadata"]["name"]: next(
                    (
                        c["status"]
                        for c in item["status"].get("conditions", [])
                        if c["type"] == "Ready"
                    ),
                    "Unknown",
                )
                for item in items
            }
            if all(status.get(worker) == "True" for worker in cluster.worker_names):
                return
        time.sleep(1)
    late = [w for w in cluster.worker_names if status.get(w) != "True"]
    raise ClusterError(f"nodes not Ready within {timeout:.0f} s: {late}: {_logs(late[0])}")


def _write_kubeconfig(cluster: Cluster, namespace: str | None) -> None:
    """The administrator's kubeconfig, reaching the API through the published port."""
    admin = yaml.safe_load(_exec(cluster.control_plane, "cat /etc/kubernetes/admin.conf")[1])
    port = client().api.inspect_container(cluster.control_plane)["NetworkSettings"]["Ports"][
        "6443/tcp"
    ][0]["HostPort"]
    admin["clusters"][0]["name"] = cluster.name
    admin["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{port}"
    admin["users"][0]["name"] = f"{cluster.name}-admin"
    context = {"cluster": cluster.name, "user": f"{cluster.name}-admin"}
    if namespace:
        context["namespace"] = namespace
    admin["contexts"] = [{"name": cluster.name, "context": context}]
    admin["current-context"] = cluster.name
    cluster.state_dir.mkdir(parents=True, exist_ok=True)
    cluster.kubeconfig.touch(mode=0o600)
    cluster.kubeconfig.write_text(yaml.safe_dump(admin, sort_keys=False), encoding="utf-8")


def _install_kubectl(cluster: Cluster) -> None:
    """Copy the cluster's kubectl to the host (`kubectl_dir`), for learners without one."""
    stream, _ = client().api.get_archive(cluster.control_plane, "/usr/local/bin/kubectl")
    folder = kubectl_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
        member = archive.extractfile("kubectl")
        assert member is not None
        partial = folder / ".kubectl.partial"
        partial.write_bytes(member.read())
    partial.chmod(0o755)
    partial.replace(folder / "kubectl")


def start(
    cluster: Cluster,
    *,
    images: Sequence[ClusterImage] = (),
    namespace: str | None = None,
    progress: Progress = _quiet,
) -> Cluster:
    """Build what is missing and start a fresh cluster, replacing any of that name.

    Args:
        cluster: its name and number of workers.
        images: application images to build and import into every worker.
        namespace: the namespace the host kubeconfig's context works in.
        progress: receives one line per thing done.

    Raises:
        BuildError: an image could not be built.
        ClusterError: a node did not come up; the message quotes its logs.
    """
    node_image = build(progress)
    build_app_images(images, node_image, progress)
    remove(cluster.name)
    progress(f"starting {cluster.name}: a control plane and {cluster.workers} workers")
    client().networks.create(cluster.name, driver="bridge", labels={LABEL: cluster.name})
    _create_node(
        cluster,
        cluster.control_plane,
        node_image,
        "control-plane",
        {"K2C_WORKERS": " ".join(cluster.worker_names)},
    )
    for worker in cluster.worker_names:
        _create_node(
            cluster, worker, node_image, "worker", {"K2C_POD_CIDR": cluster.pod_cidr(worker)}
        )
    progress("waiting for the control plane")
    _wait_file(cluster.control_plane, "/etc/kubernetes/pki/done", 60, "credentials")
    for worker in cluster.worker_names:
        _copy_bundle(cluster, worker)
    # Pod subnets are routed node to node over the cluster's Docker network.
    addresses = {worker: _node_ip(cluster, worker) for worker in cluster.worker_names}
    for node in cluster.nodes:
        routes = [
            f"ip route replace {cluster.pod_cidr(worker)} via {address}"
            for worker, address in addresses.items()
            if worker != node
        ]
        if routes:
            _exec(node, " && ".join(routes))
    progress("importing images into the workers")
    import_images(cluster, [SANDBOX_IMAGE, *(image.tag for image in images)])
    _wait_file(cluster.control_plane, "/run/k2c-ready", READY_TIMEOUT, "API server")
    progress("waiting for the nodes to be Ready")
    _wait_ready(cluster)
    for worker in cluster.worker_names:
        admin_kubectl(cluster, f"label node {worker} node-role.kubernetes.io/worker= --overwrite")
    _write_kubeconfig(cluster, namespace)
    _install_kubectl(cluster)
    return cluster


# ------------------------------------------------------------------ a registry beside it

REGISTRY_REPOSITORY = "kernel-to-cloud/registry"
REGISTRY_ROLE = "registry"
REGISTRY_PORT = 5000
# containerd's `config_path` (the node image's containerd.toml): one folder per registry host.
REGISTRY_HOSTS_DIR = "/etc/containerd/certs.d"


def registry_context() -> bytes:
    """The registry image's build context, as a tar: its Dockerfile and the swarm lab's recipe.

    The swarm lab's registry node runs Debian's docker-registry with that lab's configuration
    and launcher; this image is the same registry alone, built from the same two files (a
    lab's build context cannot reach outside its folder, so this one is put together here).
    The tar is the same bytes for the same files (sorted, no times, no owners).
    """
    swarm = repo_root() / "labs" / "swarm" / "target"
    files = {
        "Dockerfile": repo_root() / "clusters" / "registry" / "Dockerfile",
        "k2c-registry": swarm / "bin" / "k2c-registry",
        "registry.yml": swarm / "rootfs" / "etc" / "k2c" / "registry.yml",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for name, path in files.items():
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def registry_tag() -> str:
    """The registry image's tag: keyed by the hash of its build context."""
    return _registry_tag(registry_context())


def _registry_tag(context: bytes) -> str:
    return f"{REGISTRY_REPOSITORY}:{hashlib.sha256(context).hexdigest()[:16]}"


def build_registry(progress: Progress = _quiet) -> str:
    """Make the registry image exist (built once per machine and key); return its tag.

    Raises:
        BuildError: the build failed; the message carries Docker's last words.
    """
    context = registry_context()
    tag = _registry_tag(context)
    with _build_lock(progress):
        if not image_exists(tag):
            environments.ensure_base_image(progress)
            progress(f"building {tag} (Debian's docker-registry)")
            _docker_build(
                tag,
                progress,
                context=context,
                buildargs={"BASE": environments.BASE_IMAGE},
            )
    return tag


@dataclass(frozen=True)
class Registry:
    """A registry beside a course cluster, known by one name to this machine and to the nodes.

    `host` (`127.0.0.1:PORT`) is its name in image references: this machine's Docker engine
    pushes there over plain HTTP (Docker allows it for 127.0.0.0/8), and the nodes pull images
    of that name from `server`, its container on the cluster's network, as each worker's
    containerd is told (`trust_registry`).
    """

    host: str
    server: str
    container: str


def registry_container(cluster: Cluster) -> str:
    """The container of the cluster's registry (and its name on the cluster's network)."""
    return f"{cluster.name}-registry"


def start_registry(cluster: Cluster, progress: Progress = _quiet, timeout: float = 60) -> Registry:
    """Run a registry beside a running cluster and tell its workers where it is.

    The container joins the cluster's network (the nodes reach it there over plain HTTP),
    publishes its port on 127.0.0.1 (a port Docker picks) and is labelled as part of the
    cluster: `remove` removes it with the cluster, `stop_registry` alone. Any earlier registry
    of the cluster is replaced (its images with it).

    Raises:
        BuildError: the registry image could not be built.
        ClusterError: the registry did not answer within `timeout`.
    """
    import urllib.error
    import urllib.request

    image = build_registry(progress)
    stop_registry(cluster)
    name = registry_container(cluster)
    api = client().api
    progress(f"starting {name}")
    container = api.create_container(
        image,
        name=name,
        hostname=name,
        detach=True,
        labels={LABEL: cluster.name, ROLE_LABEL: REGISTRY_ROLE},
        ports=[REGISTRY_PORT],
        host_config=api.create_host_config(port_bindings={REGISTRY_PORT: ("127.0.0.1", None)}),
        networking_config=api.create_networking_config(
            {cluster.name: api.create_endpoint_config()}
        ),
    )
    api.start(container)
    registry = _registry_of(api.inspect_container(name))
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://{registry.host}/v2/", timeout=5) as answer:
                if answer.status == 200:
                    break
                why = f"HTTP {answer.status}"
        except (urllib.error.URLError, OSError) as exc:
            why = str(exc)
        if time.monotonic() > deadline:
            logs = api.logs(name, tail=5).decode("utf-8", "replace")
            raise ClusterError(
                f"registry {name} did not answer at {registry.host} within {timeout:.0f} s: "
                f"{why} {' | '.join(logs.splitlines())}"
            )
        time.sleep(0.5)
    trust_registry(cluster, registry.host, registry.server)
    return registry


def find_registry(cluster: Cluster) -> Registry | None:
    """The registry `start_registry` runs beside the cluster, or None when it runs none."""
    import docker.errors

    try:
        found = client().api.inspect_container(registry_container(cluster))
    except docker.errors.NotFound:
        return None
    return _registry_of(found) if found["State"]["Running"] else None


def _registry_of(container: dict[str, Any]) -> Registry:
    name = container["Name"].lstrip("/")
    [port] = container["NetworkSettings"]["Ports"][f"{REGISTRY_PORT}/tcp"]
    return Registry(f"127.0.0.1:{port['HostPort']}", f"http://{name}:{REGISTRY_PORT}", name)


def stop_registry(cluster: Cluster) -> bool:
    """Remove the cluster's registry container, and its images with it; False if none ran."""
    import docker.errors

    try:
        client().api.remove_container(registry_container(cluster), force=True, v=True)
    except docker.errors.NotFound:
        return False
    return True


def hosts_toml(server: str) -> str:
    """The hosts.toml that tells containerd a registry is served at `server` (`http://NAME:PORT`).

    The server is named twice, as `server` and as a `host` table: containerd 1.6 (Debian
    bookworm's) refuses a file without a `host` table ("invalid `host` tree") and then
    reaches the registry at its name.

    >>> print(hosts_toml("http://k2c-registry:5000"), end="")
    server = "http://k2c-registry:5000"
    <BLANKLINE>
    [host."http://k2c-registry:5000"]
      capabilities = ["pull", "resolve"]
    """
    quoted = json.dumps(server)
    return f'server = {quoted}\n\n[host.{quoted}]\n  capabilities = ["pull", "resolve"]\n'


def trust_registry(cluster: Cluster, host: str, server: str) -> None:
    """Tell every worker's containerd that registry `host` is served at `server`.

    As an instructor configures the nodes of their own cluster: a hosts.toml in the folder of
    that registry name under containerd's `config_path`, read at every pull (no restart).
    """
    import shlex

    folder = shlex.quote(f"{REGISTRY_HOSTS_DIR}/{host}")
    text = shlex.quote(hosts_toml(server))
    for worker in cluster.worker_names:
        _exec(worker, f"mkdir -p {folder} && printf %s {text} >{folder}/hosts.toml")


# ------------------------------------------------------------- reaching a cluster from here

_private_dir: Path | None = None


def _private() -> Path:
    """A folder only this process uses (0700), removed when it exits."""
    global _private_dir
    if _private_dir is None:
        import atexit
        import tempfile

        _private_dir = Path(tempfile.mkdtemp(prefix="k2c-kube-"))
        atexit.register(shutil.rmtree, _private_dir, True)
    return _private_dir


def kubectl_program() -> str:
    """The kubectl to run: the one on PATH, else the one this course built."""
    found = shutil.which("kubectl") or shutil.which("kubectl", path=str(kubectl_dir()))
    if found is None:
        raise ClusterError(
            "no kubectl: install one, or `lab start` a course cluster (it brings its own)"
        )
    return found


def cluster_environment(
    kubeconfig: str | None, context: str | None, namespace: str | None, timeout: float = 30
) -> dict[str, str]:
    """The environment of a shell whose kubectl reaches one cluster, context and namespace.

    The kubeconfig is copied, flattened to that one context (credentials inlined, exec plugins
    kept) and given the namespace; KUBECONFIG names the copy. kubectl is the one on PATH, else
    the course's own (appended to PATH).

    Raises:
        ClusterError: no kubectl, or the kubeconfig or context cannot be read.
    """
    import subprocess

    env = dict(os.environ)
    env["PATH"] = f"{env.get('PATH', '/usr/bin:/bin')}{os.pathsep}{kubectl_dir()}"
    if kubeconfig:
        env["KUBECONFIG"] = str(Path(kubeconfig).expanduser())
        missing = [p for p in env["KUBECONFIG"].split(os.pathsep) if not Path(p).is_file()]
        if missing:
            raise ClusterError(
                f"no kubeconfig at {missing[0]}: `lab start` the lab's cluster, or give yours"
            )
    argv = [kubectl_program(), "config", "view", "--raw", "--minify", "--flatten"]
    if context:
        argv.append(f"--context={context}")
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClusterError(f"kubectl config view failed: {exc}") from exc
    config = yaml.safe_load(result.stdout) if result.returncode == 0 else None
    if not isinstance(config, dict) or not config.get("contexts"):
        where = env.get("KUBECONFIG", "~/.kube/config")
        detail = _first_line(result.stderr) or "no context in it"
        raise ClusterError(f"kubeconfig {where}: {detail}")
    if namespace:
        config["contexts"][0]["context"]["namespace"] = namespace
    digest = hashlib.sha256(json.dumps([kubeconfig, context, namespace]).encode()).hexdigest()
    path = _private() / f"kubeconfig-{digest[:16]}"
    path.touch(mode=0o600)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env["KUBECONFIG"] = str(path)
    return env


# ---------------------------------------------------------------------------- labs on it


def lab_cluster(lab: Lab, name: str | None = None) -> Cluster:
    """The cluster a lab runs on: `k2c-<lab>` unless named, with the lab's workers.

    Raises:
        ClusterError: the lab's environment is not a cluster.
    """
    if lab.environment.cluster is None:
        raise ClusterError(f"lab {lab.id!r} does not run on a cluster")
    return Cluster(name or environments.container_name(lab.id), lab.environment.cluster.workers)


def lab_images(lab: Lab) -> list[ClusterImage]:
    """The lab's application images, their build folders resolved."""
    config = lab.environment.cluster
    if config is None:
        return []
    return [
        ClusterImage(image.tag, (lab.path / image.build).resolve(), image.args)
        for image in config.images
    ]


def start_lab(lab: Lab, name: str | None = None, progress: Progress = _quiet) -> Cluster:
    """Start a fresh cluster for the lab, its images imported, its namespace in the context."""
    cluster = lab_cluster(lab, name)
    assert lab.environment.cluster is not None
    return start(
        cluster,
        images=lab_images(lab),
        namespace=lab.environment.cluster.namespace,
        progress=progress,
    )


def selftest_cluster(lab: Lab) -> Cluster:
    """The cluster a lab's self-test runs on (apart from the learner's own)."""
    return lab_cluster(lab, environments.container_name(lab.id, "selftest"))


@dataclass
class NamespaceSandbox:
    """Self-test cases on one cluster, each in a namespace of its own that does not exist yet.

    `open` starts the lab's self-test cluster unless it already runs (a test session may start
    it once for several self-tests); `close` deletes the cases' namespaces, and the cluster too
    when `open` started it.
    """

    cluster: Cluster
    namespaces: list[str]
    started: bool

    @property
    def specs(self) -> list[str]:
        """One target spec per case: the cluster through its kubeconfig, in its namespace."""
        return [self.cluster.spec(namespace) for namespace in self.namespaces]

    @classmethod
    def open(cls, lab: Lab, count: int, progress: Progress = _quiet) -> NamespaceSandbox:
        """Make sure the self-test cluster runs, and name one unused namespace per case."""
        import secrets

        cluster = selftest_cluster(lab)
        started = False
        if running(cluster):
            progress(f"reusing cluster {cluster.name}")
            _wait_ready(cluster, timeout=60)
        else:
            start_lab(lab, cluster.name, progress)
            started = True
        run = secrets.token_hex(3)
        return cls(cluster, [f"st-{run}-{index}" for index in range(count)], started)

    def close(self) -> None:
        """Delete the cases' namespaces (or the whole cluster, if `open` started it)."""
        if self.started:
            remove(self.cluster.name)
            return
        if running(self.cluster):
            _exec(
                self.cluster.control_plane,
                "KUBECONFIG=/etc/kubernetes/admin.conf kubectl delete namespace --wait=false "
                "--ignore-not-found " + " ".join(self.namespaces),
                check=False,
            )


# --------------------------------------------------------------------- the kube:// scheme


@dataclass(frozen=True)
class KubeShell(Shell):
    """A Kubernetes cluster reached through a kubeconfig: ``kube://NAME?kubeconfig=&context=&namespace=``.

    The shell runs on this machine with kubectl pointed at the cluster (`cluster_environment`):
    a private copy of the kubeconfig reduced to one context (``context=``, else the current one)
    and set to the namespace (``namespace=``), so commands without ``--context`` or ``-n`` act
    there and nothing the shell changes reaches the learner's own file. NAME only names the
    target in reports.
    """

    remote = False
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None

    @classmethod
    def from_node(cls, node: Node) -> KubeShell:
        """The node's kubeconfig, context and namespace options."""
        return cls(
            **cls._fields(node),
            kubeconfig=node.option("kubeconfig"),
            context=node.option("context"),
            namespace=node.option("namespace"),
        )

    def open(self, timeout: float) -> Channel:
        """Start a local shell whose kubectl reaches the cluster.

        Raises:
            checker.engine.errors.TargetUnreachable: no kubectl, or the kubeconfig or context
                cannot be read.
        """
        try:
            env = cluster_environment(self.kubeconfig, self.context, self.namespace, timeout)
        except ClusterError as exc:
            raise TargetUnreachable(f"{self.spec}: {exc}") from None
        return PipeChannel(shell_argv(self.sudo, self.sudo_user), env=env)
