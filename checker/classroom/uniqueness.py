"""Values that must differ across a class: a shared one means two learners share a machine.

Nonces (one environment graded for two learners), targets, hostnames, ssh host keys and, for
machines other than containers, the machine id (a VM cloned from a classmate's keeps it; class
containers all share their image's, so it says nothing there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from checker.classroom.model import GradeRow, GradeStatus
from checker.spec import parse_spec


def _values(row: GradeRow) -> dict[str, str]:
    values = {
        "target": row.target,
        "hostname": row.hostname,
        "ssh host keys": row.host_keys,
        "nonce": row.nonce,
    }
    if any(node.scheme != "docker" for node in parse_spec(row.target).nodes):
        values["machine id"] = row.machine_id
    return values


def flag_collisions(rows: Sequence[GradeRow]) -> list[GradeRow]:
    """Return the rows with a flag on each learner who shares a value that must differ.

    >>> from checker.report import Report
    >>> a = GradeRow("a", "a", "ssh://h1", "graded", 1, 1, Report("l", "ssh://h1", ()),
    ...              hostname="web")
    >>> b = GradeRow("b", "b", "ssh://h2", "graded", 1, 1, Report("l", "ssh://h2", ()),
    ...              hostname="web")
    >>> flag_collisions([a, b])[0].flags
    ("hostname 'web' is also b's",)
    """
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        if row.judged or row.status == GradeStatus.MISMATCH:
            for kind, value in _values(row).items():
                if value:
                    owners[kind, value].append(row.student)
    flagged = []
    for row in rows:
        flags = list(row.flags)
        if row.judged or row.status == GradeStatus.MISMATCH:
            for kind, value in _values(row).items():
                others = [s for s in owners.get((kind, value), []) if s != row.student]
                if value and others:
                    shown = value if kind in ("hostname", "target") else value[:12] + "..."
                    flags.append(f"{kind} {shown!r} is also {', '.join(others[:5])}'s")
        if row.status == GradeStatus.MISMATCH and row.nonce_owner:
            flags.append(f"graded environment belongs to {row.nonce_owner}")
        flagged.append(replace(row, flags=tuple(flags)))
    return flagged
