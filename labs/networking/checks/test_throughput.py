"""Task throughput: two iperf3 servers run, and the recorded numbers are real measurements.

The numbers file is the one file this lab grades, so it is believed only against live state:
each number must be one that the learner's own iperf3 server logged, and it must be plausible
next to the check's own quick measurement. Two shared cores make any measurement noisy (we saw
a factor of 17 between a busy and a quiet minute), so "plausible" is generous: it still catches
Mbit/s written as Gbit/s (a factor of 1000) and tests throttled with `-b`. The server's log is
what tells a measurement from a made-up number.
"""

import json
import re

import pytest

FILE = "/root/throughput.txt"
FACTOR = 50.0
# Key in the file -> the container whose iperf3 server measured it.
SERVERS = {"bridge_gbps": "iperf-bridge", "host_gbps": "iperf-host"}
_LINE = re.compile(r"^\s*(bridge_gbps|host_gbps)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$")
# A test's summary in the server's log: "[  5]   0.00-2.00   sec  4.05 GBytes  17.4 Gbits/sec
# receiver". The client's `receiver` line shows the very same figure.
_SUMMARY = re.compile(r"sec\s+\S+ \S+\s+([0-9.]+) ([KMGT]?)bits/sec\s+receiver\s*$")
_UNIT = {"": 1e-9, "K": 1e-6, "M": 1e-3, "G": 1.0, "T": 1e3}


def _recorded(examiner) -> dict[str, float]:
    """Return the learner's numbers by key; fail the check when one is missing."""
    __tracebackhide__ = True
    text = examiner.read(FILE)
    assert text is not None, f"{FILE} does not exist: record your measurements there."
    numbers = {m[1]: float(m[2]) for m in map(_LINE.match, text.splitlines()) if m}
    for key in SERVERS:
        assert numbers.get(key, 0) > 0, (
            f"{FILE} has no line `{key}=<Gbit/s>` with a positive number (like `{key}=12.3`)."
        )
    return numbers


def _logged(examiner, container: str) -> list[float]:
    """Return the results (Gbit/s) that the iperf3 server in `container` logged."""
    out = examiner.docker("logs", "--tail", "2000", container)
    return [float(m[1]) * _UNIT[m[2]] for m in map(_SUMMARY.search, out.stdout.splitlines()) if m]


def _measure(examiner, address: str, port: int) -> tuple[float, str]:
    """Run a 1-second iperf3 test from the machine; return (Gbit/s, "") or (0, the error)."""
    out = examiner.net(f"timeout 6 iperf3 -c {address} -p {port} -t 1 -J --connect-timeout 1000")
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
def test_recorded_numbers_are_results_the_servers_logged(examiner, engine):
    """Each recorded number is, within rounding, a result its iperf3 server logged."""
    numbers = _recorded(examiner)
    for key, container in SERVERS.items():
        engine.running(container)
        logged = _logged(examiner, container)
        close = [g for g in logged if abs(g - numbers[key]) <= 0.05 * g + 0.01]
        seen = ", ".join(f"{g:.3g}" for g in logged[-5:]) or "no test yet"
        assert close, (
            f"{key}={numbers[key]:g} in {FILE}, but the server `{container}` never measured "
            f"that (its last results, in Gbit/s: {seen}). Record the `receiver` bitrate of a "
            "test against that server."
        )


@pytest.mark.task("throughput")
def test_recorded_numbers_are_plausible_next_to_a_fresh_measurement(examiner, engine):
    """Both numbers lie within a factor of 50 of what the check measures now, in 1 s."""
    numbers = _recorded(examiner)
    targets = {
        "bridge_gbps": (engine.running("iperf-bridge").address("bridge"), 5201),
        "host_gbps": ("127.0.0.1", 5202),
    }
    for key, (address, port) in targets.items():
        assert address, "Container `iperf-bridge` has no address on the default bridge."
        measured, error = _measure(examiner, address, port)
        assert measured > 0, f"The check's own iperf3 test of {address}:{port} failed: {error}"
        low, high = measured / FACTOR, measured * FACTOR
        assert low <= numbers[key] <= high, (
            f"{key}={numbers[key]:g} in {FILE}, but the check measures {measured:.1f} Gbit/s "
            f"now: anything from {low:.2f} to {high:.0f} would be plausible. Measure again."
        )
