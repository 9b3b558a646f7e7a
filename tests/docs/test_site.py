"""The course site: `mkdocs build --strict` passes, and the generated pages hold what they must."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path
from types import ModuleType

import click
import pytest
import yaml

from checker.cli import main
from checker.manifest import load_lab

FIXTURE_LAB = Path(__file__).resolve().parents[1] / "fixtures" / "course" / "labs" / "demo"

pytestmark = pytest.mark.docs


def _text(path: Path) -> str:
    """The page's text without tags, entities decoded, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))).split())


def test_each_lab_page_has_its_tasks_points_hints_and_edit_link(
    site: Path, labs_hook: ModuleType
) -> None:
    """Each lab with a guide has a page: task ids and points, hints, commands, real edit link."""
    course = labs_hook.load()
    assert course.labs(), "no lab of labs/course.yaml has a guide"
    for lab in course.labs():
        page = site / "labs" / lab.id / "index.html"
        html = page.read_text(encoding="utf-8")
        visible = [task for task in lab.tasks if not task.hidden]
        for task in visible:
            assert f'id="task-{task.id}"' in html, f"{page}: no anchor for task {task.id}"
            assert f"<code>{task.id}</code>" in html, f"{page}: task {task.id} not in the table"
        total = sum(task.points for task in visible)
        assert f"<strong>{total}</strong>" in html, f"{page}: no total of {total} points"
        assert html.count('<details class="tip">') >= len(visible), f"{page}: hints missing"
        assert f"lab check {lab.id}" in _text(page)
        assert f"/edit/main/labs/{lab.id}/README.md" in html, f"{page}: edit link not on README"


def test_navigation_follows_the_course_order(site: Path, labs_hook: ModuleType) -> None:
    """The sidebar lists the labs in labs/course.yaml's order."""
    html = (site / "labs" / "index.html").read_text(encoding="utf-8")
    order = [lab.id for lab in labs_hook.load().labs()]
    positions = [html.find(f'href="{lab_id}/"') for lab_id in order]
    assert -1 not in positions, f"labs/index.html does not link every lab: {order}"
    assert positions == sorted(positions), f"labs out of course order: {order}"


def test_the_cli_reference_documents_every_command(site: Path) -> None:
    """The reference page has each `lab` command's own help text."""
    text = _text(site / "reference" / "cli" / "index.html")
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        if command is not None and not command.hidden:
            assert f"Usage: lab {name}" in text, f"no reference for `lab {name}`"


def test_lab_notebooks_are_rendered_beside_their_guides(site: Path, labs_hook: ModuleType) -> None:
    """Each lab notebook becomes a page next to the lab's guide, editable at its real path."""
    for lab in labs_hook.load().labs():
        if labs_hook.notebook_path(lab).is_file():
            html = (site / "labs" / lab.id / "notebook" / "index.html").read_text(encoding="utf-8")
            assert f"/edit/main/labs/{lab.id}/notebook.ipynb" in html
            guide = (site / "labs" / lab.id / "index.html").read_text(encoding="utf-8")
            assert 'href="notebook/"' in guide, f"the {lab.id} guide does not link its notebook"


def test_render_guide_adds_glance_box_and_hints(labs_hook: ModuleType) -> None:
    """On the fixture lab: glance box below the title, hints of visible tasks only, anchors."""
    lab = load_lab(FIXTURE_LAB)
    course = labs_hook.CourseLabs(sections=())
    page = labs_hook.render_guide(lab.guide_path.read_text(encoding="utf-8"), lab, course)
    lines = page.splitlines()
    assert lines[0] == "# A demo lab"
    assert lines[2] == '!!! abstract "This lab at a glance"'
    assert "## Task 1: Write a greeting · 2 points { #task-greeting }" in lines
    assert "**Done when:** /srv/greeting exists and says hello." in lines
    assert "    Put the word hello in /srv/greeting." in lines
    assert "Hidden tasks are for graders." not in page
    assert "    | 1 | [Write a greeting](#task-greeting) | `greeting` | 2 |" in lines
    assert "    | | **Total** | | **5** |" in lines
    assert page.rstrip().endswith("$ lab finish demo\n```")


