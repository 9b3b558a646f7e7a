"""Class exports: spreadsheet-safe CSVs, an inert HTML report, LMS and Gradescope formats."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.classroom.model import GradeRow
from checker.classroom.output import OutsideOutput, inside, write_outputs
from checker.exports.csvsafe import csv_text, safe_cell
from checker.exports.feedback import feedback_page
from checker.exports.gradescope import gradescope_results
from checker.exports.html_report import class_report_html
from checker.exports.lms import canvas_csv, gradebook_csv, moodle_csv
from checker.manifest import load_lab
from checker.report import clean_text
from tests.classroom.conftest import ECHO_COURSE, make_report

LAB = load_lab(ECHO_COURSE / "labs" / "echo")
HOSTILE = (
    "<script>alert('x')</script><img src=x onerror=alert(1)>\x1b[31mRED\x1b]0;title\x07"
    "\udcff\udcfe" + "A" * 10_000_000
)


def _row(student: str, status: str = "graded", message: str = "", **extra: object) -> GradeRow:
    report = make_report(message=clean_text(message), passed=("banner",) if not message else ())
    judged = status not in ("unreachable", "timeout", "error")
    score = report.score if status == "graded" else 0
    defaults: dict[str, object] = {
        "slug": student,
        "target": f"docker://k2c-echo-{student}",
        "status": status,
        "score": score,
        "max_score": 3,
        "report": report,
        "error": "" if judged else "container 'x' is exited",
    }
    return GradeRow(student=student, **{**defaults, **extra})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1", "|x", "%x"]
)
def test_formula_cells_are_neutralised(value: str) -> None:
    cell = safe_cell(value)
    assert isinstance(cell, str)
    assert cell.startswith("'")


def test_plain_values_stay_as_they_are() -> None:
    assert safe_cell("alice") == "alice"
    assert safe_cell(3) == 3
    assert safe_cell(None) == ""


def test_csv_parses_back_to_safe_text() -> None:
    text = csv_text(["name", "score"], [['=HYPERLINK("http://x")', 2], ['a\nb,"c"', 1]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ['\'=HYPERLINK("http://x")', "2"]
    assert rows[2] == ['a b,"c"', "1"]


def test_gradebook_csv_is_safe_with_hostile_output() -> None:
    rows = [
        _row(
            "mallory",
            message="=cmd|' /C calc'!A0\n" + HOSTILE,
            name="=cmd|' /C calc'!A0",
            hostname="@evil",
        )
    ]
    text = gradebook_csv(LAB, rows)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert len(text) < 10_000
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "@", "\t", "|")), cell


def test_html_report_escapes_everything_from_the_target() -> None:
    rows = [
        _row(
            "<b>mallory</b>",
            message=HOSTILE,
            name="<script>x</script>",
            hostname="<iframe>",
            flags=("hostname '<svg onload=alert(1)>' is also x's",),
        ),
        _row("bob", status="unreachable", target="docker://<script>"),
    ]
    page = class_report_html(LAB, rows, run="run 1")
    assert "<script" not in page.lower()
    assert "<iframe" not in page
    assert "<svg onload" not in page
    assert "<img" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;mallory&lt;/b&gt;" in page
    assert "\x1b" not in page
    assert "\x07" not in page
    assert "\udcff" not in page
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page
    assert len(page) < 100_000
    # Only our own tags: every tag name in the page is one the report itself writes.
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", page))
    assert tags <= {
        "a",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "h1",
        "h2",
        "p",
        "code",
        "svg",
        "line",
        "rect",
        "text",
        "table",
        "tr",
        "th",
        "td",
        "br",
        "span",
        "ul",
        "li",
        "b",
        "pre",
    }


def test_html_report_shows_distribution_matrix_and_unreachable() -> None:
    rows = [_row("alice"), _row("bob", message="nope"), _row("carol", status="timeout")]
    page = class_report_html(LAB, rows)
    assert "<svg" in page
    assert "2 students scored" not in page
    assert "1 students scored 2" in page
    assert "1 students scored 0" in page
    assert "Not graded (1)" in page
    assert "carol" in page
    assert "motto (hidden)" in page


def test_gradescope_results_hide_hidden_tasks_until_published() -> None:
    result = gradescope_results(_row("alice"))
    assert (result["score"], result["max_score"]) == (2, 3)
    assert {t["number"]: t["visibility"] for t in result["tests"]} == {
        "banner": "visible",
        "motto": "after_published",
    }
    assert {t["number"]: t["status"] for t in result["tests"]} == {
        "banner": "passed",
        "motto": "failed",
    }
    assert set(result) >= {"score", "max_score", "output", "tests"}
    for test in result["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}


def test_an_unreachable_target_scores_nothing_and_says_why() -> None:
    result = gradescope_results(_row("bob", status="unreachable"))
    assert result["score"] == 0
    assert "could not be graded" in result["output"]
    assert all(t["status"] == "failed" for t in result["tests"])


def test_lms_csvs_leave_ungraded_cells_empty() -> None:
    rows = [
        _row("alice", email="a@example.org", lms_id="1001", section="S1"),
        _row("bob", status="unreachable", email="b@example.org"),
    ]
    moodle = list(csv.reader(io.StringIO(moodle_csv(LAB, rows))))
    assert moodle[0][:4] == ["ID number", "Email address", "Full name", LAB.title]
    assert moodle[1][:4] == ["alice", "a@example.org", "", "2"]
    assert moodle[2][3] == ""
    canvas = list(csv.reader(io.StringIO(canvas_csv(LAB, rows))))
    assert canvas[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        f"{LAB.title} (echo)",
    ]
    assert canvas[1][0] == "Points Possible"
    assert canvas[1][5] == "3"
    assert canvas[2] == ["alice", "1001", "alice", "a@example.org", "S1", "2"]
    assert canvas[3][5] == ""


def test_outputs_stay_inside_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    rows = [_row("x", slug="x"), _row("a;rm -rf /", slug="a-rm-rf")]
    written = write_outputs(out, LAB, rows, run="run 1")
    assert all(out.resolve() in path.parents for path in written)
    assert sorted(p.name for p in (out / "results").iterdir()) == [
        "a-rm-rf.html",
        "a-rm-rf.json",
        "x.html",
        "x.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    suites = ET.fromstring((out / "junit.xml").read_text()).findall("testsuite")
    assert [s.get("name") for s in suites] == ["echo@x", "echo@a;rm -rf /"]
    with pytest.raises(OutsideOutput):
        write_outputs(out, LAB, [_row("evil", slug="../../evil")])
    for parts in (("..", "x"), ("/etc/passwd",), ("results", "..", "..", "y")):
        with pytest.raises(OutsideOutput):
            inside(out, *parts)


def test_junit_of_a_grade_is_well_formed_with_ids_xml_forbids(tmp_path: Path) -> None:
    rows = [_row("li\uffff", slug="li", message="found: bad\ufffe"), _row("bo", slug="bo")]
    write_outputs(tmp_path, LAB, rows, run="run 1")
    suites = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["echo@li\ufffd", "echo@bo"]
    failure = suites[0].find(".//failure")
    assert failure is not None
    assert failure.get("message") == "found: bad\ufffd"


def _imported(text: str, key: str) -> dict[str, dict[str, str]]:
    """Read an import file as an LMS does: RFC 4180 CSV, rows keyed by an identifier column."""
    return {row[key]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def test_lms_imports_match_identifiers_exactly_and_keep_free_text_safe() -> None:
    ids = ["--help", "=1+1", "@alice", "+33", "li\u00e8vre"]
    rows = [
        _row(sid, email=f"{sid}@example.org", lms_id=f"-{n}", name=f"=HYPERLINK({n})")
        for n, sid in enumerate(ids)
    ]
    moodle = _imported(moodle_csv(LAB, rows), "ID number")
    assert list(moodle) == ids
    assert [r["Email address"] for r in moodle.values()] == [f"{s}@example.org" for s in ids]
    assert {r["Full name"][0] for r in moodle.values()} == {"'"}  # text, not a formula
    assert moodle["--help"][LAB.title] == "2"
    canvas = _imported(canvas_csv(LAB, rows), "SIS User ID")
    assert list(canvas) == ["", *ids]  # the "Points Possible" row, then every student
    assert [canvas[s]["ID"] for s in ids] == [f"-{n}" for n in range(len(ids))]
    assert canvas["=1+1"]["SIS Login ID"] == "=1+1@example.org"
    assert canvas["--help"]["Student"] == "'=HYPERLINK(0)"
    assert canvas["--help"][f"{LAB.title} (echo)"] == "2"


def test_a_feedback_page_holds_only_its_students_results() -> None:
    """Own score, messages and hints of visible tasks; no classmate, no flag, no hidden detail."""
    alice = _row(
        "alice",
        message="/srv/banner says bye",
        name="Alice A.",
        flags=("hostname shared with bob",),
        nonce_owner="bob",
    )
    page = feedback_page(LAB, alice, run="run 1")
    assert "alice" in page
    assert "Alice A." in page
    assert "Score: <b>0/3</b>" in page
    assert "/srv/banner says bye" in page
    assert "hint: a hint" in page
    assert "Write the banner <code>banner</code>" in page
    assert "bob" not in page
    assert "Write the motto" not in page  # hidden: counted, not described
    assert "1 hidden task" in page


def test_a_mismatched_feedback_page_does_not_say_whose_environment_it_was() -> None:
    """The grader's error names the nonce's owner; the student's page never copies it."""
    row = _row(
        "copycat",
        status="mismatch",
        error="this environment is not the learner's: it carries the nonce seeded for 'victim'",
    )
    page = feedback_page(LAB, row)
    assert "victim" not in page
    assert "could not be confirmed as yours" in page


