"""The concept pages cover the course's founding notes, and lab guides leave history to them."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Every term of the course's founding notes, as the site must name it somewhere in docs/concepts.
TERMS = (
    "PM", "VM", "hypervisor", "Hyper-V", "KVM", "IaaS", "PaaS", "SaaS", "LXC", "Docker",
    "namespaces", "cgroups", "Pivotal", "Cloud Foundry", "SDN", "SDDC", "OpenStack", "Kakao",
    "Krane", "5,000 virtual machines", "private cloud", "hybrid", "microservices", "REST",
    "Kubernetes", "density", "electricity",
)  # fmt: skip


@pytest.mark.parametrize("term", TERMS)
def test_the_concept_pages_name_every_term_of_the_notes(term: str) -> None:
    """Each term appears on at least one concept page."""
    text = "\n".join(
        page.read_text(encoding="utf-8") for page in (REPO / "docs" / "concepts").glob("*.md")
    )
    assert term in text, f"no concept page mentions {term!r}"


def test_lab_guides_reach_their_first_task_within_two_screens() -> None:
    """A guide's first task starts within 150 lines; its history lives in the concept pages."""
    for guide in sorted((REPO / "labs").glob("*/README.md")):
        lines = guide.read_text(encoding="utf-8").splitlines()
        first = next((n for n, line in enumerate(lines, 1) if line.startswith("<!-- task:")), None)
        assert first is not None, f"{guide}: no task"
        assert first <= 150, f"{guide}: the first task starts at line {first}"
    namespaces = (REPO / "labs" / "namespaces" / "README.md").read_text(encoding="utf-8")
    assert "../../docs/concepts/evolution.md" in namespaces
