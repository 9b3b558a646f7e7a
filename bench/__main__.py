"""Run the benchmarks side by side and print their tables (``python -m bench``).

The last line reads ``ratios: check=X check_cold=C class_serial=Y class_xdist=Z ssh=W watch=V``,
each the old time over the new one (check: with the resident checker, check_cold: without; for
watch: one plain `lab check` run over one watch cycle); `--only` runs some of them, and the line
then names only those.
"""

import argparse
import signal
import sys

from bench import check, containers, grade, ssh, watch
from checker.environments import ensure_base_image

BENCHMARKS = ("check", "class", "ssh", "watch")


def main(argv: list[str] | None = None) -> None:
    """Parse options, run the benchmarks, print the tables and the ratios line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=100, help="targets in benchmark 2")
    parser.add_argument("--baseline-size", type=int, default=None,
                        help="run benchmark 2's testinfra baselines on fewer targets and scale "
                             "them (they are linear); default: the whole class")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant in benchmark 1")
    parser.add_argument("--ssh-calls", type=int, default=300, help="commands per ssh method")
    parser.add_argument("--watch-cycles", type=int, default=50, help="cycles in benchmark 4")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated subset of {','.join(BENCHMARKS)}")  # fmt: skip
    options = parser.parse_args(argv)
    chosen = [name.strip() for name in options.only.split(",") if name.strip()]
    if not chosen or set(chosen) - set(BENCHMARKS):
        parser.error(f"--only takes names among {', '.join(BENCHMARKS)}")
    # A Ctrl-C or a CI timeout must still remove the containers (atexit in bench.containers).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    # A fresh machine has no base image yet: pulled, or bootstrapped offline, before any timing.
    ensure_base_image(lambda message: print(f"base image: {message}", flush=True))
    ratios: list[str] = []
    try:
        if "check" in chosen:
            checked = check.measure(options.repeat)
            print(check.report(checked), flush=True)
            ratios += [f"check={checked.ratio:.1f}", f"check_cold={checked.cold_ratio:.1f}"]
        if "class" in chosen:
            size = options.class_size
            graded = grade.measure(size, options.baseline_size or size)
            containers.remove_all()
            print("\n" + grade.report(graded), flush=True)
            ratios += [f"class_serial={graded.serial_ratio:.1f}",
                       f"class_xdist={graded.xdist_ratio:.1f}"]  # fmt: skip
        if "ssh" in chosen:
            remote = ssh.measure(options.ssh_calls)
            print("\n" + ssh.report(remote), flush=True)
            ratios.append(f"ssh={remote.ratio:.1f}")
        if "watch" in chosen:
            watched = watch.measure(options.watch_cycles, options.repeat)
            print("\n" + watch.report(watched), flush=True)
            ratios.append(f"watch={watched.ratio:.1f}")
    finally:
        containers.remove_all()
    print("\nratios: " + " ".join(ratios))


if __name__ == "__main__":
    main()
