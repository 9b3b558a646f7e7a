"""The kubernetes lab's checks and steps reach a cluster through a kubeconfig alone.

The self-test cluster plays "the learner's own cluster": a copy of its kubeconfig with another
context name is all `lab` gets (no container name, and no Docker engine either: DOCKER_HOST
points nowhere, so anything that went through Docker would fail).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checker import clusters
from checker.exitcodes import ExitCode

REPO = Path(__file__).resolve().parents[2]
LAB_COMMAND = shutil.which("lab", path=str(Path(sys.executable).parent)) or "lab"
CONTEXT = "my-own-cluster"

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.cluster]


@pytest.fixture(scope="module")
def kubeconfig(kube_cluster: clusters.Cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kubeconfig of the learner's kind: two contexts, the wanted one not current."""
    cluster = kube_cluster
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    real = config["contexts"][0]["context"]
    config["contexts"] = [
        {"name": "elsewhere", "context": {"cluster": real["cluster"], "user": "nobody"}},
        {"name": CONTEXT, "context": {"cluster": real["cluster"], "user": real["user"]}},
    ]
    config["current-context"] = "elsewhere"
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(yaml.safe_dump(config))
    return path


def lab(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "K2C_ROOT": str(REPO),
        "COLUMNS": "200",
        "DOCKER_HOST": "unix:///nonexistent/docker.sock",
        # kubectl from PATH, else the course's own: the one a learner without kubectl gets.
        "PATH": f"{os.environ['PATH']}{os.pathsep}{clusters.kubectl_dir()}",
    }
    return subprocess.run(
        [LAB_COMMAND, *args], capture_output=True, text=True, env=env, check=False, timeout=900
    )


def test_solve_and_check_through_the_kubeconfig_only(kubeconfig: Path) -> None:
    namespace = f"kc-{secrets.token_hex(3)}"
    where = ["--kubeconfig", str(kubeconfig), "--context", CONTEXT, "--namespace", namespace]
    try:
        fresh = lab("check", "kubernetes", *where, "--json")
        assert fresh.returncode == ExitCode.CHECKS_FAILED, fresh.stdout[-2000:] + fresh.stderr
        report = json.loads(fresh.stdout)
        assert report["gradable"]
        assert {task["status"] for task in report["tasks"]} == {"failed"}
        solved = lab("solve", "kubernetes", *where)
        assert solved.returncode == ExitCode.OK, solved.stdout[-2000:] + solved.stderr
        checked = lab("check", "kubernetes", *where, "--json")
        assert checked.returncode == ExitCode.OK, checked.stdout[-3000:] + checked.stderr
        report = json.loads(checked.stdout)
        assert report["score"] == report["max_score"] > 0
    finally:
        subprocess.run(
            [
                clusters.kubectl_program(),
                "--kubeconfig",
                str(kubeconfig),
                "--context",
                CONTEXT,
                "delete",
                "namespace",
                namespace,
                "--wait=false",
                "--ignore-not-found",
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )


def test_a_wrong_context_is_a_target_error(kubeconfig: Path) -> None:
    result = lab("check", "kubernetes", "--kubeconfig", str(kubeconfig), "--context", "nope")
    assert result.returncode == ExitCode.TARGET_ERROR, result.stdout + result.stderr
    assert "nope" in result.stderr
