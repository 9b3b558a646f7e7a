"""MkDocs hook: the reference of the `lab` command, generated from the command itself.

`<!-- cli-reference -->` in a page becomes one section per command of the click group
`checker.cli:main` (nested groups included), each with the command's own `--help` text, so the
reference can never drift from the tool.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from checker.cli import main

MARKER = "<!-- cli-reference -->"
# A fixed width: the page must not depend on the terminal that builds the site, and every line
# must fit the page's code block without a scroll bar (72 columns do at the theme's widths).
WIDTH = 72


def walk(
    command: click.Command, name: str, parent: click.Context | None = None
) -> Iterator[tuple[str, click.Command, click.Context]]:
    """Yield (full name, command, context) for a command and all its subcommands, in order."""
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    yield ctx.command_path, command, ctx
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, sub_name, ctx)


def reference(command: click.Command = main, name: str = "lab") -> str:
    """Return the Markdown reference of a click command tree."""
    parts = []
    for path, cmd, ctx in walk(command, name):
        anchor = path.replace(" ", "-")
        parts.append(f"## `{path}` {{ #{anchor} }}\n\n```text\n{cmd.get_help(ctx)}\n```\n")
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Replace the marker with the generated reference."""
    if MARKER in markdown:
        return markdown.replace(MARKER, reference())
    return markdown
