"""The virtual-machines guide finds a process's memory cgroup on cgroup v1 and on cgroup v2.

Task 4 reads the kernel's OOM-kill counter in the system container's memory cgroup: in
memory.oom_control of the memory controller's own tree on cgroup v1, in memory.events of the
one tree on cgroup v2. This host is cgroup v1 (with an empty v2 tree at /sys/fs/cgroup/unified),
so the guide's own commands are run on real cgroup files here: on v1 as the lab container sees
them, and on v2 in a private mount namespace of the lab container where cgroup2 is mounted at
/sys/fs/cgroup, as on a pure cgroup v2 host. The process is a sleep placed in a child cgroup
of each tree, so a wrong pick reads another cgroup's file. Not run here: LXC itself on a pure
v2 host, and memory.events (this host's v2 tree has no memory controller).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator

import pytest

from checker import environments
from checker.manifest import load_course
from tests.conftest import REPO

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LAB = load_course(REPO).lab("virtual-machines")
NAME = "k2c-virtual-machines-cgroup-pick"
# A child memory cgroup of 16 MiB on v1, a process OOM-killed there, then a sleep left in it.
V1_SETUP = """
set -e
group=/sys/fs/cgroup/memory/k2c-pick
mkdir -p $group
echo 16M > $group/memory.limit_in_bytes
sh -c "echo \\$\\$ > $group/cgroup.procs; exec dd if=/dev/zero of=/dev/null bs=64M count=1" || true
sh -c "echo \\$\\$ > $group/cgroup.procs; exec sleep 600" >/dev/null 2>&1 &
sleep 0.5
echo $!
"""


def _guide_block() -> str:
    """The guide's task-4 commands that find the counter, for the process whose PID is $1."""
    text = LAB.guide_path.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    (block,) = [b for b in blocks if "grep '^oom_kill ' \"$dir/memory.events\"" in b]
    lines = block.splitlines()
    assert lines[1] == "pid=$(lxc-info -n sys1 -pH)", lines[:2]
    return "\n".join(["pid=$1", *lines[2:]]) + "\n"


def _exec(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "exec", NAME, "bash", "-c", script, "bash", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def lab_container() -> Iterator[str]:
    """A container of the lab's image, run as `lab start` runs it (privileged set, cgroupns)."""
    api = environments.client().api
    image = environments.build_image(LAB)
    environments.remove(NAME)
    container = api.create_container(
        image, name=NAME, detach=True, host_config=environments.host_config(LAB)
    )
    api.start(container)
    # lab-init makes the cgroup tree writable, then becomes tini: a command run before that
    # finds the tree read-only (seen in CI under load).
    deadline = time.monotonic() + 60
    while _exec("cat /proc/1/comm").stdout.strip() != "tini" and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        yield NAME
    finally:
        environments.remove(NAME)


def test_on_cgroup_v1_the_guide_reads_the_oom_kills_of_the_process_cgroup(lab_container) -> None:
    setup = _exec(V1_SETUP)
    assert setup.returncode == 0, setup.stderr
    pid = setup.stdout.split()[-1]
    assert _exec("stat -fc %T /sys/fs/cgroup").stdout.strip() == "tmpfs"  # v1 here
    found = _exec(_guide_block(), pid)
    assert found.returncode == 0, found.stderr
    # The child cgroup saw its OOM kill; the lab container's own cgroup (a wrong pick) did not.
    assert found.stdout.strip() == "oom_kill 1"
    root = _exec("grep '^oom_kill ' /sys/fs/cgroup/memory/memory.oom_control").stdout.strip()
    assert root == "oom_kill 0"


def test_on_cgroup_v2_the_guide_reads_memory_events_of_the_process_cgroup(lab_container) -> None:
    script = (
        "set -e\n"
        "unshare -m bash -c '\n"
        "  mount -t cgroup2 none /sys/fs/cgroup\n"
        "  stat -fc %T /sys/fs/cgroup; mkdir -p /sys/fs/cgroup/k2c-pick\n"
        "  sleep 600 >/dev/null 2>&1 & echo $! > /sys/fs/cgroup/k2c-pick/cgroup.procs\n"
        '  echo "pid $!"; bash -c "$0" guide "$!" 2>&1 || true\n'
        "  kill $!; wait $! 2>/dev/null; rmdir /sys/fs/cgroup/k2c-pick\n"
        '\' "$1"\n'
    )
    done = _exec(script, _guide_block())
    assert done.returncode == 0, done.stderr
    kind, pid_line, *answer = done.stdout.splitlines()
    assert kind == "cgroup2fs"  # the guide's question gets the pure v2 answer
    pid = pid_line.split()[1]
    # The guide picked the sleep's own cgroup from its "0::" line and asked for memory.events
    # there; this host's v2 tree has no memory controller, so the file is missing: that is the
    # one thing a pure v2 host adds.
    assert answer == ["grep: /sys/fs/cgroup/k2c-pick/memory.events: No such file or directory"], (
        pid,
        answer,
    )
