"""Throwaway containers for the benchmarks, always removed, even on Ctrl-C."""

import atexit
import os
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from checker.environments import BASE_IMAGE

LABEL = f"k2c-bench={os.getpid()}"
_created: set[str] = set()


def start(names: Iterable[str], *, image: str = BASE_IMAGE, network: str = "none") -> list[str]:
    """Start idle containers (``sleep infinity``), a few at a time; return their names."""
    names = list(names)
    _created.update(names)

    def one(name: str) -> None:
        argv = ["docker", "run", "-d", "--name", name, "--label", LABEL, "--network", network]
        cmd = [] if image != BASE_IMAGE else ["sleep", "infinity"]
        subprocess.run([*argv, image, *cmd], check=True, capture_output=True)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, names))
    return names


def remove_all() -> None:
    """Remove every container this process started."""
    found = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label={LABEL}"],
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    for chunk in range(0, len(found), 50):
        subprocess.run(["docker", "rm", "-f", *found[chunk : chunk + 50]],
                       capture_output=True, check=False)  # fmt: skip
    _created.clear()


def ip_of(name: str) -> str:
    """The container's address on the default bridge network."""
    return subprocess.run(
        ["docker", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", name],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


atexit.register(remove_all)
