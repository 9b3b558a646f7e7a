"""The cluster environment kind's pure parts: image keys, names, specs, the manifest's `cluster`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from checker import clusters, learner
from checker.cli import main
from checker.engine.shells import shell_for
from checker.manifest import ManifestError, load_course, load_lab
from checker.spec import parse_spec
from tests.conftest import edit_manifest

REPO = Path(__file__).resolve().parents[2]


def test_content_key_follows_bytes_and_modes_not_places(tmp_path: Path) -> None:
    one, two = tmp_path / "a" / "ctx", tmp_path / "b" / "ctx"
    for folder in (one, two):
        folder.mkdir(parents=True)
        (folder / "Dockerfile").write_text("FROM x\n")
        (folder / "run").write_text("#!/bin/sh\n")
    assert clusters.content_key(one) == clusters.content_key(two)
    (two / "run").chmod(0o755)
    assert clusters.content_key(one) != clusters.content_key(two)
    (one / "run").chmod(0o755)
    (one / "Dockerfile").write_text("FROM y\n")
    assert clusters.content_key(one) != clusters.content_key(two)


def test_image_tags_are_keyed_by_their_build_contexts_only() -> None:
    root = clusters.source_dir()
    assert (
        clusters.bin_tag() == f"kernel-to-cloud/kube-bin:{clusters.content_key(root / 'binaries')}"
    )
    node_key = clusters.content_key(root / "binaries", root / "node")
    assert clusters.node_tag() == f"kernel-to-cloud/kube-node:{node_key}"
    assert node_key != clusters.content_key(root / "binaries")


def test_the_registry_image_is_the_swarm_labs_registry_recipe_keyed_by_its_bytes() -> None:
    import hashlib
    import io
    import tarfile

    context = clusters.registry_context()
    assert context == clusters.registry_context()  # the same bytes, so the same key
    key = hashlib.sha256(context).hexdigest()[:16]
    assert clusters.registry_tag() == f"kernel-to-cloud/registry:{key}"
    swarm = REPO / "labs" / "swarm" / "target"
    with tarfile.open(fileobj=io.BytesIO(context)) as archive:
        members = {member.name: member for member in archive.getmembers()}
        assert set(members) == {"Dockerfile", "k2c-registry", "registry.yml"}
        read = {name: archive.extractfile(name).read() for name in members}  # type: ignore[union-attr]
    assert read["registry.yml"] == (swarm / "rootfs/etc/k2c/registry.yml").read_bytes()
    assert read["k2c-registry"] == (swarm / "bin/k2c-registry").read_bytes()
    assert members["k2c-registry"].mode == 0o755
    assert "docker-registry" in read["Dockerfile"].decode()


def test_the_nodes_containerd_reads_registry_hosts_from_config_path() -> None:
    import tomllib

    config = tomllib.loads(
        (clusters.source_dir() / "node/rootfs/etc/k2c/containerd.toml").read_text()
    )
    registry = config["plugins"]["io.containerd.grpc.v1.cri"]["registry"]
    assert registry == {"config_path": clusters.REGISTRY_HOSTS_DIR}
    hosts = tomllib.loads(clusters.hosts_toml("http://k2c-x-registry:5000"))
    assert hosts == {
        "server": "http://k2c-x-registry:5000",
        "host": {"http://k2c-x-registry:5000": {"capabilities": ["pull", "resolve"]}},
    }


def test_cluster_names_subnets_and_spec() -> None:
    cluster = clusters.Cluster("k2c-x", workers=3)
    assert cluster.nodes == [
        "k2c-x-control-plane",
        "k2c-x-worker-1",
        "k2c-x-worker-2",
        "k2c-x-worker-3",
    ]
    assert [cluster.pod_cidr(w) for w in cluster.worker_names] == [
        "10.244.1.0/24",
        "10.244.2.0/24",
        "10.244.3.0/24",
    ]
    target = parse_spec(cluster.spec("web"))
    assert (target.scheme, target.name) == ("kube", "k2c-x")
    assert target.option("namespace") == "web"
    assert target.option("kubeconfig") == str(cluster.kubeconfig)


def test_a_kube_spec_is_reached_by_a_local_shell_pointed_at_the_cluster() -> None:
    shell = shell_for(
        parse_spec("kube://mine?kubeconfig=/k/config&context=a:b/c&namespace=web").primary
    )
    assert isinstance(shell, clusters.KubeShell)
    assert (shell.kubeconfig, shell.context, shell.namespace) == ("/k/config", "a:b/c", "web")
    assert shell.remote is False


def test_the_kubernetes_lab_runs_on_a_cluster() -> None:
    lab = load_course(REPO).lab("kubernetes")
    config = lab.environment.cluster
    assert config is not None
    assert config.workers >= 2  # pods spread over nodes needs two
    assert config.namespace == "web"
    images = clusters.lab_images(lab)
    assert [image.tag for image in images] == ["k2c.local/web:1", "k2c.local/web:2"]
    assert all((image.build / "Dockerfile").is_file() for image in images)
    assert clusters.lab_cluster(lab).name == "k2c-kubernetes"
    assert clusters.selftest_cluster(lab).name == "k2c-kubernetes-selftest"
    assert learner.default_target(lab).spec == clusters.lab_cluster(lab).spec("web")


def test_a_learners_cluster_is_a_kube_target_in_the_labs_namespace() -> None:
    lab = load_course(REPO).lab("kubernetes")
    target = learner.cluster_target(lab, "/k/config", "mine")
    assert (target.scheme, target.option("kubeconfig")) == ("kube", "/k/config")
    assert (target.option("context"), target.option("namespace")) == ("mine", "web")
    assert learner.cluster_target(lab, namespace="other").option("namespace") == "other"
    assert learner.cluster_target(lab).option("kubeconfig") is None


def test_a_target_needs_a_build_or_a_cluster(scratch_course: Path) -> None:
    edit_manifest(scratch_course, {"target": {"privileged": True}})
    with pytest.raises(ManifestError, match="field target"):
        load_lab(scratch_course / "labs" / "demo")
    edit_manifest(scratch_course, {"target": {"cluster": {"workers": 2, "namespace": "Web!"}}})
    with pytest.raises(ManifestError, match=r"target\.cluster\.namespace"):
        load_lab(scratch_course / "labs" / "demo")
    edit_manifest(scratch_course, {"target": {"cluster": {"workers": 1}}})
    config = load_lab(scratch_course / "labs" / "demo").environment.cluster
    assert config is not None
    assert (config.workers, config.namespace) == (1, "default")


def test_lab_cluster_refuses_a_container_lab() -> None:
    lab = load_course(REPO).lab("namespaces")
    with pytest.raises(clusters.ClusterError, match="does not run on a cluster"):
        clusters.lab_cluster(lab)


def test_kubeconfig_options_and_target_are_exclusive(cli: CliRunner) -> None:
    result = cli.invoke(
        main, ["check", "kubernetes", "--target", "docker://x", "--kubeconfig", "/k"]
    )
    assert result.exit_code == 2
    assert "either --target or --kubeconfig" in result.output


def test_a_missing_kubeconfig_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "config"
    with pytest.raises(clusters.ClusterError, match=f"no kubeconfig at {missing}"):
        clusters.cluster_environment(str(missing), None, "web")


def test_check_against_a_missing_kubeconfig_is_a_target_error(
    cli: CliRunner, tmp_path: Path
) -> None:
    result = cli.invoke(main, ["check", "kubernetes", "--kubeconfig", str(tmp_path / "none")])
    assert result.exit_code == 3, result.output
    assert "no kubeconfig at" in result.output
