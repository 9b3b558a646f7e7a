"""Task vm-isolation: the guest has a hostname and a file the host does not."""

import shlex

import pytest


@pytest.mark.task("vm-isolation")
def test_the_guest_has_the_hostname_named(guest, host_facts, params):
    """The guest's hostname is the one the lab names, and the host's is another."""
    assert guest.reachable, guest.absence()
    want = params["vm_hostname"]
    assert guest.facts.get("hostname") == want, (
        f"The guest's hostname is {guest.facts.get('hostname')!r}, not {want!r}: set it inside "
        "the guest"
    )
    assert host_facts.get("hostname") != want, (
        f"The lab container is also called {want!r}: its hostname should stay its own"
    )


@pytest.mark.task("vm-isolation")
def test_a_file_exists_only_inside_the_guest(guest, examiner, params):
    """The file the lab names exists in the guest and not in the lab container."""
    assert guest.reachable, guest.absence()
    path = params["vm_file"]
    inside = guest.run(f"test -f {shlex.quote(path)}")
    assert inside.rc == 0, f"There is no file {path} inside the guest (ssh test -f said no)"
    assert not examiner.exists(path), (
        f"{path} exists in the lab container too: the task wants a file that only the guest "
        "has, written inside it"
    )
