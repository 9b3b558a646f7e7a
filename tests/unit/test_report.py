"""Reports: JSON round trip, terminal and HTML rendering, safety of hostile text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from rich.console import Console

from checker.errors import ErrorKind
from checker.exports.junit import junit_xml
from checker.report import (
    CheckOutcome,
    CheckResult,
    Evidence,
    Report,
    TaskResult,
    TaskStatus,
    clean_text,
)

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


def test_statuses_serialise_as_the_words_they_always_were() -> None:
    report = sample()
    data = json.loads(json.dumps(report.to_dict()))
    assert [task["status"] for task in data["tasks"]] == ["passed", "failed"]
    assert data["tasks"][1]["checks"][0]["outcome"] == "failed"
    assert (data["schema_version"], data["error_kind"]) == (2, "")
    assert data["tasks"][1]["checks"][0]["error_kind"] == ""
    again = Report.from_dict(data)
    assert again == report
    assert again.tasks[1].status is TaskStatus.FAILED
    assert again.tasks[1].checks[0].outcome is CheckOutcome.FAILED


def test_the_kind_of_an_unjudged_report_round_trips() -> None:
    report = replace(sample(), gradable=False, error="no answer", error_kind=ErrorKind.TIMEOUT)
    assert Report.from_dict(json.loads(json.dumps(report.to_dict()))).error_kind == "timeout"


def test_a_version_1_report_is_still_read() -> None:
    # As `lab check --json` wrote it before kinds: the error's type led its message.
    check = {"nodeid": "t::a", "outcome": "error", "message": "CommandTimeout: no answer",
             "duration": 1.0, "evidence": []}  # fmt: skip
    task = {"id": "a", "title": "A", "status": "error", "points": 0, "max_points": 1,
            "hint": "", "hidden": False, "checks": [check]}  # fmt: skip
    v1 = {"lab": "l", "target": "docker://s-runtime", "tasks": [task], "lab_uuid": "u",
          "gradable": True, "error": "", "schema_version": 1, "extra": {}}  # fmt: skip
    report = Report.from_dict(v1)
    assert (report.schema_version, report.error_kind) == (1, ErrorKind.NONE)
    assert report.tasks[0].checks[0].error_kind == ErrorKind.TIMEOUT
    gone = Report.from_dict(
        {**v1, "tasks": [], "gradable": False, "error": "TargetUnreachable: s-runtime is gone"}
    )
    assert gone.error_kind == ErrorKind.UNREACHABLE  # "time" in a name says nothing
    cut = Report.from_dict({**v1, "error": "interrupted before every check ran"})
    assert cut.error_kind == ErrorKind.INTERRUPTED
