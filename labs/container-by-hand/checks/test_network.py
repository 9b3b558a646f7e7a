"""Task network: a veth pair links the box to the host, and the box reaches the host over it."""

import ipaddress
import json

import pytest


def _links(text: str) -> list[dict]:
    """Parse `ip -j link` output; anything else reads as no link."""
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return []
    return [link for link in data if isinstance(link, dict)] if isinstance(data, list) else []


def _ipv4(text: str, names: set[str]) -> list[tuple[str, str]]:
    """The (interface, IPv4 address) pairs `ip -j -4 addr` shows on the named interfaces."""
    found = []
    for link in _links(text):
        name = link.get("ifname")
        if name not in names:
            continue
        for info in link.get("addr_info") or []:
            try:
                found.append((name, str(ipaddress.IPv4Address(info.get("local", "")))))
            except (ValueError, AttributeError):
                continue
    return found


@pytest.mark.task("network")
def test_the_box_reaches_the_host_over_a_veth_pair(examiner, box):
    """One end of a veth pair is in the box, the other on the host, and the box pings the host."""
    assert box.found, box.MISSING
    namespaces = examiner.run(
        f"readlink /proc/{examiner.init}/ns/net /proc/{box.pid}/ns/net"
    ).stdout.split()
    assert len(set(namespaces)) == 2, (
        f"The box (PID {box.pid}) has no network namespace of its own: start it with "
        "unshare --net, then link that namespace to the host."
    )
    inside = _links(examiner.in_namespaces(box.pid, "-n", "ip -j link show type veth").stdout)
    assert inside, (
        f"The box (PID {box.pid}) has no veth interface in its network namespace "
        f"(nsenter -t {box.pid} -n ip link): create a pair and move one end into the box."
    )
    outside = _links(examiner.net("ip -j link show type veth").stdout)
    # Each end names its peer's index: a pair is two ends that name each other.
    pairs = [
        (ours, theirs)
        for ours in outside
        for theirs in inside
        if ours.get("link_index") == theirs.get("ifindex")
        and theirs.get("link_index") == ours.get("ifindex")
    ]
    assert pairs, (
        "The box's veth interface has no peer in the host's network namespace: "
        "the other end of the pair must stay on the host."
    )
    # The host's address is on its end of the pair, or on the bridge that end is plugged into
    # (Docker's way: the address of docker0 is every container's gateway).
    ends = {str(end.get(key)) for end, _ in pairs for key in ("ifname", "master") if end.get(key)}
    addresses = _ipv4(examiner.net("ip -j -4 addr show").stdout, ends)
    assert addresses, (
        f"The host's end of the pair ({pairs[0][0].get('ifname', '?')}) has no IPv4 address, "
        "nor has a bridge it is plugged into: give it one, in the same subnet as the box's end."
    )
    reached = any(
        examiner.in_namespaces(box.pid, "-n", f"ping -c1 -W1 {address}").rc == 0
        for _, address in addresses
    )
    tried = ", ".join(f"{address} on {name}" for name, address in addresses)
    assert reached, (
        f"The box cannot ping the host over the veth pair (tried {tried}): both ends need an "
        "address in one subnet and must be up."
    )
