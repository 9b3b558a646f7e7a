"""One learner environment per student on this Docker host: bring the class up and down.

Container names come from `environments.container_name(lab, student id)`, safe whatever the id
holds; each container carries labels naming its lab and student (so `down` finds them) and a
fresh nonce, recorded in the class state before the container starts.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from checker import environments
from checker.classroom import identity
from checker.classroom.model import Roster, Student
from checker.manifest import Lab, Limits

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress sink that shows nothing."""


def class_up(
    lab: Lab,
    roster: Roster,
    state_file: Path,
    *,
    jobs: int = 4,
    progress: Progress = _quiet,
    limits: Limits | None = None,
) -> dict[str, str]:
    """Start a fresh environment for every roster student without a target of their own.

    Each gets the lab's limits (memory, processes), or `limits` when given.

    Returns:
        Each started student's id and target spec.
    """
    managed = [student for student in roster.students if student.managed]
    # Build once up front: the parallel starts then only hit Docker's build cache.
    environments.build_image(lab, progress)
    state = identity.load_state(state_file, lab.id)
    seeds = {student.id: identity.seed(student.id, lab.id) for student in managed}
    # Record the nonces first: a container must never exist with a nonce the grader lacks.
    state.nonces.update({student_id: seed.nonce for student_id, seed in seeds.items()})
    identity.save_state(state_file, state)

    def start(student: Student) -> tuple[str, str]:
        seed = seeds[student.id]
        target = environments.start(
            lab,
            environments.container_name(lab.id, student.id),
            environment=seed.environment,
            labels=seed.labels,
            limits=limits,
        )
        progress(f"started {target.spec}")
        return student.id, target.spec

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="k2c-up") as pool:
        return dict(pool.map(start, managed))


def class_down(
    lab: Lab, roster: Roster | None = None, *, jobs: int = 8, progress: Progress = _quiet
) -> int:
    """Remove the class environments of the lab (the roster's, and any labelled for the lab).

    Containers are removed `jobs` at a time; `progress` hears "removed NAME (k/n)" as each one
    goes, so a class of a hundred shows how far it is.

    Returns:
        How many environments were removed.
    """
    names = {
        environments.container_name(lab.id, s.id)
        for s in (roster.students if roster else ())
        if s.managed
    }
    labelled = environments.client().containers.list(
        ignore_removed=True, all=True, filters={"label": f"{identity.CLASS_LABEL}={lab.id}"}
    )
    # A node of an environment of several is removed with its environment, by the latter's name.
    names |= {
        container.labels.get(environments.ENVIRONMENT_LABEL, container.name)
        for container in labelled
    }
    ordered = sorted(names)
    removed = done = 0
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for name, gone in zip(ordered, pool.map(environments.remove, ordered), strict=True):
            done += 1
            removed += gone
            progress(f"{'removed' if gone else 'already gone:'} {name} ({done}/{len(ordered)})")
    return removed
