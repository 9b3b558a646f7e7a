"""Task boot-vm: a QEMU VM with the memory and vCPUs the lab names, running a kernel of its own."""

import pytest


@pytest.mark.task("boot-vm")
def test_the_vm_answers_with_the_memory_and_cpus_named(guest, params):
    """A QEMU VM answers over ssh and sees the memory and virtual CPUs it was given."""
    assert guest.reachable, guest.absence()
    want_mib, want_cpus = int(params["vm_memory_mib"]), int(params["vm_cpus"])
    mem_mib = int(guest.facts.get("mem_kib") or 0) / 1024
    cpus = int(guest.facts.get("cpus") or 0)
    assert cpus == want_cpus, (
        f"The guest sees {cpus} CPU(s) (QEMU's -smp is {guest.qemu.option('smp')!r}); "
        f"the task names {want_cpus} vCPUs"
    )
    # The guest's MemTotal is the VM's RAM minus what its kernel keeps for itself.
    assert want_mib - 64 < mem_mib <= want_mib, (
        f"The guest's MemTotal is {mem_mib:.0f} MiB (QEMU's -m is {guest.qemu.option('m')!r}); "
        f"the task names {want_mib} MiB"
    )


@pytest.mark.task("boot-vm")
def test_the_guest_runs_a_kernel_of_its_own(guest, host_facts):
    """The guest's kernel is another boot than the host's, started with QEMU's command line."""
    assert guest.reachable, guest.absence()
    facts = guest.facts
    # Every boot of a kernel draws a random boot id: a second kernel has another one.
    assert facts.get("boot_id"), "The guest has no /proc/sys/kernel/random/boot_id"
    assert facts["boot_id"] != host_facts.get("boot_id"), (
        f"The guest reports the host's own boot id ({facts.get('boot_id')}): whatever answers "
        "on the port is not a VM with a kernel of its own"
    )
    append = guest.qemu.option("append")
    assert append is not None, (
        f"QEMU (pid {guest.qemu.pid}) was given no kernel command line (-append): name the "
        "kernel and its command line so the guest's console goes to the serial port"
    )
    assert facts.get("cmdline") == append.strip(), (
        f"The guest's /proc/cmdline is {facts.get('cmdline')!r}, but QEMU (pid "
        f"{guest.qemu.pid}) passed {append!r}: boot QEMU's own -kernel with -append"
    )
    assert facts["cmdline"] != host_facts.get("cmdline"), (
        f"The guest's kernel command line equals the host's ({facts['cmdline']!r})"
    )
    print(
        f"guest kernel {facts.get('release')} ({facts['cmdline']}), "
        f"host kernel {host_facts.get('release')} ({host_facts.get('cmdline')})"
    )
