"""Host devices for environments (the manifest's `target.devices`): passed only when they work.

A device can exist on a host and still not work. /dev/kvm is the case in point: on a host that
is itself a virtual machine without working nested virtualization, /dev/kvm exists and opens,
and a guest started under it aborts or hangs before its first line of output. Passing such a
device makes things worse than leaving it out (QEMU picks KVM when it can open /dev/kvm). So a
device goes to an environment only when a throwaway container of the lab's image, given the
device, runs the manifest's probe to success within its timeout; a device the Docker host does
not have fails that container's start, and is left out the same way.

The verdict describes the host, not the learner, so it is paid once: it is kept in the user's
cache folder under a key made of the kernel's boot id (a new boot asks again), the Docker
engine's id, the image's id (a new probe script asks again) and the device's entry. The boot
id is this machine's: with a Docker engine on another machine, a reboot of that machine is not
seen (`lab start` runs next to its engine everywhere in the course).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from checker.manifest import Device, Lab

# Every environment made with devices carries the decisions as JSON under this label, so
# `lab start` (and anyone) can say which devices it got and why.
DEVICES_LABEL = "org.kernel-to-cloud.devices"
# A probe's throwaway container carries this label (valued with the device's path).
PROBE_LABEL = "org.kernel-to-cloud.device-probe"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress sink that shows nothing."""


@dataclass(frozen=True)
class Decision:
    """Whether one device goes to the environment, and why, in one line."""

    path: str
    passed: bool
    reason: str
    seconds: float  # what the probe took (when it ran: a cached decision keeps the first run's)
    cached: bool = False

    def __str__(self) -> str:
        """Say the decision as `lab start` prints it."""
        verdict = "passed through" if self.passed else "not passed"
        where = ", decided earlier this boot" if self.cached else ""
        return f"{self.path} {verdict}: {self.reason} (probe {self.seconds:.1f} s{where})"


def boot_id() -> str:
    """Return the kernel's boot id on this machine: a new one on every boot."""
    return BOOT_ID.read_text().strip()


def cache_dir() -> Path:
    """The folder of remembered decisions (XDG cache directory)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kernel-to-cloud" / "devices"


def cache_key(device: Device, image_id: str, engine_id: str, boot: str) -> str:
    """The name a decision is remembered under: any change of its inputs asks again.

    >>> kvm = Device("/dev/kvm", ("probe",))
    >>> cache_key(kvm, "sha256:1", "E", "boot-a") == cache_key(kvm, "sha256:1", "E", "boot-b")
    False
    """
    inputs = json.dumps([asdict(device), image_id, engine_id, boot], sort_keys=True)
    return hashlib.sha256(inputs.encode()).hexdigest()


def decide(lab: Lab, image: str, progress: Progress = _quiet) -> tuple[Decision, ...]:
    """Decide, for each device the lab's manifest lists, whether its environments get it.

    Args:
        lab: the lab.
        image: the image the environment runs (its probe runs in a container of it).
        progress: receives one line per probe run.

    Returns:
        One decision per device, in the manifest's order; empty when it lists none.
    """
    from checker.environments import client

    wanted = lab.environment.devices
    if not wanted:
        return ()
    engine = client()
    image_id = engine.api.inspect_image(image)["Id"]
    engine_id = str(engine.info().get("ID", ""))
    boot = boot_id()
    decisions = []
    for device in wanted:
        key = cache_key(device, image_id, engine_id, boot)
        known = _remembered(key)
        if known is None:
            progress(f"probing {device.path} (once per boot of this host)")
            known = probe(lab, image_id, device)  # the image keyed, even if the tag moves
            _remember(key, boot, known)
        else:
            known = replace(known, cached=True)
        decisions.append(known)
    return tuple(decisions)


def probe(lab: Lab, image: str, device: Device) -> Decision:
    """Run the device's probe in a throwaway container given the device; never remembered.

    The container runs as the environment would (the lab's capabilities and limits), with the
    probe in place of the image's entrypoint; without a probe, it checks the path exists.
    """
    import docker.errors
    import requests.exceptions

    from checker.environments import LABEL, client, host_config

    api = client().api
    command = list(device.probe) or ["test", "-e", device.path]
    started = time.monotonic()

    def decision(passed: bool, reason: str) -> Decision:
        return Decision(device.path, passed, reason, round(time.monotonic() - started, 2))

    container = None
    try:
        container = api.create_container(
            image,
            entrypoint=command,
            detach=True,
            labels={LABEL: lab.id, PROBE_LABEL: device.path},
            host_config=host_config(lab, devices=(device.path,)),
        )
        api.start(container)
        try:
            status = api.wait(container, timeout=device.timeout)["StatusCode"]
        except requests.exceptions.RequestException:
            return decision(False, f"its probe gave no answer within {device.timeout:g} s")
        # Its verdict is its last line on stdout. Standard error is logged as a stream of its own,
        # whose order against stdout's is not kept under load (a shell's "Aborted" after a
        # crashed child came last in CI): it is the reason only when stdout said nothing.
        said = api.logs(container, stdout=True, stderr=False).decode("utf-8", "replace")
        said_on_stderr = api.logs(container, stdout=False, stderr=True).decode("utf-8", "replace")
        lines = (said.strip() or said_on_stderr.strip()).splitlines()
        if status == 0:
            return decision(True, lines[-1] if lines else "its probe passed")
        return decision(False, lines[-1] if lines else f"its probe exited with status {status}")
    except docker.errors.APIError as exc:
        text = str(exc.explanation or exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        return decision(False, f"no container could be given it: {first}")
    finally:
        if container is not None:
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_container(container, force=True)


def of_environment(name: str) -> tuple[Decision, ...]:
    """The decisions environment NAME was started with (its label); empty when it has none."""
    from checker.environments import client

    labels = client().api.inspect_container(name)["Config"].get("Labels") or {}
    return tuple(Decision(**entry) for entry in json.loads(labels.get(DEVICES_LABEL, "[]")))


def label(decisions: tuple[Decision, ...]) -> dict[str, str]:
    """The label an environment started with these decisions carries (none when empty)."""
    if not decisions:
        return {}
    return {DEVICES_LABEL: json.dumps([asdict(decision) for decision in decisions])}


def _remembered(key: str) -> Decision | None:
    try:
        data: dict[str, Any] = json.loads((cache_dir() / f"{key}.json").read_text())
        return Decision(data["path"], data["passed"], data["reason"], data["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(key: str, boot: str, decision: Decision) -> None:
    """Keep a decision for this boot; forget those of earlier boots."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):
                if json.loads(old.read_text()).get("boot_id") != boot:
                    old.unlink()
        entry = {**asdict(replace(decision, cached=False)), "boot_id": boot}
        partial = folder / f"{key}.json.tmp"
        partial.write_text(json.dumps(entry))
        partial.replace(folder / f"{key}.json")
    except OSError:
        pass  # no cache (read-only home): probe on every start
