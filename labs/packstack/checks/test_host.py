"""Task host: the preconditions Packstack needs (a resolvable FQDN, no NetworkManager, SELinux)."""

from __future__ import annotations

import ipaddress

import pytest


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (and anything that is not an address at all)."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return True


@pytest.mark.task("host")
def test_the_hostname_is_a_resolvable_fqdn(host) -> None:
    """`hostname -f` is a fully qualified name that resolves to one of the host's own addresses."""
    fqdn = host.run("hostname -f").stdout.strip()
    assert "." in fqdn, (
        f"The host's name is {fqdn or 'empty'!r}, not a fully qualified name: set one with "
        "`hostnamectl set-hostname cloud.k2c.lab` and add it to /etc/hosts."
    )
    resolved = host.run("getent ahostsv4 %s", fqdn).stdout.split()
    addresses = sorted({word for word in resolved[::3] if word})
    assert addresses, (
        f"{fqdn} does not resolve: add `ADDRESS {fqdn} {fqdn.split('.')[0]}` to /etc/hosts."
    )
    outside = [a for a in addresses if not is_loopback(a)]
    assert outside, (
        f"{fqdn} resolves only to loopback ({', '.join(addresses)}): RabbitMQ and the endpoints "
        "need the host's real address in /etc/hosts."
    )
    own = set(host.run("hostname -I").stdout.split())
    assert own & set(outside), (
        f"{fqdn} resolves to {', '.join(outside)}, which is not an address of this host "
        f"({', '.join(sorted(own)) or 'none'})."
    )


@pytest.mark.task("host")
def test_network_manager_is_not_running(host, profile) -> None:
    """NetworkManager is not active (Packstack's networking takes over the interfaces)."""
    unit = profile.network_manager
    state = host.run("systemctl is-active %s", unit).stdout.strip()
    assert state != "active", (
        f"{unit} is active: `systemctl disable --now {unit}` (and use the network scripts) "
        "before installing."
    )


def selinux_enforcing(enforce: str | None) -> bool:
    """Whether /sys/fs/selinux/enforce's content ("1", "0"; None: no SELinux) means enforcing."""
    return (enforce or "").strip() == "1"


@pytest.mark.task("host")
def test_selinux_is_not_enforcing(host, profile) -> None:
    """SELinux is permissive or disabled (the guide's `setenforce 0`)."""
    enforce = host.file("/sys/fs/selinux/enforce")
    content = enforce.content_string if enforce.exists else None
    if not profile.selinux:
        assert content is None or not selinux_enforcing(content), (
            "SELinux is enforcing on a host whose profile has none."
        )
        return
    assert not selinux_enforcing(content), (
        "SELinux is enforcing: `setenforce 0`, and SELINUX=permissive in /etc/selinux/config so "
        "it stays so after a reboot."
    )
