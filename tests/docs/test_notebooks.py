"""The lab notebooks: committed without outputs, and executed headless against the real engine.

Each notebook runs top to bottom in a fresh kernel, on an environment of its own (its tagged
`parameters` cell is given another container name, so a learner's `k2c-<lab>` is never
touched), and must end with the lab's check report rendered as HTML. The executed copies stay
in build/artifacts/notebooks/ for CI to keep.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from checker import environments

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(REPO.glob("labs/*/notebook.ipynb"))
ARTIFACTS = REPO / "build" / "artifacts" / "notebooks"


def _lab_id(path: Path) -> str:
    return path.parent.name


def test_the_namespaces_and_cgroups_labs_have_notebooks() -> None:
    """The two labs where exploring helps most ship a notebook."""
    assert {"namespaces", "cgroups"} <= {_lab_id(path) for path in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_lab_id)
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    """No outputs, no execution counts: the diff shows only what an author wrote."""
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path}: a cell has outputs: clear them before committing"
            assert cell.execution_count is None, f"{path}: a cell has an execution count"
    tagged = [cell for cell in book.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path}: needs one code cell tagged `parameters`"
    assert "CONTAINER = " in tagged[0].source


def _execute(path: Path) -> nbformat.NotebookNode:
    """Run a notebook headless on a fresh environment of its own; keep the executed copy."""
    lab_id = _lab_id(path)
    container = f"k2c-nbtest-{lab_id}"
    book = nbformat.read(path, as_version=4)
    [parameters] = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    parameters.source = f'LAB = "{lab_id}"\nCONTAINER = "{container}"'
    environments.remove(container)
    try:
        NotebookClient(
            book,
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": str(REPO)}},
        ).execute()
    finally:
        environments.remove(container)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        nbformat.write(book, ARTIFACTS / f"{lab_id}.ipynb")
    return book


@pytest.fixture(scope="module")
def executed() -> dict[str, nbformat.NotebookNode]:
    """Every lab notebook, executed once for the module's tests."""
    return {_lab_id(path): _execute(path) for path in NOTEBOOKS}


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_lab_id)
def test_notebook_runs_and_ends_with_the_check_report(
    path: Path, executed: dict[str, nbformat.NotebookNode]
) -> None:
    """Executed headless on a fresh environment, the notebook raises nothing and shows a report."""
    lab_id = _lab_id(path)
    book = executed[lab_id]
    last = book.cells[-1]
    html = "".join(out.get("data", {}).get("text/html", "") for out in last.outputs)
    assert "k2c-report" in html, f"{path}: the last cell does not render the check report"
    assert lab_id in html
    if lab_id == "cgroups":
        images = [
            out
            for cell in book.cells
            for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})
        ]
        assert images, f"{path}: no plot of memory usage against the limit"


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.docs
def test_the_site_shows_the_executed_notebooks(
    executed: dict[str, nbformat.NotebookNode], tmp_path: Path, site_builder: Callable[[Path], Path]
) -> None:
    """Built after CI executed them, the notebook pages show the report and the plot."""
    site = site_builder(tmp_path / "site")
    for lab_id in executed:
        html = (site / "labs" / lab_id / "notebook" / "index.html").read_text(encoding="utf-8")
        assert "k2c-report" in html, f"the {lab_id} notebook page shows no check report"
    cgroups = (site / "labs" / "cgroups" / "notebook" / "index.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in cgroups, "the cgroups notebook page shows no plot"
