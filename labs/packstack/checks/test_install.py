"""Task install: the answer file, keystonerc_admin, every service up, every API answering."""

from __future__ import annotations

import re

import pytest

KEYSTONERC = "/root/keystonerc_admin"


def parse_answer_file(text: str) -> dict[str, str]:
    r"""Parse a Packstack answer file: `KEY=value` lines under `[general]`, comments ignored.

    >>> parse_answer_file("[general]\\n# a comment\\nCONFIG_CONTROLLER_HOST=10.0.0.5\\n")
    {'CONFIG_CONTROLLER_HOST': '10.0.0.5'}
    """
    answers: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and re.fullmatch(r"CONFIG_[A-Z0-9_]+", key):
            answers[key] = value.strip()
    return answers


PACKSTACK_LOG = "/var/tmp/packstack/latest/openstack-setup.log"
_FAILURE = re.compile(r"^(?:[\w.]+(?:Error|Exception)|Exception): .+")


def last_failure(log: str) -> str | None:
    r"""The last Python exception line of Packstack's openstack-setup.log, or None.

    >>> last_failure("...\nValueError: bad\nException: Failed handling answer file: x\n")
    'Exception: Failed handling answer file: x'
    """
    lines = [line.strip() for line in log.splitlines() if _FAILURE.match(line.strip())]
    return lines[-1] if lines else None


def listening_ports(ss_output: str) -> set[int]:
    r"""The TCP ports in `ss -ltnH` output (local address is the 4th column).

    >>> sorted(listening_ports("LISTEN 0 128 0.0.0.0:5000 0.0.0.0:*\\nLISTEN 0 80 [::]:80 [::]:*"))
    [80, 5000]
    """
    ports = set()
    for line in ss_output.splitlines():
        words = line.split()
        if len(words) >= 4 and (port := words[3].rpartition(":")[2]).isdigit():
            ports.add(int(port))
    return ports


@pytest.mark.task("install")
def test_packstack_wrote_an_answer_file_for_this_host(host) -> None:
    """/root holds a Packstack answer file whose controller is this host."""
    found = host.run("ls -1t /root/packstack-answers-*.txt").stdout.split()
    log = host.file(PACKSTACK_LOG)
    failure = last_failure(log.content_string) if log.exists else None
    said = f" Packstack's last run failed: {failure}" if failure else ""
    assert found, (
        "No /root/packstack-answers-*.txt: `packstack --allinone` writes one when it starts "
        f"(or write yours with `packstack --gen-answer-file=FILE`).{said}"
    )
    answers = parse_answer_file(host.file(found[0]).content_string)
    controller = answers.get("CONFIG_CONTROLLER_HOST", "")
    assert controller, f"{found[0]} has no CONFIG_CONTROLLER_HOST: is it Packstack's answer file?"
    own = set(host.run("hostname -I").stdout.split())
    assert controller in own, (
        f"{found[0]} installs on {controller}, which is not an address of this host "
        f"({', '.join(sorted(own)) or 'none'})."
    )


@pytest.mark.task("install")
def test_keystonerc_admin_is_private(host) -> None:
    """keystonerc_admin exists, belongs to root, mode 0600, with the admin credentials in it."""
    rc = host.file(KEYSTONERC)
    assert rc.exists, f"{KEYSTONERC} does not exist: Packstack writes it when it succeeds."
    assert (rc.user, rc.mode) == ("root", 0o600), (
        f"{KEYSTONERC} is {rc.user}'s with mode {rc.mode:04o}: it holds the admin password, "
        f"keep it root's and 0600 (`chmod 600 {KEYSTONERC}`)."
    )
    text = rc.content_string
    missing = [v for v in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD") if v not in text]
    assert not missing, f"{KEYSTONERC} does not set {', '.join(missing)}."


@pytest.mark.task("install")
def test_every_service_of_the_release_is_running(host, profile) -> None:
    """Every systemd unit the release profile names is active."""
    down = [unit for unit in profile.units if not host.service(unit).is_running]
    assert not down, (
        f"Not running ({profile.release}): {', '.join(down)}. `systemctl status UNIT` and "
        "`journalctl -u UNIT` say why; /var/log/<service>/ has each service's own log."
    )


@pytest.mark.task("install")
def test_every_port_is_listening(host, profile) -> None:
    """Every API, the dashboard, the database, the queue and the cache listen on their ports."""
    listening = listening_ports(host.run("ss -ltnH").stdout)
    missing = [f"{what} ({port})" for what, port in profile.ports.items() if port not in listening]
    assert not missing, f"Nothing listens for: {', '.join(missing)} (`ss -ltnp` shows who listens)."


@pytest.mark.task("install")
def test_every_endpoint_answers(host, cloud) -> None:
    """Every public endpoint in Keystone's catalogue answers HTTP."""
    endpoints = cloud.list("endpoint", "--interface", "public")
    assert endpoints, "Keystone's catalogue has no public endpoint: `openstack endpoint list`."
    silent = []
    for endpoint in endpoints:
        url = re.sub(r"/?%\([a-z_]+\)s.*$", "", str(endpoint.get("URL", "")))
        code = host.run("curl -s -o /dev/null -m 10 -w '%%{http_code}' %s", url).stdout.strip()
        if not code.isdigit() or code == "000" or int(code) >= 500:
            silent.append(f"{endpoint.get('Service Name')} {url} ({code or 'no answer'})")
    assert not silent, f"These endpoints do not answer: {'; '.join(silent)}."


@pytest.mark.task("install")
def test_compute_and_network_services_are_up(cloud) -> None:
    """Nova's services report `up` and Neutron's agents are alive (their daemons report in)."""
    compute = cloud.list("compute service")
    assert any(s.get("Binary") == "nova-compute" for s in compute), (
        "No nova-compute registered: `openstack compute service list`."
    )
    down = [f"{s.get('Binary')}@{s.get('Host')}" for s in compute if s.get("State") != "up"]
    assert not down, f"Nova services down: {', '.join(down)}."
    dead = [
        f"{a.get('Agent Type')}@{a.get('Host')}"
        for a in cloud.list("network agent")
        if a.get("Alive") not in (True, ":-)")
    ]
    assert not dead, (
        f"Neutron agents not alive: {', '.join(dead)} (`openstack network agent list`)."
    )
