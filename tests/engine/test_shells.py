"""Host specs become the right shell command lines (no engine needed)."""

from checker.engine.shells import DockerShell, KubectlShell, LocalShell, SshShell, shell_for
from checker.spec import parse_spec


def shell(spec: str):
    return shell_for(parse_spec(spec).primary)


def test_each_kind_of_spec_names_its_target():
    assert isinstance(shell("local://"), LocalShell)
    docker = shell("docker://learner@k2c-namespaces")
    assert isinstance(docker, DockerShell)
    assert (docker.name, docker.user) == ("k2c-namespaces", "learner")
    assert shell("podman://box").program == "podman"
    assert shell("paramiko://host") is None  # left to testinfra's own backend


def test_ssh_honours_config_identity_port_and_sudo():
    target = shell(
        "ssh://alice@vm1:2222?ssh_config=/tmp/cfg&ssh_identity_file=/tmp/key&sudo=true"
        "&sudo_user=bob&timeout=5"
    )
    assert isinstance(target, SshShell)
    assert target.argv() == [
        "ssh", "-T", "-o", "ConnectTimeout=5", "-o", "BatchMode=yes", "-F", "/tmp/cfg",
        "-o", "User=alice", "-o", "Port=2222", "-i", "/tmp/key", "vm1",
        "exec sudo -n -u bob /bin/sh",
    ]  # fmt: skip


def test_kubectl_execs_a_shell_in_the_pod():
    target = shell("kubectl://web-0?namespace=lab&container=app&context=kind")
    assert isinstance(target, KubectlShell)
    assert target.argv() == [
        "kubectl", "--context=kind", "-n", "lab", "exec", "-i", "web-0", "-c", "app", "--",
        "/bin/sh",
    ]  # fmt: skip
