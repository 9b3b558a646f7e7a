"""Task veth-pair: the learner names the engine-side end of container `solo`'s veth pair."""

import json
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
def test_veth_txt_names_solos_peer_on_docker0(examiner, engine):
    """/root/veth.txt names the veth whose peer is solo's eth0, and it is a port of docker0."""
    pid = examiner.pid(engine.running("solo").pid)
    assert pid, "Could not find the main process of container `solo`."
    eth0_line = examiner.in_namespaces(pid, "-n", "ip -o link show eth0").stdout.strip()
    inside = _ETH0.match(eth0_line)
    assert inside, "Could not read eth0 inside container `solo`'s network namespace."
    eth0, peer = int(inside[1]), int(inside[2])

    recorded = examiner.read("/root/veth.txt")
    assert recorded is not None, "/root/veth.txt does not exist: write the veth's name into it."
    name = recorded.strip()
    assert _IFNAME.match(name), (
        f"/root/veth.txt should hold one interface name (like veth1a2b3c4), found {name[:40]!r}."
    )
    # `ip link` shows names as vethX@ifN: accept the suffix, the interface is vethX.
    name = name.split("@", 1)[0]
    found = examiner.net(f"ip -j link show dev {shlex.quote(name)}")
    link = _first(found.stdout) if found.rc == 0 else None
    assert link is not None, (
        f"/root/veth.txt names {name!r}, but no such interface exists now (a container gets a "
        "new veth pair each time it starts: look again)."
    )
    fields = [link.get("ifindex"), link.get("link_index")]
    assert fields == [peer, eth0], (
        f"{name} (index {' and peer '.join(map(str, fields))}) is not the peer of solo's eth0: "
        f"eth0 is index {eth0}, its peer is index {peer} (`ip -o link` shows indexes)."
    )
    bridge = str(link.get("master") or "")
    assert bridge == "docker0", f"{name} is a port of {bridge or 'no bridge'}, not of docker0."


def _first(text: str) -> dict | None:
    """The first object of `ip -j` output, or None."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
