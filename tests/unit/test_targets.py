"""Target specs: the forms `lab` accepts, and clear refusals of the rest."""

from __future__ import annotations

import pytest

from checker.targets import TargetError, parse_spec, run_script


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
    code, out, err = run_script("local://", "echo out; echo err >&2; false; echo never")
    assert (code, out, err) == (1, "out\n", "err\n")
