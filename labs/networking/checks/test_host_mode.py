"""Task host-mode: container `hostweb` shares the machine's network namespace."""

import pytest

PORT = 8081


@pytest.mark.task("host-mode")
def test_hostweb_shares_the_machines_network_namespace(examiner, engine):
    """`hostweb` runs with the host network mode: its processes see the machine's own stack."""
    hostweb = engine.running("hostweb")
    assert hostweb.mode == "host", (
        f"Container `hostweb` uses network mode {hostweb.mode!r}, not host."
    )
    pid = examiner.pid(hostweb.pid)
    links = examiner.run(f"readlink /proc/{examiner.init}/ns/net /proc/{pid}/ns/net")
    links = links.stdout.split() if pid else []
    assert len(links) == 2, "Could not read the network namespace of `hostweb`'s process."
    assert links[0] == links[1], (
        f"The main process of `hostweb` is in network namespace {links[1]}, not in the "
        f"machine's ({links[0]})."
    )


@pytest.mark.task("host-mode")
def test_port_8081_answers_from_outside_without_publishing(outside):
    """An HTTP GET from outside to port 8081 gets a page, though no port was published."""
    status, body = outside.get(PORT)
    assert status == 200, (
        f"{outside.answered(PORT, status, body)}: is the web server in `hostweb` listening on "
        f"port {PORT}?"
    )
