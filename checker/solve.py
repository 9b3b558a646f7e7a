"""Apply a lab's reference steps (`solutions/<lab>/<task>.sh`) to a target."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from checker.errors import ContentError
from checker.manifest import Lab, ManifestError, Task
from checker.reach import run_script
from checker.report import clean_text
from checker.spec import TargetSpec

STEP_TIMEOUT = 600


class StepFailed(ContentError):
    """A reference step exited non-zero on the target."""


def step_script(lab: Lab, task: Task) -> str:
    """Return the reference step of a task.

    Raises:
        ManifestError: the lab ships no step for this task.
    """
    path = lab.solutions_dir / f"{task.id}.sh"
    if not path.is_file():
        raise ManifestError(f"{path}: no reference step for task {task.id!r}")
    return path.read_text(encoding="utf-8")


def apply_steps(
    lab: Lab,
    target: TargetSpec,
    tasks: Iterable[Task] | None = None,
    progress: Callable[[Task], None] | None = None,
) -> None:
    """Run the reference steps of `tasks` (default: all) on the target's primary node, in order.

    Raises:
        StepFailed: a step exited non-zero; the message names it and quotes its last error line.
    """
    wanted = {task.id for task in (lab.tasks if tasks is None else tasks)}
    for task in lab.tasks:
        if task.id not in wanted:
            continue
        if progress:
            progress(task)
        code, _, err = run_script(target, step_script(lab, task), timeout=STEP_TIMEOUT)
        if code != 0:
            last = err.strip().splitlines()[-1] if err.strip() else ""
            raise StepFailed(
                f"step {lab.id}/{task.id}.sh exited {code} on {target.spec}: "
                + clean_text(last, 300)
            )