def test_a_feedback_page_is_inert() -> None:
    """Hostile check output is escaped, cut and free of control characters; scripts forbidden."""
    page = feedback_page(LAB, _row("eve", message=HOSTILE))
    assert "<script" not in page.lower()
    assert "<img" not in page
    assert "\x1b" not in page
    assert "default-src 'none'" in page
    assert len(page) < 20_000


def test_the_class_report_links_each_feedback_page() -> None:
    """Every student's row links results/<slug>.html, the slug quoted for the URL."""
    rows = [_row("alice"), _row("a;rm -rf /", slug="a-rm-rf")]
    page = class_report_html(LAB, rows)
    assert "<a href='results/alice.html'>alice</a>" in page
    assert "<a href='results/a-rm-rf.html'>a;rm -rf /</a>" in page


def test_the_gradebook_csv_names_the_nonce_status_column_for_what_it_holds() -> None:
    rows = [
        _row("ada", nonce="a" * 32, nonce_status="verified"),
        _row("bob", nonce="b" * 32, nonce_status="mismatch", nonce_owner="ada"),
    ]
    read = {row["student"]: row for row in _imported(gradebook_csv(LAB, rows), "student").values()}
    assert {student: row["nonce_status"] for student, row in read.items()} == {
        "ada": "verified",
        "bob": "mismatch",
    }
    assert "nonce" not in read["ada"]  # no column says "nonce" and holds something else
