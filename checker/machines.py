"""Virtual machines from machines.yaml, brought up and reached through Vagrant.

machines.yaml (at the repository root) describes each machine once: name, box, cpus, memory,
disk, ip, the labs it runs and per-provider overrides. The Vagrantfile next to it creates them;
this module reads the same file, runs `vagrant` for `lab start LAB --vm` / `lab finish LAB --vm`,
and turns `vagrant ssh-config` into an `ssh://` target whose ssh reads that configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checker.errors import TargetError
from checker.manifest import Lab
from checker.spec import TargetSpec, parse_spec


class MachineError(TargetError):
    """machines.yaml is wrong, no machine runs the lab, or Vagrant failed."""


@dataclass(frozen=True)
class Machine:
    """One virtual machine of machines.yaml."""

    name: str
    box: str
    cpus: int
    memory: int  # MiB
    disk: int  # GiB
    ip: str
    labs: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    providers: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False, compare=False)

    def for_provider(self, provider: str) -> dict[str, Any]:
        """Return the settings for one provider: the machine's own, then the overrides."""
        base = {
            "box": self.box,
            "cpus": self.cpus,
            "memory": self.memory,
            "disk": self.disk,
            "ip": self.ip,
        }
        return {**base, **self.providers.get(provider, {})}


_REQUIRED = {"name": str, "box": str, "cpus": int, "memory": int, "disk": int, "ip": str}


def load_machines(path: Path) -> list[Machine]:
    """Read and validate machines.yaml.

    Raises:
        MachineError: a machine lacks a field, has one of the wrong type, or a name repeats.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    machines: list[Machine] = []
    for index, entry in enumerate(data.get("machines") or []):
        where = f"{path}: machine {index + 1}"
        if not isinstance(entry, dict):
            raise MachineError(f"{where} is not a mapping")
        for key, kind in _REQUIRED.items():
            if not isinstance(entry.get(key), kind) or isinstance(entry.get(key), bool):
                raise MachineError(f"{where}: {key!r} must be a {kind.__name__}")
        providers = entry.get("providers") or {}
        if not isinstance(providers, dict) or not all(
            isinstance(v, dict) for v in providers.values()
        ):
            raise MachineError(f"{where}: 'providers' maps a provider to its overrides")
        machines.append(
            Machine(
                name=entry["name"],
                box=entry["box"],
                cpus=entry["cpus"],
                memory=entry["memory"],
                disk=entry["disk"],
                ip=entry["ip"],
                labs=tuple(entry.get("labs") or ()),
                packages=tuple(entry.get("packages") or ()),
                providers={str(k): dict(v) for k, v in providers.items()},
            )
        )
    names = [m.name for m in machines]
    if len(set(names)) != len(names):
        raise MachineError(f"{path}: machine names repeat")
    return machines


def machine_for(lab: Lab, machines: list[Machine]) -> Machine:
    """Return the machine that runs the lab.

    That is the one its manifest names (target.vm), else the one listing it under `labs`.

    Raises:
        MachineError: no machine runs this lab.
    """
    for machine in machines:
        if machine.name == lab.environment.vm or (
            lab.environment.vm is None and lab.id in machine.labs
        ):
            return machine
    raise MachineError(f"no machine in machines.yaml runs lab {lab.id!r}")


def parse_ssh_config(text: str) -> dict[str, str]:
    r"""Parse `vagrant ssh-config` output into its first Host block's options (lower-cased keys).

    >>> parse_ssh_config("Host docker\\n  HostName 192.168.121.5\\n  User vagrant\\n")["hostname"]
    '192.168.121.5'
    """
    options: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if not key:
            continue
        if key.lower() == "host" and options:
            break
        options[key.lower()] = value.strip().strip('"')
    return options


class Vagrant:
    """The `vagrant` command, run in the directory of the Vagrantfile."""

    def __init__(self, root: Path, env: dict[str, str] | None = None) -> None:
        """Run vagrant in `root` (the Vagrantfile's folder), with `env` added to the environment."""
        self.root = root
        self.env = {**os.environ, **(env or {})}

    def run(self, *args: str, timeout: float = 1800) -> str:
        """Run `vagrant ARGS...`; return its standard output.

        Raises:
            MachineError: vagrant is missing or failed (its last error line is quoted).
        """
        if shutil.which("vagrant") is None:
            raise MachineError("vagrant is not installed: `sudo apt-get install vagrant`")
        done = subprocess.run(
            ["vagrant", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise MachineError(f"vagrant {' '.join(args)} failed: {lines[-1] if lines else ''}")
        return done.stdout

    def up(self, name: str) -> None:
        """Create and boot the machine (and provision it the first time)."""
        self.run("up", name)

    def destroy(self, name: str) -> None:
        """Remove the machine and its disks."""
        self.run("destroy", "--force", name)

    def target(self, name: str, cache: Path) -> TargetSpec:
        """Return an `ssh://` target for the running machine.

        `vagrant ssh-config` is saved under `cache`, so ssh (and testinfra) read the port, user,
        key and host-key settings from it.
        """
        text = self.run("ssh-config", name, timeout=120)
        options = parse_ssh_config(text)
        if "hostname" not in options:
            raise MachineError(f"vagrant ssh-config {name} gave no HostName")
        cache.mkdir(parents=True, exist_ok=True)
        config = cache / f"vagrant-{name}.ssh_config"
        config.write_text(text, encoding="utf-8")
        return parse_spec(f"ssh://{name}?ssh_config={config}&sudo=true")
