"""Task veth-pair: the learner names the engine-side end of container `solo`'s veth pair."""

import re
import shlex

import pytest

# Interface names: at most 15 characters, no slash or space (the kernel's rule, IFNAMSIZ).
_IFNAME = re.compile(r"^[A-Za-z0-9_.:@-]{1,15}$")
_ETH0 = re.compile(r"^(\d+): eth0@if(\d+):")


@pytest.mark.task("veth-pair")
def test_solo_is_on_the_default_bridge(engine):
    """Container `solo` runs attached to the default bridge network, the one behind docker0."""
    nets = sorted(engine.running("solo").networks)
    assert nets == ["bridge"], (
        f"Container `solo` is attached to {', '.join(nets) or 'no network'}; run it without "
        "--network so that it lands on the default bridge (docker0)."
    )


@pytest.mark.task("veth-pair")
def test_veth_txt_names_solos_peer_on_docker0(host, engine):
    """/root/veth.txt names the veth whose peer is solo's eth0, and it is a port of docker0."""
    pid = engine.running("solo").pid
    inside = _ETH0.match(host.run(f"nsenter -t {pid} -n ip -o link show eth0").stdout.strip())
    assert inside, "Could not read eth0 inside container `solo`'s network namespace."
    eth0, peer = int(inside[1]), int(inside[2])

    recorded = host.run("cat /root/veth.txt")
    assert recorded.rc == 0, "/root/veth.txt does not exist: write the veth's name into it."
    name = recorded.stdout.strip()
    assert _IFNAME.match(name), (
        f"/root/veth.txt should hold one interface name (like veth1a2b3c4), found {name[:40]!r}."
    )
    # `ip link` shows names as vethX@ifN: accept the suffix, the interface is vethX.
    name = name.split("@", 1)[0]
    sysfs = shlex.quote(f"/sys/class/net/{name}")
    found = host.run(f"cat {sysfs}/ifindex {sysfs}/iflink")
    assert found.rc == 0, (
        f"/root/veth.txt names {name!r}, but no such interface exists now (a container gets a "
        "new veth pair each time it starts: look again)."
    )
    fields = found.stdout.split()
    assert fields == [str(peer), str(eth0)], (
        f"{name} (index {' and peer '.join(fields) or '?'}) is not the peer of solo's eth0: eth0 "
        f"is index {eth0}, its peer is index {peer} (`ip -o link` shows indexes)."
    )
    bridge = host.run(f"readlink {sysfs}/master").stdout.strip().rsplit("/", 1)[-1]
    assert bridge == "docker0", f"{name} is a port of {bridge or 'no bridge'}, not of docker0."
