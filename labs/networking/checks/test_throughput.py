"""Task throughput: two iperf3 servers run, and the recorded numbers match a fresh measurement.

The numbers file is the one file this lab grades, so it is believed only when it agrees with
the check's own quick measurement against the learner's servers. Two shared cores make any
measurement noisy: a factor of 5 either way is plausible, a number made up without measuring
rarely is.
"""

import json
import re

import pytest

FILE = "/root/throughput.txt"
FACTOR = 5.0
_LINE = re.compile(r"^\s*(bridge_gbps|host_gbps)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$")


def _recorded(text: str) -> dict[str, float]:
    """Return the numbers of the file, by key; lines that do not parse are ignored."""
    return {m[1]: float(m[2]) for m in map(_LINE.match, text.splitlines()) if m}


def _measure(host, address: str, port: int) -> tuple[float, str]:
    """Run a 1-second iperf3 test from the machine; return (Gbit/s, "") or (0, the error)."""
    out = host.run(f"timeout 6 iperf3 -c {address} -p {port} -t 1 -J --connect-timeout 1000")
    try:
        report = json.loads(out.stdout)
    except ValueError:
        report = None
    if not isinstance(report, dict):
        return 0.0, (out.stderr.strip() or f"iperf3 exited {out.rc}")[:200]
    try:
        return report["end"]["sum_received"]["bits_per_second"] / 1e9, ""
    except (KeyError, TypeError):
        return 0.0, str(report.get("error", "iperf3 gave no result"))[:200]


@pytest.mark.task("throughput")
def test_iperf3_servers_run_on_the_bridge_and_on_the_host_network(engine):
    """`iperf-bridge` runs on the default bridge, `iperf-host` in the host network mode."""
    assert engine.running("iperf-bridge").address("bridge"), (
        "Container `iperf-bridge` has no address on the default bridge: run it without --network."
    )
    mode = engine.running("iperf-host").mode
    assert mode == "host", f"Container `iperf-host` uses network mode {mode!r}, not host."


@pytest.mark.task("throughput")
def test_recorded_numbers_match_a_fresh_measurement(host, engine):
    """Both recorded numbers lie within a factor of 5 of what the check measures now."""
    text = host.run(f"cat {FILE}")
    assert text.rc == 0, f"{FILE} does not exist: record your measurements there."
    numbers = _recorded(text.stdout)
    for key in ("bridge_gbps", "host_gbps"):
        assert numbers.get(key, 0) > 0, (
            f"{FILE} has no line `{key}=<Gbit/s>` with a positive number (like `{key}=12.3`)."
        )
    servers = {
        "bridge_gbps": (engine.running("iperf-bridge").address("bridge"), 5201),
        "host_gbps": ("127.0.0.1", 5202),
    }
    for key, (address, port) in servers.items():
        assert address, "Container `iperf-bridge` has no address on the default bridge."
        measured, error = _measure(host, address, port)
        assert measured > 0, f"The check's own iperf3 run to {address}:{port} failed: {error}"
        low, high = measured / FACTOR, measured * FACTOR
        assert low <= numbers[key] <= high, (
            f"{key}={numbers[key]:g} in {FILE}, but the check measures {measured:.1f} Gbit/s "
            f"now: anything from {low:.1f} to {high:.1f} would be plausible. Measure again."
        )
