"""Each lab guide's text exists once: in labs/<id>/README.md, nowhere else in the repository."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Shorter blocks ("Check your work:", a one-line command) may repeat innocently.
MIN_LENGTH = 80
TEXT_SUFFIXES = {".md", ".py", ".ipynb", ".yaml", ".yml", ".txt", ".html", ".sh", ".cfg", ".toml"}
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def prose_blocks(markdown: str) -> list[str]:
    """The guide's paragraphs and list blocks, code blocks left out, whitespace collapsed."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines():
        opening = _FENCE.match(line)
        if fence is not None:
            fence = None if opening and opening.group(1) == fence else fence
            continue
        if opening:
            fence = opening.group(1)
        if opening or not line.strip():
            blocks.append(" ".join(" ".join(current).split()))
            current = []
            continue
        current.append(line)
    blocks.append(" ".join(" ".join(current).split()))
    return [block for block in blocks if len(block) >= MIN_LENGTH]


def repository_texts() -> dict[Path, str]:
    """Every text file of the checkout (tracked or not, ignored ones left out), normalised."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    texts = {}
    for name in sorted(set(filter(None, listing.split("\0")))):
        path = REPO / name
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".ipynb":
            cells = json.loads(text).get("cells", [])
            text = "\n\n".join("".join(cell.get("source", "")) for cell in cells)
        texts[path] = " ".join(text.split())
    return texts


def test_prose_blocks_skip_code_and_short_lines() -> None:
    """Code blocks and short lines are not guide text worth guarding."""
    long = "A paragraph long enough to count as guide text, " * 2
    markdown = f"# Title\n\n{long}\n\n```bash\n{long}\n```\n\nShort.\n"
    assert prose_blocks(markdown) == [" ".join(long.split())]


def test_no_guide_text_exists_twice() -> None:
    """No paragraph of a lab guide appears in any other file (docs pages, notebooks, code)."""
    texts = repository_texts()
    guides = sorted(REPO.glob("labs/*/README.md"))
    assert guides, "no lab guide found"
    copies = []
    for guide in guides:
        for block in prose_blocks(guide.read_text(encoding="utf-8")):
            for path, text in texts.items():
                if path != guide and block in text:
                    copies.append(
                        f"{path.relative_to(REPO)} repeats {guide.relative_to(REPO)}: "
                        f"{block[:70]}..."
                    )
    assert not copies, "guide text exists twice:\n" + "\n".join(copies)