def test_render_guide_points_forge_links_to_concept_pages_at_the_site(
    labs_hook: ModuleType,
) -> None:
    """A guide's `../../docs/concepts/` link (right on the forge) reaches the page on the site."""
    lab = load_lab(FIXTURE_LAB)
    markdown = "# T\n\nSee [history](../../docs/concepts/evolution.md).\n"
    page = labs_hook.render_guide(markdown, lab, labs_hook.CourseLabs(sections=()))
    assert "See [history](../../concepts/evolution.md)." in page


def test_render_guide_leaves_fenced_code_alone(labs_hook: ModuleType) -> None:
    """A task marker or heading inside a code block is text, not structure."""
    lab = load_lab(FIXTURE_LAB)
    markdown = "# T\n\n````markdown\n<!-- task: greeting -->\n```\n## Task 1: x\n````\n"
    page = labs_hook.render_guide(markdown, lab, labs_hook.CourseLabs(sections=()))
    assert "## Task 1: x\n````" in page
    assert "#task-greeting }" not in page


def test_the_cli_reference_is_generated_from_click(cli_hook: ModuleType) -> None:
    """The reference walks the group: one section per command, with its usage line."""
    text = cli_hook.reference()
    assert text.startswith("## `lab` { #lab }")
    assert "## `lab check` { #lab-check }" in text
    assert "Usage: lab check [OPTIONS] LAB" in text


def test_the_cli_reference_fits_the_page(cli_hook: ModuleType) -> None:
    """No line of the generated help is wider than the page's code block (nothing clipped)."""
    wide = [line for line in cli_hook.reference().splitlines() if len(line) > cli_hook.WIDTH]
    assert not wide, f"lines wider than {cli_hook.WIDTH} columns: {wide[:3]}"


def test_getting_started_shows_the_real_clone_command() -> None:
    """The clone command names the repository mkdocs.yml publishes, not a placeholder."""
    repo = Path(__file__).resolve().parents[2]
    config = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    url = re.search(r"^repo_url: (\S+)$", config, re.MULTILINE)
    assert url, "mkdocs.yml has no repo_url"
    page = (repo / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert f"$ git clone {url.group(1)}.git" in page
    assert "<the course repository>" not in page


def test_labs_not_written_yet_are_left_out(tmp_path: Path, labs_hook: ModuleType) -> None:
    """A course lab without a folder, or without a guide yet, gets no page; the rest still do."""
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_LAB.parent.parent, root)
    shutil.copytree(root / "labs" / "demo", root / "labs" / "draft")
    manifest = root / "labs" / "draft" / "lab.yaml"
    manifest.write_text(manifest.read_text().replace("id: demo", "id: draft"))
    (root / "labs" / "draft" / "README.md").unlink()
    outline = {"title": "T", "sections": [{"title": "S", "labs": ["demo", "draft", "missing"]}]}
    (root / "labs" / "course.yaml").write_text(yaml.safe_dump(outline))
    course = labs_hook.load(root)
    assert [lab.id for lab in course.labs()] == ["demo"]
    assert course.sections[0][0].title == "S"


def test_the_site_uses_an_executed_notebook_only_when_its_code_is_current(
    tmp_path: Path, labs_hook: ModuleType
) -> None:
    """A matching executed copy is shown with the committed parameters cell; a stale one is not."""
    import json

    lab = load_lab(Path(__file__).resolve().parents[2] / "labs" / "namespaces")
    committed = labs_hook.notebook_path(lab)
    book = json.loads(committed.read_text(encoding="utf-8"))
    executed, out = tmp_path / "executed", tmp_path / "out"
    executed.mkdir()
    assert labs_hook.executed_notebook(lab, executed, out) == committed  # none yet
    for cell in book["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            cell["source"] = 'CONTAINER = "k2c-nbtest-namespaces"'
        elif cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran\n"}]
    (executed / "namespaces.ipynb").write_text(json.dumps(book))
    shown = labs_hook.executed_notebook(lab, executed, out)
    assert shown == out / "labs" / "namespaces" / "notebook.ipynb"
    text = shown.read_text(encoding="utf-8")
    assert '"ran\\n"' in text
    assert "k2c-nbtest" not in text
    book["cells"][-1]["source"] = "something else"
    (executed / "namespaces.ipynb").write_text(json.dumps(book))
    assert labs_hook.executed_notebook(lab, executed, out) == committed
