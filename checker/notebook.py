"""The notebook face of `lab`: the same operations and report objects as the CLI.

>>> from checker import notebook
>>> notebook.check("cgroups")          # doctest: +SKIP
"""

from __future__ import annotations

from checker import environments
from checker.manifest import Lab, load_course
from checker.paths import repo_root
from checker.reach import ensure_reachable
from checker.report import Report
from checker.runner import run_checks
from checker.solve import apply_steps
from checker.spec import parse_spec


def lab(lab_id: str) -> Lab:
    """Return a lab of the course by id."""
    return load_course(repo_root()).lab(lab_id)


def default_target(lab_id: str) -> str:
    """The target `lab start` makes for a lab: `docker://k2c-<lab>`."""
    return f"docker://{environments.container_name(lab_id)}"


def start(lab_id: str) -> str:
    """Start a fresh environment for the lab, as `lab start` does; return its target spec."""
    return environments.start(lab(lab_id)).spec


def solve(lab_id: str, target: str | None = None, tasks: list[str] | None = None) -> None:
    """Apply reference steps (all, or the named tasks') to the target, as `lab solve` does."""
    chosen = lab(lab_id)
    chosen_target = parse_spec(target or default_target(lab_id))
    ensure_reachable(chosen_target)
    apply_steps(chosen, chosen_target, None if tasks is None else [chosen.task(t) for t in tasks])


def check(lab_id: str, target: str | None = None, engine: str = "persistent") -> Report:
    """Run the lab's checks, as `lab check` does; the report renders as HTML in Jupyter."""
    chosen = parse_spec(target or default_target(lab_id))
    ensure_reachable(chosen)
    [report] = run_checks(lab(lab_id), [chosen], engine=engine)
    return report


def finish(lab_id: str) -> None:
    """Remove the lab's environment, as `lab finish` does."""
    environments.remove(environments.container_name(lab_id))
