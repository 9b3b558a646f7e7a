"""Task measure: the learner's start times and memory figures, against the check's own."""

import csv
import io

import pytest

KINDS = ("vm", "system-container", "app-container")


def read_figures(examiner, path):
    """Parse the learner's CSV: {kind: (start_seconds, memory_mib)}; fail saying what is wrong."""
    __tracebackhide__ = True
    text = examiner.read(path)
    assert text is not None, f"There is no {path} in the lab container"
    figures = {}
    for row in csv.DictReader(io.StringIO(text)):
        try:
            figures[row["kind"].strip()] = (
                float(row["start_seconds"]),
                float(row["memory_mib"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    missing = [kind for kind in KINDS if kind not in figures]
    assert not missing, (
        f"{path} has no usable row for {', '.join(missing)}: it needs the header "
        "kind,start_seconds,memory_mib and one row per kind (numbers only)"
    )
    return figures


def close(theirs, ours, factor, slack):
    """Within `factor` either way, or within `slack` of each other."""
    if abs(theirs - ours) <= slack:
        return True
    return ours > 0 and theirs > 0 and 1 / factor <= theirs / ours <= factor


@pytest.mark.task("measure")
@pytest.mark.parametrize("kind", KINDS)
def test_the_figures_match_the_checks_own_measurement(kind, examiner, params, probe):
    """The learner's start time and memory of one kind agree with the check's own measurement."""
    path = params["measurements"]
    start, memory = read_figures(examiner, path)[kind]
    factor, slack = float(params["start_factor"]), float(params["start_slack_seconds"])
    taken = probe(kind)
    assert not isinstance(taken, str), taken
    if not any(close(start, ours, factor, slack) for ours, _ in taken):
        taken = probe(kind, again=True)  # ours may come from a busy moment: once more
        assert not isinstance(taken, str), taken
    ours = " and ".join(f"{seconds:.2f} s" for seconds, _ in taken)
    assert any(close(start, seconds, factor, slack) for seconds, _ in taken), (
        f"{path} says the {kind} started in {start:g} s; the check measured {ours} "
        f"(accepted: within a factor of {factor:g} or {slack:g} s)"
    )
    factor, slack = float(params["memory_factor"]), float(params["memory_slack_mib"])
    ours = " and ".join(f"{mib:.1f} MiB" for _, mib in taken)
    assert any(close(memory, mib, factor, slack) for _, mib in taken), (
        f"{path} says the {kind} uses {memory:g} MiB; the check measured {ours} "
        f"of resident memory (accepted: within a factor of {factor:g} or {slack:g} MiB)"
    )
