"""Shared helpers for the packstack checks: the release profile and the cloud's own API.

Every check reads live state from the target host: systemd, its sockets and files through
testinfra, and the cloud through the `openstack` client run on the host with the credentials
Packstack wrote (/root/keystonerc_admin). Nothing here changes that state.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

LAB = Path(__file__).resolve().parent.parent
KEYSTONERC = "/root/keystonerc_admin"


@pytest.fixture(scope="session")
def params() -> dict[str, Any]:
    """The `params:` mapping of this lab's manifest (lab.yaml next to checks/)."""
    manifest = yaml.safe_load((LAB / "lab.yaml").read_text())
    return dict(manifest.get("params") or {})


@dataclass(frozen=True)
class Profile:
    """One release profile of profiles.yaml: what an installed cloud looks like on the host."""

    name: str
    release: str
    selinux: bool
    network_manager: str
    services: dict[str, list[str]]
    ports: dict[str, int]

    @property
    def units(self) -> list[str]:
        """Every systemd unit the profile expects running, in the file's order."""
        return [unit for units in self.services.values() for unit in units]


def load_profiles(path: Path = LAB / "profiles.yaml") -> dict[str, Any]:
    """Read profiles.yaml."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def parse_os_release(text: str) -> dict[str, str]:
    r"""Parse /etc/os-release (KEY=value lines, values optionally quoted).

    >>> parse_os_release('ID="centos"\\nVERSION_ID="9"')
    {'ID': 'centos', 'VERSION_ID': '9'}
    """
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            words = shlex.split(value, posix=True) if value.strip() else [""]
            fields[key.strip()] = words[0] if words else ""
    return fields


def select_profile(os_release: dict[str, str], data: dict[str, Any]) -> Profile | None:
    """The first profile whose `match` agrees with the host's os-release, or None."""
    for name, spec in data["profiles"].items():
        if all(os_release.get(key) == str(value) for key, value in spec["match"].items()):
            return Profile(
                name,
                spec["release"],
                bool(spec["selinux"]),
                spec["network_manager"],
                {what: list(units) for what, units in spec["services"].items()},
                {what: int(port) for what, port in spec["ports"].items()},
            )
    return None


@pytest.fixture(scope="session")
def profile(host) -> Profile:
    """The target's release profile, chosen from its /etc/os-release."""
    text = host.run("cat /etc/os-release").stdout
    os_release = parse_os_release(text)
    found = select_profile(os_release, load_profiles())
    if found is None:
        pytest.fail(
            f"No release profile of this lab matches the host ({os_release.get('PRETTY_NAME')}): "
            "the guide is written for CentOS Stream 9 (RDO Epoxy)."
        )
    return found


class Cloud:
    """The `openstack` client on the target, as admin (the credentials in keystonerc_admin).

    Its first use checks that the credentials exist and that Keystone accepts them, and fails
    the check (not its set-up) when they do not: a cloud not installed yet is the learner's
    unfinished work, never a broken check.
    """

    def __init__(self, host: Any) -> None:
        self.host = host
        self._ready = False

    def require(self) -> None:
        """Fail the calling check unless keystonerc_admin exists and Keystone accepts it."""
        __tracebackhide__ = True
        if self._ready:
            return
        assert self.host.file(KEYSTONERC).exists, (
            f"{KEYSTONERC} does not exist: Packstack writes it at the end of a successful install."
        )
        token = self._openstack("token", "issue", "-f", "value", "-c", "id")
        assert token.rc == 0, (
            f"Keystone refuses the credentials in {KEYSTONERC} (or does not answer): "
            f"`source {KEYSTONERC} && openstack token issue` says: "
            f"{(token.stderr.strip().splitlines() or ['nothing'])[-1][:300]}"
        )
        self._ready = True

    def _openstack(self, *args: str) -> Any:
        command = " ".join(shlex.quote(arg) for arg in args)
        return self.host.run(f". {KEYSTONERC} && openstack {command}")

    def run(self, *args: str) -> Any:
        """Run `openstack ARGS...` with keystonerc_admin sourced; testinfra's CommandResult."""
        __tracebackhide__ = True
        self.require()
        return self._openstack(*args)

    def json(self, *args: str) -> Any:
        """Run `openstack ARGS... -f json`; None when it fails or prints no JSON."""
        __tracebackhide__ = True
        result = self.run(*args, "-f", "json")
        if result.rc != 0:
            return None
        try:
            return json.loads(result.stdout)
        except ValueError:
            return None

    def show(self, kind: str, name: str, *args: str) -> dict[str, Any] | None:
        """`openstack KIND show NAME` as a dict, or None when there is no such resource."""
        __tracebackhide__ = True
        data = self.json(*kind.split(), "show", name, *args)
        return data if isinstance(data, dict) else None

    def list(self, kind: str, *args: str) -> list[dict[str, Any]]:
        """`openstack KIND list ARGS...` as a list of dicts (empty when it fails)."""
        __tracebackhide__ = True
        data = self.json(*kind.split(), "list", *args)
        return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []


@pytest.fixture
def cloud(host) -> Cloud:
    """The cloud's API through the admin credentials (checked when a check first uses it)."""
    return Cloud(host)


def project_id(cloud: Cloud, name: str) -> str | None:
    """The id of the project of that name, or None."""
    project = cloud.show("project", name)
    return str(project["id"]) if project else None
