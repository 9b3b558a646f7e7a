"""Tasks project to server: the learner's own cloud work, read through the admin API.

Each resource must belong to the learner's project (params.project): the guide does this work
as the learner, with /root/keystonerc_learner, not as admin.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Cloud, project_id


def owned(cloud: Cloud, params: dict[str, Any]) -> str:
    """The learner's project id; fails the check when the project does not exist."""
    __tracebackhide__ = True
    pid = project_id(cloud, params["project"])
    assert pid, f"No project {params['project']}: create it first (task project)."
    return pid


def one(rows: list[dict[str, Any]], what: str, hint: str) -> dict[str, Any]:
    """The single row of a filtered list; fails naming `what` when there is none."""
    __tracebackhide__ = True
    assert rows, f"No {what}: {hint}"
    return rows[0]


@pytest.mark.task("project")
def test_the_project_exists(cloud, params) -> None:
    """The learner's project exists and is enabled."""
    project = cloud.show("project", params["project"])
    assert project, (
        f"No project {params['project']}: `openstack project create {params['project']}`."
    )
    assert project.get("enabled") is True, f"Project {params['project']} is disabled."


@pytest.mark.task("project")
def test_the_user_has_a_role_in_the_project(cloud, params) -> None:
    """The learner's user exists and holds a role on the learner's project."""
    user, project = params["user"], params["project"]
    assert cloud.show("user", user), (
        f"No user {user}: `openstack user create --password-prompt {user}`."
    )
    roles = cloud.list("role assignment", "--user", user, "--project", project, "--names")
    assert roles, (
        f"User {user} has no role on project {project}: "
        f"`openstack role add --project {project} --user {user} member`."
    )


@pytest.mark.task("image")
def test_the_image_is_active_in_the_project(cloud, params) -> None:
    """The image is uploaded (status active) and owned by the learner's project."""
    pid = owned(cloud, params)
    name = params["image"]
    image = one(
        [i for i in cloud.list("image", "--long", "--name", name) if i.get("Project") == pid],
        f"image {name} in project {params['project']}",
        "upload it as the learner (`source /root/keystonerc_learner; openstack image create ...`).",
    )
    assert image.get("Status") == "active", (
        f"Image {name} is {image.get('Status')}, not active: was its data uploaded (--file)?"
    )


@pytest.mark.task("network")
def test_the_network_and_subnet_exist(cloud, params) -> None:
    """The project's network has the subnet, with the range the guide gives."""
    pid = owned(cloud, params)
    net = one(
        cloud.list("network", "--project", pid, "--name", params["network"]),
        f"network {params['network']} in project {params['project']}",
        f"`openstack network create {params['network']}` as the learner.",
    )
    subnet = one(
        cloud.list("subnet", "--network", net["ID"], "--name", params["subnet"]),
        f"subnet {params['subnet']} on {params['network']}",
        f"`openstack subnet create --network {params['network']} --subnet-range "
        f"{params['subnet_range']} {params['subnet']}`.",
    )
    assert subnet.get("Subnet") == params["subnet_range"], (
        f"Subnet {params['subnet']} is {subnet.get('Subnet')}, not {params['subnet_range']}."
    )


@pytest.mark.task("network")
def test_the_router_joins_the_subnet_to_the_outside(cloud, params) -> None:
    """The project's router has its gateway on the external network and a port on the subnet."""
    pid = owned(cloud, params)
    name = params["router"]
    row = one(
        cloud.list("router", "--project", pid, "--name", name),
        f"router {name} in project {params['project']}",
        f"`openstack router create {name}`.",
    )
    router = cloud.show("router", row["ID"]) or {}
    external = cloud.show("network", params["external_network"]) or {}
    gateway = router.get("external_gateway_info") or {}
    assert external, f"No external network {params['external_network']}: the install makes it."
    assert gateway.get("network_id") == external.get("id"), (
        f"Router {name} has no gateway on {params['external_network']}: "
        f"`openstack router set --external-gateway {params['external_network']} {name}`."
    )
    subnets = {s["ID"] for s in cloud.list("subnet", "--project", pid, "--name", params["subnet"])}
    ports = cloud.list("port", "--router", row["ID"], "--device-owner", "network:router_interface")
    fixed = [ip for port in ports for ip in port.get("Fixed IP Addresses") or []]
    assert any(ip.get("subnet_id") in subnets for ip in fixed), (
        f"Router {name} has no interface on {params['subnet']}: "
        f"`openstack router add subnet {name} {params['subnet']}`."
    )


