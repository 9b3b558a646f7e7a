"""What each task's checks verify, read from the checks' own docstrings without importing them.

A check's docstring opens with one sentence saying what must be true for it to pass; those
sentences, per task, are the "done when" lines of the course site. Reading them with `ast`
keeps the site build and `lab` free of the checks' imports (testinfra, the lab's conftest).
"""

from __future__ import annotations

import ast
from pathlib import Path


def check_titles(checks_dir: Path) -> dict[str, list[str]]:
    """Map each task id to the first docstring lines of its checks, in file and source order.

    A check is a function whose decorators include `pytest.mark.task("<id>")` (or
    `mark.task`/`task` spelled through an alias): only the literal id is read. A check without
    a docstring contributes nothing; a file that does not parse is left out.
    """
    titles: dict[str, list[str]] = {}
    for path in sorted(checks_dir.glob("test_*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            task_id = _task_of(node)
            doc = ast.get_docstring(node)
            if task_id is None or not doc:
                continue
            titles.setdefault(task_id, []).append(" ".join(doc.split("\n\n")[0].split()))
    return titles


def _task_of(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The literal task id of a `@...task("id")` decorator, or None."""
    for decorator in node.decorator_list:
        if not isinstance(decorator, ast.Call) or len(decorator.args) != 1:
            continue
        func = decorator.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        argument = decorator.args[0]
        if (
            name == "task"
            and isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
        ):
            return argument.value
    return None
