"""Task diff: a container's writable layer, as `docker diff` shows it."""

import pytest

EXPECTED = {"A /srv/note.txt": "add /srv/note.txt", "D /etc/motd": "delete /etc/motd"}


@pytest.mark.task("diff")
def test_scribble_changed_its_writable_layer(engine):
    """Container scribble added /srv/note.txt and deleted /etc/motd in its writable layer."""
    result = engine.run("diff", "scribble")
    assert result.rc == 0, "No container named scribble exists (docker ps -a)."
    changes = set(result.stdout.splitlines())
    missing = [what for line, what in EXPECTED.items() if line not in changes]
    assert not missing, (
        f"`docker diff scribble` does not show the container's work: it should "
        f"{' and '.join(missing)}."
    )