@pytest.mark.task("secgroup")
def test_the_security_group_lets_ssh_and_ping_in(cloud, params) -> None:
    """The project's security group allows ingress TCP 22 and ICMP."""
    pid = owned(cloud, params)
    name = params["security_group"]
    group = one(
        [g for g in cloud.list("security group", "--project", pid) if g.get("Name") == name],
        f"security group {name} in project {params['project']}",
        f"`openstack security group create {name}`.",
    )
    rules = cloud.list("security group rule", group["ID"], "--ingress", "--long")
    ssh = [
        r
        for r in rules
        if r.get("IP Protocol") == "tcp"
        and str(r.get("Port Range", "")).replace(" ", "") in ("22:22", "22")
    ]
    icmp = [r for r in rules if r.get("IP Protocol") in ("icmp", "ipv6-icmp")]
    missing = [what for what, found in (("TCP 22", ssh), ("ICMP", icmp)) if not found]
    assert not missing, (
        f"Security group {name} lets no {' and no '.join(missing)} in: `openstack security group "
        f"rule create --protocol tcp --dst-port 22 {name}` / `--protocol icmp {name}`."
    )


@pytest.mark.task("keypair")
def test_the_learner_has_the_keypair(cloud, params) -> None:
    """The learner's user owns the keypair (keypairs belong to users, not projects)."""
    user = cloud.show("user", params["user"])
    assert user, f"No user {params['user']}: create it first (task project)."
    keypair = cloud.show("keypair", params["keypair"], "--user", user["id"])
    assert keypair, (
        f"User {params['user']} has no keypair {params['keypair']}: as the learner, "
        f"`openstack keypair create --public-key ~/.ssh/id_rsa.pub {params['keypair']}`."
    )


@pytest.mark.task("server")
def test_the_server_is_active_with_the_lab_pieces(cloud, params) -> None:
    """The project's server is ACTIVE, from the image, with the security group and keypair."""
    pid = owned(cloud, params)
    name = params["server"]
    row = one(
        cloud.list("server", "--all-projects", "--project", pid, "--name", f"^{name}$"),
        f"server {name} in project {params['project']}",
        "`openstack server create ... --wait` as the learner.",
    )
    server = cloud.show("server", row["ID"]) or {}
    assert server.get("status") == "ACTIVE", (
        f"Server {name} is {server.get('status')}: `openstack server show {name} -c fault`."
    )
    assert server.get("key_name") == params["keypair"], (
        f"Server {name} was booted with key {server.get('key_name')}, not {params['keypair']}."
    )
    groups = {g.get("name") for g in server.get("security_groups") or []}
    assert params["security_group"] in groups, (
        f"Server {name} is not in security group {params['security_group']} "
        f"(it has {', '.join(sorted(map(str, groups))) or 'none'})."
    )


@pytest.mark.task("server")
def test_the_server_has_a_floating_ip(cloud, params) -> None:
    """A floating IP of the external network is bound to one of the server's ports."""
    pid = owned(cloud, params)
    name = params["server"]
    rows = cloud.list("server", "--all-projects", "--project", pid, "--name", f"^{name}$")
    assert rows, f"No server {name} in project {params['project']}."
    ports = {p["ID"] for p in cloud.list("port", "--server", rows[0]["ID"])}
    external = cloud.show("network", params["external_network"]) or {}
    floating = [
        f
        for f in cloud.list("floating ip", "--network", str(external.get("id", "")))
        if f.get("Port") in ports
    ]
    assert floating, (
        f"No floating IP of {params['external_network']} on server {name}: `openstack floating "
        f"ip create {params['external_network']}`, then `openstack server add floating ip "
        f"{name} ADDRESS`."
    )
