"""The classroom's data model: learners, what the grader saw, and grades, with their statuses.

Logic (`roster`, `probe`, `grader`), storage (`gradebook`) and exports (`checker.exports`) all
depend on this module and it on none of them. Statuses are `StrEnum`s: each compares equal to,
and serialises as, the word it always was (`"graded"`, `"verified"`...).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from checker.environments import container_name, student_slug
from checker.report import Report


class GradeStatus(StrEnum):
    """What a grading run recorded for one learner."""

    GRADED = "graded"  # the checks ran on the learner's own environment: the points stand
    UNREACHABLE = "unreachable"  # missing, stopped, refused, or its shell died: not judged
    TIMEOUT = "timeout"  # its checks did not finish in time: not judged
    MISMATCH = "mismatch"  # the environment graded is not the learner's: a fail, no points
    ERROR = "error"  # the grader itself failed on it: not judged


# Only `graded` carries points the checks earned; `mismatch` is a fail; these were not judged.
NOT_JUDGED = (GradeStatus.UNREACHABLE, GradeStatus.TIMEOUT, GradeStatus.ERROR)


class ProbeStatus(StrEnum):
    """What the grader's look at a target found, before and while it is checked."""

    OK = "ok"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"


class NonceStatus(StrEnum):
    """Whether the nonce found in the environment graded is the one seeded for the learner."""

    VERIFIED = "verified"
    MISMATCH = "mismatch"  # someone else's nonce, or not the one seeded for this learner
    UNVERIFIED = "unverified"  # nothing was seeded for the learner, or nothing could be read
    UNRECORDED = ""  # a row written without one


@dataclass(frozen=True)
class Student:
    """One learner of the class (a roster row)."""

    id: str
    name: str = ""
    email: str = ""
    section: str = ""
    lms_id: str = ""
    target: str = ""  # explicit target spec; empty means the class container
    line: int = 0  # where the row is in the roster, for messages

    @property
    def slug(self) -> str:
        """A name safe in paths, container names and URLs, derived from the id.

        >>> Student("../../x").slug
        'x'
        >>> Student("a;rm -rf /").slug
        'a-rm-rf'
        """
        return student_slug(self.id)

    @property
    def managed(self) -> bool:
        """True when `lab class up` makes this learner's environment (no target given)."""
        return not self.target

    def spec(self, lab_id: str) -> str:
        """The spec of the target to grade: the roster's, or the class container of this lab."""
        return self.target or f"docker://{container_name(lab_id, self.id)}"


@dataclass(frozen=True)
class Roster:
    """The validated roster."""

    path: Path
    students: tuple[Student, ...]


@dataclass(frozen=True)
class Probe:
    """What the grader learnt of one target."""

    spec: str
    status: ProbeStatus
    error: str = ""
    nonce: str = ""  # found inside the target (/proc/1/environ)
    label_nonce: str = ""  # found outside, on the container (docker targets)
    hostname: str = ""
    machine_id: str = ""
    host_keys: str = ""  # sha256 of the ssh host public keys, '' when there are none
    identified: bool = False  # the values inside were read


@dataclass(frozen=True)
class Outcome:
    """One learner's result in a grading run, as the grader hands it on."""

    student: Student
    spec: str
    status: GradeStatus
    report: Report
    probe: Probe
    nonce_status: NonceStatus = NonceStatus.UNVERIFIED
    nonce_owner: str = ""  # whose nonce the environment carries, when it is someone else's
    seconds: float = 0.0

    @property
    def flags(self) -> tuple[str, ...]:
        """Findings of the probe on this environment.

        The container's label (read from outside, through the Docker API) and its PID 1
        environment (read inside) must carry the same nonce.
        """
        found = self.probe
        flags: list[str] = []
        if found.label_nonce and found.nonce and found.label_nonce != found.nonce:
            flags.append("the nonce inside the environment differs from its container's label")
        flags += [f"tool integrity: {flag}" for flag in self.report.extra.get("flags", ())]
        return tuple(flags)

    @property
    def trust(self) -> str:
        """How far the verdict can be trusted: `examined` or `inside`.

        `examined`: from outside, with the grader's tools; `inside`: read in a machine the
        learner controls.
        """
        return str(self.report.extra.get("trust", "inside"))

    @property
    def score(self) -> int:
        """Points earned; only a graded outcome earns any."""
        return self.report.score if self.status == GradeStatus.GRADED else 0


@dataclass(frozen=True)
class GradeRow:
    """One student's grade in one run (a gradebook row): the shape every class export reads."""

    student: str
    slug: str  # the student id made safe for file names
    target: str
    status: GradeStatus
    score: int
    max_score: int
    report: Report
    name: str = ""
    email: str = ""
    section: str = ""
    lms_id: str = ""
    error: str = ""
    nonce: str = ""  # the nonce found in the environment graded
    nonce_status: NonceStatus = NonceStatus.UNRECORDED
    nonce_owner: str = ""
    hostname: str = ""
    machine_id: str = ""
    host_keys: str = ""
    seconds: float = 0.0
    graded_at: str = ""
    flags: tuple[str, ...] = ()  # anti-cheat findings, e.g. a hostname shared with another

    @property
    def trust(self) -> str:
        """How far the grade can be trusted: `examined`, `inside`, or '' when not graded.

        `examined`: from outside, with the grader's tools; `inside`: read in a machine the
        learner controls.
        """
        if not self.judged:
            return ""
        return str(self.report.extra.get("trust", "inside"))

    @property
    def judged(self) -> bool:
        """False when the target could not be graded (no grade should be entered for it)."""
        return self.status not in NOT_JUDGED
