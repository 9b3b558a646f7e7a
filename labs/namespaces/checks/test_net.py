"""Task net: network namespaces red and blue, joined by an addressed veth pair, ping each other."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

RED, BLUE = "red", "blue"


@dataclass(frozen=True)
class End:
    """One end of a veth pair: its interface name and its IPv4 addresses."""

    name: str
    addresses: tuple[str, ...]


def _json_list(result) -> list[dict]:
    """Read an `ip -j` command's output; anything but a JSON list of objects is an empty list."""
    try:
        data = json.loads(result.stdout or "[]")
    except ValueError:
        return []
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _int(value: object) -> int | None:
    """Return value if ip printed an integer there, else None (garbage never matches)."""
    return value if isinstance(value, int) else None


def _veths(examiner, netns: str) -> list[dict]:
    """List the veth interfaces of a named network namespace, with their addresses."""
    return _json_list(examiner.ip("-n", netns, "-j", "address", "show", "type", "veth"))


def _end(link: dict) -> End:
    """Build an End from one `ip -j address` entry."""
    addresses = tuple(
        a["local"]
        for a in link.get("addr_info") or []
        if isinstance(a, dict) and a.get("family") == "inet" and isinstance(a.get("local"), str)
    )
    return End(str(link.get("ifname")), addresses)


def veth_pair(examiner) -> tuple[End, End]:
    """Return red's and blue's ends of an addressed veth pair; fail naming what is missing."""
    __tracebackhide__ = True
    names = {
        words[0]
        for line in examiner.ip("netns", "list").stdout.splitlines()
        if (words := line.split())
    }
    missing = [ns for ns in (RED, BLUE) if ns not in names]
    assert not missing, (
        f"Expected network namespaces {RED} and {BLUE} in `ip netns list`; missing: "
        f"{', '.join(missing)} (found: {', '.join(sorted(names)) or 'none'})."
    )
    # link_netnsid is the peer's namespace as red numbers it; list-id names those numbers.
    ids = {
        _int(i.get("nsid")): i.get("name")
        for i in _json_list(examiner.ip("-n", RED, "-j", "netns", "list-id"))
    }
    blue_veths = {i: v for v in _veths(examiner, BLUE) if (i := _int(v.get("ifindex"))) is not None}
    pairs = [
        (red, blue)
        for red in _veths(examiner, RED)
        if ids.get(_int(red.get("link_netnsid"))) == BLUE
        and (blue := blue_veths.get(_int(red.get("link_index"))))
        and _int(blue.get("link_index")) == _int(red.get("ifindex"))
    ]
    assert pairs, (
        f"No veth interface in {RED} has its peer in {BLUE}: create a veth pair and move one end "
        f"into each namespace (`ip -n {RED} link` shows where each peer lives)."
    )
    ends = [(_end(red), _end(blue)) for red, blue in pairs]
    addressed = [(red, blue) for red, blue in ends if red.addresses and blue.addresses]
    red, blue = ends[0]
    assert addressed, (
        f"The veth pair {red.name} ({RED}) <-> {blue.name} ({BLUE}) needs an IPv4 address on "
        f"both ends; found {RED}: {', '.join(red.addresses) or 'none'}, "
        f"{BLUE}: {', '.join(blue.addresses) or 'none'}."
    )
    return addressed[0]


@pytest.mark.task("net")
def test_a_veth_pair_joins_red_and_blue(examiner) -> None:
    """Namespaces red and blue exist, joined by a veth pair with an IPv4 address on each end."""
    veth_pair(examiner)


@pytest.mark.task("net")
def test_red_pings_blue(examiner) -> None:
    """From inside red, blue's end of the pair answers a ping."""
    red, blue = veth_pair(examiner)
    target = blue.addresses[0]
    result = examiner.in_netns(RED, f"ping -c1 -W1 {target}")
    assert result.rc == 0, (
        f"`ip netns exec {RED} ping -c1 -W1 {target}` got no answer from {BLUE}'s {blue.name}: "
        f"are both ends up (`ip -n {RED} link set {red.name} up`), in the same subnet?"
    )
