"""Where the course lives on disk."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """Return the course root: the folder holding `labs/course.yaml`.

    `K2C_ROOT` wins when set; otherwise the nearest folder above the working directory that
    holds the course, and last the checkout this package was installed from (editable install).
    """
    if env := os.environ.get("K2C_ROOT"):
        return Path(env).resolve()
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "labs" / "course.yaml").is_file():
            return folder
    return Path(__file__).resolve().parent.parent
