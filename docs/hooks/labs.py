"""MkDocs hook: the lab pages, generated at build time from `labs/` (no copies in docs/).

Each lab in `labs/course.yaml` whose guide exists becomes the page `labs/<id>/README.md`, backed
by the real file, so relative links between guides work as they do on the forge and the edit
link opens the real guide. Around the guide's own text the hook adds what the manifest knows:
an "at a glance" box (summary, the table of tasks and points, the `lab` commands), each task's
points in its heading, a "done when" line from its checks' own docstrings and its hint as a
collapsible tip under the heading, and a closing "check your work" section. A guide links the
concept pages where they sit in the repository (`../../docs/concepts/...`); the hook points
those links at the pages' place on the site. A lab's
`notebook.ipynb` becomes the page beside it (rendered by mkdocs-jupyter), with its outputs and
plots when an executed copy of it is at hand: CI executes every notebook against the real engine
(tests/docs/test_notebooks.py) into `build/artifacts/notebooks/<lab>.ipynb`, and the hook shows
that copy when its code is the committed notebook's (the committed file keeps no outputs).
The navigation gets one group per course section, in the course's order, and
`<!-- labs-outline -->` in `docs/labs/index.md` becomes the outline of the course.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from checker.checktitles import check_titles
from checker.manifest import Lab, ManifestError, Section, load_course, load_lab

log = logging.getLogger("mkdocs.hooks.labs")

ROOT = Path(__file__).resolve().parents[2]
EXECUTED = ROOT / "build" / "artifacts" / "notebooks"  # executed copies, one per lab
SITE_NOTEBOOKS = ROOT / "build" / "site-notebooks"  # what the site renders, when executed
OUTLINE_PAGE = "labs/index.md"
OUTLINE_MARKER = "<!-- labs-outline -->"
_TASK_MARKER = re.compile(r"^<!--\s*task:\s*([a-z0-9-]+)\s*-->\s*$")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
# A guide's link to a site page as the forge resolves it: labs/<id>/ -> ../../docs/<page>.
_DOCS_LINK = re.compile(r"\]\(\.\./\.\./docs/")


@dataclass(frozen=True)
class CourseLabs:
    """The labs the site shows: the course's sections, with the labs whose guide exists."""

    sections: tuple[tuple[Section, tuple[Lab, ...]], ...]

    def labs(self) -> list[Lab]:
        """Every shown lab, in course order."""
        return [lab for _, labs in self.sections for lab in labs]


def load(root: Path = ROOT) -> CourseLabs:
    """Read the course with the checker's own loader; keep the labs that have a guide.

    A lab listed in the course but not written yet (no folder, no manifest or no guide) is left
    out and logged at info level, so the site builds while labs are being written. A manifest
    that exists but is invalid stops the build: the site never shows a broken lab.
    """
    try:
        course = load_course(root)
        sections, loaded = course.sections, {lab.id: lab for lab in course.labs}
    except ManifestError:
        # A lab is not there yet: read the outline alone, then every lab that is.
        outline = yaml.safe_load((root / "labs" / "course.yaml").read_text(encoding="utf-8"))
        sections = tuple(Section(s["title"], tuple(s["labs"])) for s in outline["sections"])
        loaded = {}
        for lab_id in (lab_id for section in sections for lab_id in section.lab_ids):
            if (root / "labs" / lab_id / "lab.yaml").is_file():
                loaded[lab_id] = load_lab(root / "labs" / lab_id)
    shown = []
    for section in sections:
        labs = []
        for lab_id in section.lab_ids:
            lab = loaded.get(lab_id)
            if lab is None or not lab.guide_path.is_file():
                log.info("lab %s is in the course but not written yet: no page for it", lab_id)
                continue
            labs.append(lab)
        shown.append((section, tuple(labs)))
    return CourseLabs(tuple(shown))


def guide_uri(lab: Lab) -> str:
    """The page of a lab's guide, where the file sits in the repository."""
    return f"labs/{lab.id}/README.md"


def notebook_path(lab: Lab) -> Path:
    """The lab's companion notebook (it may not exist)."""
    return lab.path / "notebook.ipynb"


