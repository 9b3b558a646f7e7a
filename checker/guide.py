"""Read a lab guide's task sections and the commands they ask the learner to run.

A task section starts at a `<!-- task: ID -->` line (followed by its `## ` heading) and ends at
the next `## ` heading or marker. Fenced ```bash blocks
inside it are the guide's commands: runnable as written, so the test suite can prove the guide
solves the lab.
"""

from __future__ import annotations

import re

from checker.manifest import Lab, ManifestError

_MARKER = re.compile(r"^<!--\s*task:\s*([a-z0-9-]+)\s*-->\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")


def guide_commands(lab: Lab) -> dict[str, str]:
    """Return, per task id, the concatenated ```bash blocks of its guide section.

    Raises:
        ManifestError: the guide marks a task the manifest lacks, or misses one it has.
    """
    path = lab.guide_path
    sections: dict[str, list[str]] = {}
    current: str | None = None
    fence: str | None = None
    runnable = False
    heading_owned = False  # the `## ` heading right after a marker belongs to that task
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if fence is None:
            if marker := _MARKER.match(line):
                current = marker.group(1)
                if current in sections:
                    raise ManifestError(f"{path}:{number}: task {current!r} marked twice")
                sections[current] = []
                heading_owned = True
            elif line.startswith("## "):
                if not heading_owned:
                    current = None
                heading_owned = False
            elif opening := _FENCE.match(line):
                fence, runnable = opening.group(1), opening.group(2) == "bash"
        elif line.strip() == fence:
            fence = None
        elif runnable and current is not None:
            sections[current].append(line)
    task_ids = [task.id for task in lab.tasks]
    for task_id in sections:
        if task_id not in task_ids:
            raise ManifestError(f"{path}: marks task {task_id!r}, which lab.yaml does not define")
    missing = [task_id for task_id in task_ids if task_id not in sections]
    if missing:
        raise ManifestError(f"{path}: no `<!-- task: {missing[0]} -->` section")
    return {task_id: "\n".join(sections[task_id]) + "\n" for task_id in task_ids}
