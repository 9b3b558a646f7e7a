"""Run the three benchmarks side by side and print their tables (``python -m bench``).

The last line reads ``ratios: check=X class_serial=Y class_xdist=Z ssh=W``, each the old time
over the engine's.
"""

import argparse
import signal
import sys

from bench import check, containers, grade, ssh
from checker.environments import ensure_base_image


def main(argv: list[str] | None = None) -> None:
    """Parse options, run the benchmarks, print the tables and the ratios line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=100, help="targets in benchmark 2")
    parser.add_argument("--baseline-size", type=int, default=None,
                        help="run benchmark 2's testinfra baselines on fewer targets and scale "
                             "them (they are linear); default: the whole class")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant in benchmark 1")
    parser.add_argument("--ssh-calls", type=int, default=300, help="commands per ssh method")
    options = parser.parse_args(argv)
    # A Ctrl-C or a CI timeout must still remove the containers (atexit in bench.containers).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    # A fresh machine has no base image yet: pulled, or bootstrapped offline, before any timing.
    ensure_base_image(lambda message: print(f"base image: {message}", flush=True))
    try:
        checked = check.measure(options.repeat)
        print(check.report(checked), flush=True)
        graded = grade.measure(options.class_size, options.baseline_size or options.class_size)
        containers.remove_all()
        print("\n" + grade.report(graded), flush=True)
        remote = ssh.measure(options.ssh_calls)
        print("\n" + ssh.report(remote), flush=True)
    finally:
        containers.remove_all()
    print(
        f"\nratios: check={checked.ratio:.1f} class_serial={graded.serial_ratio:.1f} "
        f"class_xdist={graded.xdist_ratio:.1f} ssh={remote.ratio:.1f}"
    )


if __name__ == "__main__":
    main()
