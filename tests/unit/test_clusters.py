"""The cluster environment kind's pure parts: image keys, names and a kubeconfig's absence."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker import clusters


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
    assert cluster.spec("web") == f"kube://k2c-x?kubeconfig={cluster.kubeconfig}&namespace=web"


def test_a_missing_kubeconfig_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "config"
    with pytest.raises(clusters.ClusterError, match=f"no kubeconfig at {missing}"):
        clusters.cluster_environment(str(missing), None, "web")
