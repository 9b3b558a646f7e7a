"""The engine on a real container: framing, timeouts, lost sessions, both docker paths."""

import subprocess
import time

import pytest
import testinfra

from checker.engine import (
    CommandTimeout,
    TargetUnreachable,
    connect,
    disconnect_all,
    docker_api,
    open_host,
    warm,
)
from checker.spec import parse_spec

pytestmark = pytest.mark.docker


@pytest.fixture(params=["api", "cli"])
def host(request, container, monkeypatch):
    """A fresh Host on the container, through the engine socket and through the docker CLI."""
    if request.param == "cli":
        monkeypatch.setattr(docker_api, "local_socket", lambda: None)
    host = open_host(parse_spec(container.spec), timeout=10)
    yield host
    host.backend.close()


def test_output_survives_the_trip_through_docker(host):
    octal = "".join(f"\\{b:03o}" for b in range(256))
    assert host.run(f"printf '{octal}'").stdout_bytes == bytes(range(256))
    assert host.run("printf 'no newline'").stdout == "no newline"
    result = host.run("head -c 4000000 /dev/zero; echo oops >&2; exit 5")
    assert (len(result.stdout_bytes), result.stderr, result.rc) == (4_000_000, "oops\n", 5)


def test_a_hung_command_is_killed_in_the_container_and_the_next_one_works(host, running):
    with pytest.raises(CommandTimeout):
        host.run("sleep 4242", timeout=1)
    assert host.check_output("echo next") == "next"
    assert running(host, "sleep 4242") == "", "the timed-out command still runs"


def test_a_session_killed_from_inside_the_container_is_reopened(host, container):
    host.run("true")
    group = host.backend.session._group
    subprocess.run(["docker", "exec", container.name, "kill", "-KILL", str(group)], check=True)
    assert host.check_output("echo reopened") == "reopened"


def test_the_session_keeps_the_container_s_cgroup_capabilities_and_seccomp(host, container):
    stock = testinfra.get_host(container.spec)
    command = "grep -E '^(Cap|Seccomp|NoNewPrivs)' /proc/self/status; cat /proc/self/cgroup"
    assert host.check_output(command) == stock.check_output(command)


def test_a_user_in_the_spec_runs_the_session_as_that_user(container):
    host = open_host(parse_spec(f"docker://learner@{container.name}"))
    try:
        assert host.check_output("id -un") == "learner"
    finally:
        host.backend.close()


@pytest.mark.parametrize("path", ["api", "cli"])
def test_a_missing_container_is_unreachable_with_docker_s_reason(path, monkeypatch):
    if path == "cli":
        monkeypatch.setattr(docker_api, "local_socket", lambda: None)
    with pytest.raises(TargetUnreachable, match=r"(?i)no such container"):
        open_host(parse_spec("docker://k2c-engine-test-does-not-exist"), timeout=10)


def test_a_stopped_container_is_unreachable(engine_image):
    name = f"k2c-engine-test-stopped-{time.monotonic_ns()}"
    subprocess.run(
        ["docker", "create", "--name", name, engine_image], check=True, capture_output=True
    )
    try:
        with pytest.raises(TargetUnreachable, match="not running"):
            open_host(parse_spec(f"docker://{name}"), timeout=10)
    finally:
        subprocess.run(["docker", "rm", "-f", name], check=False, capture_output=True)


def test_warmed_targets_open_in_the_background_each_on_its_own(container):
    missing = "docker://k2c-engine-test-missing"
    try:
        warm([parse_spec(missing), parse_spec(container.spec)])
        assert connect(parse_spec(container.spec)).check_output("echo ok") == "ok"
        with pytest.raises(TargetUnreachable):
            connect(parse_spec(missing))
    finally:
        disconnect_all()


def test_first_access_costs_one_round_trip(host):
    sent = host.backend.session.commands
    assert host.system_info.distribution == "debian"
    assert host.package("openssh-server").is_installed
    assert host.socket("tcp://0.0.0.0:22").is_listening
    # Only the two module commands went out; every detection probe was already answered.
    assert host.backend.session.commands == sent + 2
