"""The notebook face of `lab`: the same workflow (`checker.learner`) and reports as the CLI.

Targets are given as spec text here (``"docker://k2c-cgroups"``), parsed once on the way in.

>>> from checker import notebook
>>> notebook.check("cgroups")          # doctest: +SKIP
"""

from __future__ import annotations

from checker import learner
from checker.manifest import Lab, Task
from checker.report import Report
from checker.spec import TargetSpec, parse_spec


def lab(lab_id: str) -> Lab:
    """Return a lab of the course by id."""
    return learner.find_lab(lab_id)


def default_target(lab_id: str) -> str:
    """The target `lab start` makes for a lab: `docker://k2c-<lab>`."""
    return learner.default_target(lab(lab_id)).spec


def _target(lab_id: str, target: str | None) -> TargetSpec:
    return parse_spec(target) if target else learner.default_target(lab(lab_id))


def start(lab_id: str) -> str:
    """Start a fresh environment for the lab, as `lab start` does (nonce included); its spec."""
    return learner.start(lab(lab_id)).spec


def solve(lab_id: str, target: str | None = None, tasks: list[str] | None = None) -> None:
    """Apply reference steps (all, or the named tasks') to the target, as `lab solve` does."""
    chosen = lab(lab_id)
    steps = None if tasks is None else learner.find_tasks(chosen, tasks)
    learner.solve(chosen, _target(lab_id, target), steps)


def check(lab_id: str, target: str | None = None, engine: str = "persistent") -> Report:
    """Run the lab's checks, as `lab check` does; the report renders as HTML in Jupyter."""
    return learner.check(lab(lab_id), _target(lab_id, target), engine=engine)


def hint(lab_id: str, task_id: str | None = None) -> list[Task]:
    """The tasks whose hints `lab hint` shows (`.title`, `.hint`)."""
    return learner.hint(lab(lab_id), task_id)


def finish(lab_id: str) -> None:
    """Remove the lab's environment, as `lab finish` does."""
    learner.finish(lab(lab_id))
