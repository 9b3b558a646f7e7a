"""`lab start kubernetes` starts the lab's cluster and says how to use it; `lab finish` removes it.

The printed instructions are followed as a learner would: the kubeconfig and kubectl it names
reach a cluster of Ready nodes. Then nothing of the cluster is left: no container, no network,
no kubeconfig.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checker import clusters, environments
from checker.exitcodes import ExitCode
from checker.manifest import Lab

REPO = Path(__file__).resolve().parents[2]
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.cluster]


def lab(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "K2C_ROOT": str(REPO), "COLUMNS": "300"}
    return subprocess.run(
        [LAB_COMMAND, *args], capture_output=True, text=True, env=env, check=False, timeout=900
    )


def test_start_prints_the_kubeconfig_and_finish_removes_everything(kube_lab: Lab) -> None:
    cluster = clusters.lab_cluster(kube_lab)
    try:
        started = lab("start", "kubernetes")
        assert started.returncode == ExitCode.OK, started.stdout + started.stderr
        assert f"kubeconfig:   {cluster.kubeconfig}" in started.stdout, started.stdout
        use = re.search(
            r"use it:\s+export (KUBECONFIG=\S+) (PATH=\"\S+\"); kubectl", started.stdout
        )
        assert use is not None, started.stdout
        nodes = subprocess.run(
            f"export {use.group(1)} {use.group(2)}; kubectl get nodes --no-headers",
            shell=True,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert nodes.returncode == 0, nodes.stderr
        ready = [line.split()[0] for line in nodes.stdout.splitlines() if " Ready " in line]
        assert sorted(ready) == cluster.worker_names, (
            nodes.stdout
        )  # the control plane runs no kubelet
        context = subprocess.run(
            f"export {use.group(1)} {use.group(2)}; kubectl config view --minify "
            "-o jsonpath='{..namespace}'",
            shell=True,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert context.stdout.strip() == "web"  # the lab's namespace, as the guide says
        finished = lab("finish", "kubernetes")
        assert finished.returncode == ExitCode.OK, finished.stdout + finished.stderr
        assert (
            f"removed cluster (its nodes' containers, network and kubeconfig) {cluster.name}"
            in (" ".join(finished.stdout.split()))
        )
        assert [node for node in cluster.nodes if environments.container_state(node)] == []
        label = f"{clusters.LABEL}={cluster.name}"
        assert environments.client().networks.list(filters={"label": label}) == []
        assert not cluster.state_dir.exists()
    finally:
        clusters.remove(cluster.name)
