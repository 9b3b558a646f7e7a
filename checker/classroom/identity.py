"""Anti-cheat: a per-learner nonce seeded into each environment, and the class state keeping it.

`lab start` and `lab class up` seed a random nonce into the container's environment (readable
inside as /proc/1/environ, which nothing in the container can rewrite) and into a container label
(readable from outside). The grader keeps the nonce it seeded in the class state file, so a
learner who points the grader at someone else's environment, or copies someone's container,
is caught: the nonce found there is not theirs. Checks may also require it (`NONCE_ENV`), so
state copied from another learner's environment does not pass.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

NONCE_ENV = "K2C_NONCE"
NONCE_LABEL = "org.kernel-to-cloud.nonce"
STUDENT_LABEL = "org.kernel-to-cloud.student"
CLASS_LABEL = "org.kernel-to-cloud.class"
NONCE_PATTERN = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Seed:
    """What to give `environments.start` so the environment carries a nonce."""

    nonce: str
    environment: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def seed(student: str | None = None, lab_id: str | None = None) -> Seed:
    """Make a fresh nonce and the environment variables and labels that carry it.

    >>> s = seed()
    >>> s.environment["K2C_NONCE"] == s.labels["org.kernel-to-cloud.nonce"] == s.nonce
    True

    Args:
        student: the learner's id, recorded as a label when a class environment is made.
        lab_id: the lab, recorded as the class label so `lab class down` finds the container.
    """
    nonce = secrets.token_hex(16)
    labels = {NONCE_LABEL: nonce}
    if student is not None:
        labels[STUDENT_LABEL] = student
    if lab_id is not None:
        labels[CLASS_LABEL] = lab_id
    return Seed(nonce=nonce, environment={NONCE_ENV: nonce}, labels=labels)


def parse_environ(data: bytes) -> str:
    r"""Return the valid nonce in a NUL-separated environment block, or ''.

    >>> parse_environ(b"PATH=/bin\0K2C_NONCE=" + b"ab" * 16 + b"\0")
    'abababababababababababababababab'
    """
    for entry in data.split(b"\0"):
        key, _, value = entry.partition(b"=")
        if key == NONCE_ENV.encode():
            text = value.decode("ascii", "replace")
            return text if NONCE_PATTERN.match(text) else ""
    return ""


@dataclass
class ClassState:
    """The nonces the instructor's tool seeded, per learner, for one lab."""

    lab: str
    nonces: dict[str, str] = field(default_factory=dict)
    updated: str = ""
    # Where the class runs when not on this Docker host (`classroom.kube.Placement.as_state`).
    placement: dict[str, str] = field(default_factory=dict)

    def owner(self, nonce: str) -> str | None:
        """The learner a nonce was seeded for, if any."""
        return next((student for student, known in self.nonces.items() if known == nonce), None)


def state_path(roster: Path, lab_id: str) -> Path:
    """The default class state file: beside the roster, named after it and the lab."""
    return roster.parent / f"{roster.stem}.{lab_id}.class.json"


def load_state(path: Path, lab_id: str) -> ClassState:
    """Read the class state; a missing file is an empty state."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ClassState(lab=lab_id)
    nonces = {
        str(k): str(v)
        for k, v in dict(data.get("nonces", {})).items()
        if NONCE_PATTERN.match(str(v))
    }
    placement = data.get("placement")
    return ClassState(
        lab=lab_id,
        nonces=nonces,
        updated=str(data.get("updated", "")),
        placement={str(k): str(v) for k, v in placement.items()}
        if isinstance(placement, dict)
        else {},
    )


def save_state(path: Path, state: ClassState) -> None:
    """Write the class state atomically (a crash never leaves half a file)."""
    state.updated = datetime.now(UTC).isoformat(timespec="seconds")
    data: dict[str, object] = {"lab": state.lab, "updated": state.updated, "nonces": state.nonces}
    if state.placement:
        data["placement"] = state.placement
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file 0600: nonces are the instructor's secrets, not the class's.
    fd, temporary = tempfile.mkstemp(prefix=".k2c-state-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=2, sort_keys=True)
    Path(temporary).replace(path)
