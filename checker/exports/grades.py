"""A class grade: one learner's result in a grading run, the shape every class export reads."""

from __future__ import annotations

from dataclasses import dataclass

from checker.report import Report

# Statuses of a class grade: only `graded` carries points the checks earned; `mismatch` is a
# fail (the environment graded was not the learner's); the others could not be judged.
NOT_JUDGED = ("unreachable", "timeout", "error")


@dataclass(frozen=True)
class GradeRow:
    """One student's grade in one run (a gradebook row)."""

    student: str
    slug: str  # the student id made safe for file names
    target: str
    status: str  # graded | unreachable | timeout | mismatch | error
    score: int
    max_score: int
    report: Report
    name: str = ""
    email: str = ""
    section: str = ""
    lms_id: str = ""
    error: str = ""
    nonce: str = ""  # the nonce found in the environment graded
    nonce_status: str = ""  # verified | mismatch | unverified
    nonce_owner: str = ""
    hostname: str = ""
    machine_id: str = ""
    host_keys: str = ""
    seconds: float = 0.0
    graded_at: str = ""
    flags: tuple[str, ...] = ()  # anti-cheat findings, e.g. a hostname shared with another

    @property
    def judged(self) -> bool:
        """False when the target could not be graded (no grade should be entered for it)."""
        return self.status not in NOT_JUDGED