def executed_notebook(lab: Lab, executed: Path = EXECUTED, out: Path = SITE_NOTEBOOKS) -> Path:
    """The notebook file the site renders for a lab: an executed copy when one matches.

    The executed copy (`executed/<lab>.ipynb`) ran on a container of its own, so its
    `parameters` cell names that container: the page shows the committed cell instead. Any other
    difference in a cell's source means the copy is stale: the committed notebook is used, and
    the page shows no outputs.
    """
    committed = notebook_path(lab)
    copy = executed / f"{lab.id}.ipynb"
    if not copy.is_file():
        return committed
    mine = json.loads(committed.read_text(encoding="utf-8"))
    theirs = json.loads(copy.read_text(encoding="utf-8"))
    cells, ran = mine.get("cells", []), theirs.get("cells", [])
    if len(cells) != len(ran):
        return committed
    for cell, done in zip(cells, ran, strict=True):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            done["source"] = cell["source"]
        elif _source(cell) != _source(done) or cell.get("cell_type") != done.get("cell_type"):
            log.info("%s is stale: the %s page shows no outputs", copy, lab.id)
            return committed
    target = out / "labs" / lab.id / "notebook.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(theirs), encoding="utf-8")
    return target


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def task_table(lab: Lab) -> str:
    """The Markdown table of the lab's visible tasks, linked to their sections."""
    rows = ["| # | Task | Id | Points |", "| ---: | --- | --- | ---: |"]
    visible = [task for task in lab.tasks if not task.hidden]
    for number, task in enumerate(visible, 1):
        rows.append(
            f"| {number} | [{_cell(task.title)}](#task-{task.id}) | `{task.id}` | {task.points} |"
        )
    rows.append(f"| | **Total** | | **{sum(task.points for task in visible)}** |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def at_a_glance(lab: Lab, course: CourseLabs) -> str:
    """The box under the guide's title: summary, level, tasks and points, how to start."""
    shown = {other.id for other in course.labs()}
    requires = ", ".join(
        f"[{other}](../{other}/README.md)" if other in shown else f"`{other}`"
        for other in lab.requires
    )
    facts = f"**Level:** {lab.level} · **Time:** about {lab.minutes} minutes"
    if requires:
        facts += f" · **Do first:** {requires}"
    commands = [
        (f"lab start {lab.id}", "build and start your environment"),
        (f"docker exec -it k2c-{lab.id} bash", "work in it"),
        (f"lab check {lab.id}", "what passes, what is missing, and a hint"),
        (f"lab check {lab.id} --watch", "re-check as you work, until all pass"),
        (f"lab hint {lab.id} [TASK]", "the hints alone"),
    ]
    width = max(len(command) for command, _ in commands)
    console = "\n".join(f"$ {command:<{width}}  # {why}" for command, why in commands)
    body = f"{lab.summary}\n\n{facts}\n\n{task_table(lab)}\n\n```console\n{console}\n```"
    if notebook_path(lab).is_file():
        body += "\n\nExplore it from Python too: [the lab's notebook](notebook.ipynb)."
    return f'!!! abstract "This lab at a glance"\n\n{_indent(body)}\n'


def check_your_work(lab: Lab) -> str:
    """The section closing every lab page: check, then tidy up."""
    return (
        "## Check your work\n\n"
        "Run the checks whenever you like: they read the live state of your environment and "
        "never change it.\n\n"
        f"```console\n$ lab check {lab.id}            # every task\n"
        f"$ lab check {lab.id} TASK       # one task, by its id\n"
        f"$ lab check {lab.id} --watch    # re-check as you work\n```\n\n"
        "Each task shows *passed*, or what the checks expected and found; the first failing "
        "task also shows its hint. "
        "When every task passes, remove the environment:\n\n"
        f"```console\n$ lab finish {lab.id}\n```\n"
    )


def _points(points: int) -> str:
    return f"{points} point" if points == 1 else f"{points} points"


def done_when(titles: list[str]) -> str:
    """The "done when" line of a task: what its checks verify, from their own docstrings."""
    if not titles:
        return ""
    if len(titles) == 1:
        return f"**Done when:** {titles[0]}"
    return "**Done when:**\n\n" + "\n".join(f"- {title}" for title in titles)


def render_guide(markdown: str, lab: Lab, course: CourseLabs) -> str:
    """Return the page of a lab: the guide's text with the generated parts around it.

    The glance box goes right after the `# ` title; each `<!-- task: id -->` heading shows the
    task's points and gets a stable anchor `#task-<id>`; under it come the "done when" line
    (the task's checks' docstrings) and the task's hint in a collapsed tip.
    """
    hints = {task.id: task for task in lab.tasks if not task.hidden}
    titles = check_titles(lab.checks_dir)
    lines = markdown.splitlines()
    out: list[str] = []
    pending: str | None = None  # the task whose `## ` heading comes next
    glance_done = False
    fence: str | None = None
    for line in lines:
        stripped = line.strip()
        if fence is not None:
            # A fence closes with a bare run of its own character, at least as long.
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            out.append(line)
            continue
        if opening := _FENCE.match(stripped):
            fence = opening.group(1)
            out.append(line)
            continue
        if marker := _TASK_MARKER.match(line):
            pending = marker.group(1)
            out.append(line)
            continue
        if line.startswith("## ") and pending is not None:
            if pending in hints:
                task = hints[pending]
                out.append(f"{line} · {_points(task.points)} {{ #task-{pending} }}")
                if done := done_when(titles.get(pending, [])):
                    out += ["", done]
                out += ["", '??? tip "Hint"', "", _indent(task.hint)]
            else:
                out.append(f"{line} {{ #task-{pending} }}")
            pending = None
            continue
        out.append(_DOCS_LINK.sub("](../../", line))
        if line.startswith("# ") and not glance_done:
            out += ["", at_a_glance(lab, course)]
            glance_done = True
    if not glance_done:
        out = [f"# {lab.title}", "", at_a_glance(lab, course), *out]
    return "\n".join(out).rstrip() + "\n\n" + check_your_work(lab)


def outline(course: CourseLabs) -> str:
    """The course outline: one table of labs per section."""
    parts = []
    for section, labs in course.sections:
        parts.append(f"## {section.title}\n")
        if not labs:
            parts.append("*Coming soon.*\n")
            continue
        rows = [
            "| Lab | What you do | Level | Time | Points |",
            "| --- | --- | --- | ---: | ---: |",
        ]
        for lab in labs:
            points = sum(task.points for task in lab.tasks if not task.hidden)
            rows.append(
                f"| [{_cell(lab.title)}]({lab.id}/README.md) | {_cell(lab.summary)} "
                f"| {lab.level} | {lab.minutes} min | {points} |"
            )
        parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


def _nav(course: CourseLabs) -> list[dict[str, Any]]:
    groups = []
    for section, labs in course.sections:
        entries: list[Any] = []
        for lab in labs:
            # "Namespaces: how containers isolate..." is "Namespaces" in the sidebar.
            name = lab.title.split(":")[0]
            entries.append({name: guide_uri(lab)})
            if notebook_path(lab).is_file():
                entries.append({f"{name}: notebook": f"labs/{lab.id}/notebook.ipynb"})
        if entries:
            groups.append({section.title: entries})
    return groups


def _extend_nav(nav: list[Any], groups: list[dict[str, Any]]) -> bool:
    """Append the lab groups to the nav list that holds `labs/index.md`; True when found."""
    if any(
        item == OUTLINE_PAGE or (isinstance(item, dict) and OUTLINE_PAGE in item.values())
        for item in nav
    ):
        nav.extend(groups)
        return True
    for item in nav:
        if isinstance(item, dict):
            for value in item.values():
                if isinstance(value, list) and _extend_nav(value, groups):
                    return True
    return False


# The state of one build, shared by the events below.
_course: CourseLabs | None = None


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Load the course and put its labs in the navigation."""
    global _course  # mkdocs hooks are module functions: module globals are their state
    _course = load()
    if config.nav is not None and not _extend_nav(config.nav, _nav(_course)):
        log.warning("mkdocs.yml: no nav entry %s: the labs are not in the navigation", OUTLINE_PAGE)
    return config


@event_priority(100)  # before mkdocs-jupyter wraps the .ipynb files it finds
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add each lab's guide, and notebook, as pages backed by the real files."""
    assert _course is not None
    for lab in _course.labs():
        pages = [(guide_uri(lab), lab.guide_path, ROOT)]
        if notebook_path(lab).is_file():
            source = executed_notebook(lab)
            # The committed notebook, or its executed copy laid out the same way under its root.
            root = ROOT if source == notebook_path(lab) else SITE_NOTEBOOKS
            pages.append((f"labs/{lab.id}/notebook.ipynb", source, root))
        for uri, path, root in pages:
            if not path.is_file():
                continue
            # Its source is the real file: the repository root is its "docs dir".
            file = File(
                uri,
                src_dir=str(root),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
            files.append(file)
    return files


def on_pre_page(page: Page, config: MkDocsConfig, files: Files) -> Page:
    """Point a lab page's edit link at the real file in labs/, not at docs/.

    Set on the page rather than on the file: mkdocs-jupyter wraps notebook files in a class of
    its own, which would hide an `edit_uri` set on ours.
    """
    assert _course is not None
    uris = {guide_uri(lab) for lab in _course.labs()}
    uris |= {f"labs/{lab.id}/notebook.ipynb" for lab in _course.labs()}
    if page.file.src_uri in uris and config.repo_url and config.edit_uri:
        # edit_uri ends in "docs/": climbing out of it reaches the repository root.
        page.edit_url = urljoin(
            config.repo_url.rstrip("/") + "/", f"{config.edit_uri}../{page.file.src_uri}"
        )
    return page


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Wrap a lab guide with its generated parts; fill the course outline."""
    assert _course is not None
    for lab in _course.labs():
        if page.file.src_uri == guide_uri(lab):
            return render_guide(markdown, lab, _course)
    if OUTLINE_MARKER in markdown:
        return markdown.replace(OUTLINE_MARKER, outline(_course))
    return markdown
