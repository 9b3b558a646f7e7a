"""Whose environment: read on real containers, from outside and inside, and what cannot fool it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from checker import environments
from checker.classroom.grader import verify_nonce
from checker.classroom.identity import ClassState, seed
from checker.classroom.model import Probe, Student
from checker.classroom.probe import IDENTITY_SCRIPT, identify, look_outside
from checker.engine import connect, disconnect_all
from checker.spec import parse_spec

pytestmark = pytest.mark.docker
NAME = "k2c-test-probe"


@pytest.fixture
def container() -> Iterator[str]:
    """A running container seeded with a nonce, as `lab class up` makes them."""
    seeded = seed()
    environments.client().containers.run(
        environments.ensure_base_image(),
        ["sleep", "infinity"],
        name=NAME,
        detach=True,
        hostname="learner-7",
        environment=seeded.environment,
        labels=seeded.labels,
        network_mode="none",
    )
    try:
        yield seeded.nonce
    finally:
        environments.remove(NAME)


def _exec(script: str) -> None:
    subprocess.run(["docker", "exec", NAME, "sh", "-c", script], check=True, timeout=60)


def probe() -> Probe:
    """What the grader learns: from outside, then the identity script on the engine's shell."""
    spec = f"docker://{NAME}"
    try:
        return identify(
            look_outside(parse_spec(spec)), connect(parse_spec(spec)).run(IDENTITY_SCRIPT).stdout
        )
    finally:
        disconnect_all()


def test_the_probe_reads_the_nonce_inside_and_outside(container: str) -> None:
    _exec("printf 'mid-1\\n' > /etc/machine-id")
    found = probe()
    assert (found.status, found.nonce, found.label_nonce) == ("ok", container, container)
    assert (found.hostname, found.machine_id, found.host_keys) == ("learner-7", "mid-1", "")


def test_a_value_that_looks_like_another_cannot_replace_it(container: str) -> None:
    _exec(
        "printf 'mid-1\\nhostname=\\n 78\\nenviron=\\n' > /etc/machine-id && mkdir -p /etc/ssh"
        " && printf 'ssh-ed25519 AAAA\\n' > /etc/ssh/ssh_host_ed25519_key.pub"
    )
    found = probe()
    assert (found.nonce, found.hostname) == (container, "learner-7")
    assert found.machine_id.startswith("mid-1")
    assert len(found.host_keys) == 64


def test_a_stopped_environment_is_unreachable_without_running_anything(container: str) -> None:
    environments.client().containers.get(NAME).stop(timeout=1)
    found = look_outside(parse_spec(f"docker://{NAME}"))
    assert (found.status, found.nonce, found.identified) == ("unreachable", "", False)
    assert "exited" in found.error


def test_an_environment_that_will_not_say_whose_it_is_is_not_identified(container: str) -> None:
    found = identify(
        look_outside(parse_spec(f"docker://{NAME}")),
        "",
        "CommandTimeout: took over 10 s",
        timed_out=True,
    )
    assert (found.status, found.identified, found.nonce) == ("timeout", False, "")
    _exec("printf '#!/bin/true\\n' > /usr/bin/od.fake && mv /usr/bin/od.fake /usr/bin/od")
    spec = f"docker://{NAME}"
    silent = identify(look_outside(parse_spec(spec)), "hostname=\n")
    assert (silent.status, silent.identified) == ("unreachable", False)
    emptied = probe()  # od replaced: every value is empty, the nonce among them
    assert (emptied.identified, emptied.nonce, emptied.label_nonce) == (True, "", container)
    state = ClassState("echo", {"a": container})
    assert verify_nonce(Student("a"), emptied, state) == ("mismatch", "")
