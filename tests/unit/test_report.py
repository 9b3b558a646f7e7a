"""Reports: JSON round trip, terminal and HTML rendering, safety of hostile text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rich.console import Console

from checker.exports.junit import junit_xml
from checker.report import CheckResult, Evidence, Report, TaskResult, clean_text

HOSTILE = "<script>alert(1)</script>\x1b[31m=cmd|' /C calc'!A0\x07 \udcff"


def sample(message: str = "expected 2 namespaces, found 1") -> Report:
    check = CheckResult(
        "test_x.py::test_a", "failed", message, 0.01, (Evidence("ls /proc", 0, "ab" * 32),)
    )
    return Report(
        lab="namespaces",
        target="docker://k2c-namespaces",
        lab_uuid="u",
        tasks=(
            TaskResult("uts", "Own hostname", "passed", 2, 2),
            TaskResult("pid", "PID 1", "failed", 0, 3, "Use unshare --pid --fork", False, (check,)),
        ),
    )


def test_the_json_form_round_trips_and_spells_out_the_score() -> None:
    report = sample()
    data = report.to_dict()
    assert (data["score"], data["max_score"]) == (2, 5)
    assert Report.from_dict(data) == report
    assert Report.from_dict(data).tasks[1].checks[0].evidence[0].rc == 0


def test_the_terminal_shows_each_failure_with_its_hint() -> None:
    console = Console(record=True, width=200)
    console.print(sample())
    text = console.export_text()
    assert "expected 2 namespaces, found 1" in text
    assert "hint: Use unshare --pid --fork" in text
    assert "score: 2/5" in text


def test_hostile_text_is_inert_in_terminal_html_and_junit() -> None:
    report = sample(clean_text(HOSTILE))
    console = Console(record=True, width=200, force_terminal=True)
    console.print(report)
    assert "\x1b[31m" not in console.export_text(styles=False)
    page = report._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    ET.fromstring(junit_xml([report]).split("?>", 1)[1])  # still well-formed XML


def test_clean_text_strips_escapes_controls_and_bounds_length() -> None:
    assert clean_text("a\x1b]0;title\x07b\x1b[2Jc\x00d") == "abcd"
    assert len(clean_text("x" * 10_000_000)) <= 2000
    assert clean_text("line\n\ttab") == "line\n\ttab"


def test_junit_is_well_formed_whatever_characters_the_learner_or_roster_used() -> None:
    forbidden = "\uffff\ufffe\x01\x1f\udcff"
    report = sample(f"found: red, bad{forbidden}")
    report = Report(
        lab=report.lab,
        target=f"docker://k2c{forbidden}",
        lab_uuid="u",
        tasks=report.tasks,
        gradable=False,
        error=f"gone{forbidden}",
    )
    for names in (None, [f"namespaces@id{forbidden}"]):
        document = junit_xml([report], names=names)
        root = ET.fromstring(document.encode("utf-8"))  # parsed as a file's bytes are
        suite = root.find("testsuite")
        assert suite is not None
        assert suite.get("name", "").endswith("\ufffd" * 5)
        failure = root.find(".//failure")
        assert failure is not None
        assert failure.get("message") == "found: red, bad" + "\ufffd" * 5
        assert root.find(".//property").get("value") == "gone" + "\ufffd" * 5
