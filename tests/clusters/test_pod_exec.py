"""A pod's persistent shell through the API server's exec (a WebSocket, no kubectl), for real.

Pods of the kubernetes lab's app image (busybox's sh) in a namespace of this module's own, on
the shared cluster: one for every command, one deleted under its session, one that never runs.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from checker import clusters
from checker.engine import CommandTimeout, TargetUnreachable, open_host
from checker.engine.shells import KubectlShell
from checker.errors import ErrorKind
from checker.exitcodes import ExitCode
from checker.spec import parse_spec

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.cluster]

NAMESPACE = f"k2c-exec-{secrets.token_hex(3)}"
LAB = str(Path(sys.executable).parent / "lab")


def kubectl(cluster: clusters.Cluster, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [clusters.kubectl_program(), f"--kubeconfig={cluster.kubeconfig}", "-n", NAMESPACE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def pod(name: str, image: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "web", "image": image, "imagePullPolicy": "Never"}],
        },
    }


@pytest.fixture(scope="module")
def pods(kube_cluster: clusters.Cluster) -> Iterator[clusters.Cluster]:
    """Three pods in a namespace of their own: `shell` and `doomed` run, `stuck` never does."""
    kubectl(kube_cluster, "create", "namespace", NAMESPACE)
    try:
        items = [
            pod("shell", "k2c.local/web:1"),
            pod("doomed", "k2c.local/web:1"),
            pod("stuck", "k2c.local/no-such-image:0"),
        ]
        kubectl(
            kube_cluster,
            "create",
            "-f",
            "-",
            stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
        )
        kubectl(kube_cluster, "wait", "--for=condition=Ready", "pod/shell", "pod/doomed")
        yield kube_cluster
    finally:
        kubectl(kube_cluster, "delete", "namespace", NAMESPACE, "--wait=false")


def spec(cluster: clusters.Cluster, name: str, kubeconfig: Path | None = None) -> str:
    return f"kubectl://{name}?namespace={NAMESPACE}&kubeconfig={kubeconfig or cluster.kubeconfig}"


def test_one_session_over_the_api_runs_every_command(pods: clusters.Cluster) -> None:
    host = open_host(parse_spec(spec(pods, "shell")), timeout=60)
    try:
        shell = host.backend.shell
        assert isinstance(shell, KubectlShell)
        assert shell.api is not None, shell.fallback  # the API's exec, no kubectl process

        shells = {host.check_output("echo $$") for _ in range(40)}
        assert len(shells) == 1  # one shell answered all of them
        assert host.backend.session.commands >= 40

        done = host.run("echo out; echo err >&2; exit 7")
        assert (done.rc, done.stdout, done.stderr) == (7, "out\n", "err\n")
        assert host.run("false").rc == 1
        assert host.run("no-such-program").rc == 127

        big = host.run("yes 0123456789abcdef | head -c 10000000")
        assert big.rc == 0
        assert big.stdout_bytes == (b"0123456789abcdef\n" * 600_000)[:10_000_000]
        numbers = host.check_output("seq 1 100000")
        assert numbers == "\n".join(str(n) for n in range(1, 100001))

        # A command reading stdin gets EOF, never the script that drives the session.
        assert host.run("cat").stdout == ""
        # A command longer than one WebSocket message of stdin (64 KiB) arrives whole.
        long = "x" * 300_000
        assert int(host.check_output(f"printf %s {long} | wc -c")) == 300_000

        # What looks like the exec's own messages is only the pod's output.
        hostile = host.run(
            r"""printf '\210\002\003\350\202\001\003{"status":"Failure"}'; printf '\003' >&2"""
        )
        assert hostile.stdout_bytes == b'\x88\x02\x03\xe8\x82\x01\x03{"status":"Failure"}'
        assert hostile.stderr_bytes == b"\x03"
        assert host.check_output("echo $$") in shells  # still the same session
    finally:
        host.backend.close()


def test_scripts_through_the_api_and_a_hung_command(pods: clusters.Cluster) -> None:
    target = parse_spec(spec(pods, "shell"))
    host = open_host(target, timeout=60)
    try:
        # A script on a heredoc (as `lab solve` sends them), far longer than one message.
        script = "\n".join(f"echo line {n}" for n in range(20000))  # about 250 KB of stdin
        done = host.run(f"sh -s <<'K2C_END'\n{script}\necho oops >&2\nexit 3\nK2C_END")
        assert (done.rc, done.stderr) == (3, "oops\n")
        assert done.stdout.splitlines() == [f"line {n}" for n in range(20000)]

        with pytest.raises(CommandTimeout):
            host.run("sleep 60", timeout=3)
        # The session was replaced, and what the hung one ran was killed from the new one.
        assert host.check_output("echo again") == "again"
        listing = "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"
        deadline = time.monotonic() + 10  # a killed process dies once the kernel runs it again
        while "sleep 60" in host.run(listing).stdout and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "sleep 60" not in host.run(listing).stdout
    finally:
        host.backend.close()


def test_a_pod_deleted_under_its_session_is_unreachable(pods: clusters.Cluster) -> None:
    host = open_host(parse_spec(spec(pods, "doomed")), timeout=60)
    try:
        assert host.check_output("echo here") == "here"
        kubectl(pods, "delete", "pod", "doomed", "--grace-period=1", "--wait=true")
        with pytest.raises(TargetUnreachable) as lost:
            host.run("echo gone?")
        assert lost.value.kind == ErrorKind.UNREACHABLE
    finally:
        host.backend.close()
    with pytest.raises(TargetUnreachable) as missing:
        open_host(parse_spec(spec(pods, "doomed")), timeout=60)
    assert "404" in str(missing.value)
    assert "\n" not in str(missing.value)


def test_a_pod_that_does_not_run_is_unreachable(pods: clusters.Cluster) -> None:
    with pytest.raises(TargetUnreachable) as stuck:
        open_host(parse_spec(spec(pods, "stuck")), timeout=60)
    assert stuck.value.kind == ErrorKind.UNREACHABLE
    assert str(stuck.value).startswith(f"{spec(pods, 'stuck')}: ")
    assert "\n" not in str(stuck.value)


def test_bad_credentials_are_one_line(pods: clusters.Cluster, tmp_path: Path) -> None:
    config = yaml.safe_load(pods.kubeconfig.read_text())
    config["users"][0]["user"] = {"token": "not-a-token-of-this-cluster"}
    bad = tmp_path / "config"
    bad.write_text(yaml.safe_dump(config))
    with pytest.raises(TargetUnreachable) as refused:
        open_host(parse_spec(spec(pods, "shell", bad)), timeout=60)
    assert "answered 401" in str(refused.value)

    checked = subprocess.run(
        [LAB, "check", "namespaces", "-t", spec(pods, "shell", bad)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert checked.returncode == ExitCode.TARGET_ERROR, checked.stdout + checked.stderr
    assert "401" in checked.stderr
    assert len(checked.stderr.strip().splitlines()) == 1, checked.stderr
    assert "Traceback" not in checked.stdout + checked.stderr
