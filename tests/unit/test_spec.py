"""Target specs: the forms `lab` accepts, and clear refusals of the rest."""

from __future__ import annotations

import pytest

from checker.errors import TargetError
from checker.reach import run_script
from checker.spec import parse_spec


def test_docker_spec() -> None:
    target = parse_spec("docker://k2c-namespaces")
    assert (target.scheme, target.name) == ("docker", "k2c-namespaces")


def test_ssh_spec_with_user_port_and_options() -> None:
    target = parse_spec("ssh://vagrant@127.0.0.1:2222?ssh_identity_file=/k/id&sudo=true")
    assert (target.user, target.name, target.port) == ("vagrant", "127.0.0.1", 2222)
    assert target.option("ssh_identity_file") == "/k/id"
    assert target.option("sudo") == "true"


def test_local_spec() -> None:
    assert parse_spec("local://").scheme == "local"


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("k2c-namespaces", "is not a spec"),
        ("ftp://host", "unknown scheme"),
        ("docker://", "not a valid docker name"),
        ("docker://a;rm -rf /", "not a valid docker name"),
        ("docker://-rm", "not a valid docker name"),
        ("ssh://host:99999", "bad port"),
    ],
)
def test_malformed_specs_are_refused(spec: str, complaint: str) -> None:
    with pytest.raises(TargetError, match=complaint):
        parse_spec(spec)


def test_a_script_runs_under_bash_e_and_reports_its_exit_code() -> None:
    code, out, err = run_script(parse_spec("local://"), "echo out; echo err >&2; false; echo never")
    assert (code, out, err) == (1, "out\n", "err\n")


def test_names_keep_their_case() -> None:
    # Docker names are case-sensitive: `docker://K2C-Box` is not the container k2c-box.
    assert parse_spec("docker://K2C-Box").name == "K2C-Box"
    assert parse_spec("ssh://Alice@VM1").user == "Alice"


def test_ipv6_hosts_and_passwords() -> None:
    target = parse_spec("ssh://bob:s%40cret@[::1]:2200")
    assert (target.name, target.port, target.user, target.primary.password) == (
        "::1",
        2200,
        "bob",
        "s@cret",
    )


def test_a_target_of_several_nodes_is_one_spec() -> None:
    spec = (
        "manager=docker://k2c-swarm-manager,worker1=docker://k2c-swarm-worker1,"
        "worker2=ssh://vagrant@10.0.0.3?ssh_identity_file=/k,ey&sudo=true"
    )
    target = parse_spec(spec)
    assert target.spec == spec
    assert target.roles == ("manager", "worker1", "worker2")
    assert (target.scheme, target.name) == ("docker", "k2c-swarm-manager")  # the primary node
    worker2 = target.node("worker2")
    assert (worker2.scheme, worker2.name, worker2.user) == ("ssh", "10.0.0.3", "vagrant")
    assert worker2.option("ssh_identity_file") == "/k,ey"  # a comma inside an option stays
    assert worker2.flag("sudo")
    assert worker2.spec == "ssh://vagrant@10.0.0.3?ssh_identity_file=/k,ey&sudo=true"
    with pytest.raises(KeyError):
        target.node("worker3")


def test_a_single_node_has_no_role() -> None:
    target = parse_spec("kubectl://web-0?namespace=lab&kubeconfig=/tmp/kc")
    assert target.roles == ("",)
    assert target.primary.spec == target.spec
    assert target.option("kubeconfig") == "/tmp/kc"


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("manager=docker://a,manager=docker://b", "role 'manager' is given twice"),
        ("Manager=docker://a", "is not ROLE=SPEC"),
        ("manager=docker://a,worker=foo://b", "unknown scheme 'foo'"),
        ("manager=docker://a,worker=docker://-x", "not a valid docker name"),
        ("local", "is not a spec"),
        ("foo://x", "unknown scheme 'foo'"),
    ],
)
def test_malformed_targets_of_several_nodes_are_refused(spec: str, complaint: str) -> None:
    with pytest.raises(TargetError, match=complaint):
        parse_spec(spec)


def test_a_new_kind_of_node_is_one_registry_entry() -> None:
    from checker.engine.shells import LocalShell, shell_for
    from checker.spec import SCHEMES, Scheme, register_scheme

    with pytest.raises(TargetError, match="unknown scheme 'k2c-test'"):
        parse_spec("k2c-test://box")
    register_scheme(Scheme("k2c-test", "checker.engine.shells:LocalShell", nameless=True))
    try:
        node = parse_spec("k2c-test://box").primary
        assert isinstance(shell_for(node), LocalShell)
        code, out, _ = run_script(node, "echo reached")
        assert (code, out) == (0, "reached\n")
    finally:
        del SCHEMES["k2c-test"]
