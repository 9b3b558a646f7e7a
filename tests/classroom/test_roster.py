"""Roster validation: line-numbered errors, and ids made safe before they reach anything."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from checker.classroom.model import Student
from checker.classroom.roster import RosterError, load_roster
from tests.classroom.conftest import write_roster


def test_csv_roster_gives_each_student_a_target(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "id_ed25519"
    key.parent.mkdir()
    key.write_text("not a real key")
    path = tmp_path / "class.csv"
    path.write_text(
        "id,name,email,target,key\n"
        "alice,Alice,alice@example.org,,\n"
        "bob,Bob,bob@example.org,ssh://bob@10.0.0.7,keys/id_ed25519\n"
        "\n"
        "carol,Carol,,docker://carols-box,\n",
        encoding="utf-8",
    )
    roster = load_roster(path)
    alice, bob, carol = roster.students
    assert alice.spec("namespaces") == "docker://k2c-namespaces-alice"
    assert alice.managed
    assert not bob.managed
    assert bob.spec("namespaces") == f"ssh://bob@10.0.0.7?ssh_identity_file={key}"
    assert carol.spec("namespaces") == "docker://carols-box"
    assert carol.line == 5


def test_yaml_roster_reads_both_forms(tmp_path: Path) -> None:
    listed = tmp_path / "a.yaml"
    listed.write_text("- id: alice\n  email: alice@example.org\n- {id: 42}\n")
    wrapped = tmp_path / "b.yml"
    wrapped.write_text("students:\n  - id: alice\n  - id: bob\n    target: docker://x\n")
    assert [s.id for s in load_roster(listed).students] == ["alice", "42"]
    assert load_roster(wrapped).students[1].target == "docker://x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,email\nAlice,a@example.org\n", r"class.csv:1: the header row needs an `id`"),
        ("id,emial\nalice,a@x\n", r"class.csv:1: unknown column 'emial'"),
        ("id,name\nalice,A\n,Nobody\n", r"class.csv:3: the student has no id"),
        (
            "id,name\nalice,A\nbob,B\nalice,A2\n",
            r"class.csv:4: id of 'alice' is the same as that "
            r"of 'alice' on line 2",
        ),
        ("id\nAlice\nalice\n", r"class.csv:3: safe name of 'alice' .* 'Alice' on line 2"),
        ("id,email\nalice,not-an-email\n", r"class.csv:2: 'not-an-email' is not an email"),
        ("id,target\nalice,ftp://x\n", r"class.csv:2: .*unknown scheme 'ftp'"),
        ("id,target\nalice,docker://-rm\n", r"class.csv:2: .*not a valid docker name"),
        ("id,target,key\nalice,docker://box,k\n", r"class.csv:2: a key only goes with an ssh"),
        ("id,target,key\nalice,ssh://a@h,missing\n", r"class.csv:2: ssh key 'missing' not found"),
        ("id,key\nalice,k\n", r"class.csv:2: a key is given but no ssh:// target"),
        ("id,name\nalice,A,extra\n", r"class.csv:2: more cells than header columns"),
        ("id\n", r"class.csv: the roster lists no student"),
        ('id\n"ev\x1bil"\n', r"class.csv:2: id .* has control characters"),
    ],
)
def test_bad_csv_rows_are_refused_with_their_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "class.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError, match=expected):
        load_roster(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- id: alice\n- name: Bob\n", r"r.yaml:2: the student has no id"),
        ("- id: alice\n-   id: bob\n    emial: b@x\n", r"r.yaml:3: unknown field 'emial'"),
        ("students: 3\n", r"r.yaml:1: expected a list"),
        ("- id: a\n  name: [unclosed\n", r"r.yaml:\d+: not valid YAML"),
        ("- alice\n", r"r.yaml:1: a student is a mapping"),
        ("- id: a\n  id: b\n", r"r.yaml:2: field 'id' is given twice"),
        ("- id: a\n  name: [A, B]\n", r"r.yaml:2: field 'name' is a list; every field is a single"),
        ("- id: a\n\n  name:\n    first: A\n", r"r.yaml:4: field 'name' is a mapping"),
        ("- id: &x a\n- id: *x\n", r"r.yaml:1: anchors and aliases \(& and \*\) are not allowed"),
        ("- id: a\n  ? [k]\n  : v\n", r"r.yaml:2: unknown field 'a list or mapping'"),
    ],
)
def test_bad_yaml_rows_are_refused_with_their_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError, match=expected):
        load_roster(path)


def _alias_bomb(levels: int) -> str:
    """The billion-laughs shape inside one known field: each level nine aliases of the last."""
    nested = ["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        nested.append(f"&l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "- id: bomb\n  name: [" + ", ".join(nested) + "]\n"


@pytest.mark.parametrize("levels", [2, 6])
def test_an_alias_bomb_is_refused_at_once_naming_its_line(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(_alias_bomb(levels), encoding="utf-8")  # 6 levels: 9**6 items if expanded
    assert path.stat().st_size < 600
    started = time.monotonic()
    with pytest.raises(RosterError, match=r"r.yaml:2: anchors and aliases"):
        load_roster(path)
    assert time.monotonic() - started < 1


def test_yaml_values_are_the_text_as_written(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "- {id: 007, lms_id: 0012345, section: 12:30}\n"
        "- id: yes\n  name: no\n  section: 1e3\n  lms_id: 0x1F\n"
        "- id: null\n  name: ~\n  section: 2026-12-01\n  lms_id: '0012'\n"
        "- id: 3.10\n  name: .inf\n  section:\n",
        encoding="utf-8",
    )
    students = load_roster(path).students
    assert [(s.id, s.name, s.section, s.lms_id) for s in students] == [
        ("007", "", "12:30", "0012345"),
        ("yes", "no", "1e3", "0x1F"),
        ("null", "~", "2026-12-01", "0012"),
        ("3.10", ".inf", "", ""),
    ]


@pytest.mark.parametrize(
    ("student_id", "slug"),
    [
        ("../../x", "x"),
        ("a;rm -rf /", "a-rm-rf"),
        ("$(reboot)", "reboot"),
        ("Ünïcode Name", "unicode-name"),
        ("...", "student"),
        ("x" * 100, "x" * 40),
    ],
)
def test_hostile_ids_get_a_safe_slug(student_id: str, slug: str) -> None:
    student = Student(student_id)
    assert student.slug == slug
    assert student.spec("namespaces") == f"docker://k2c-namespaces-{slug}"


def test_class_list_prints_ids_and_targets_as_json(
    tmp_path: Path, lab_main, cli, echo_course: Path
) -> None:
    roster = write_roster(
        tmp_path / "r.csv",
        [
            {"id": "a;rm -rf /", "name": "Mallory", "email": "", "target": ""},
            {"id": "bob", "name": "Bob", "email": "", "target": "ssh://bob@vm1"},
        ],
    )
    result = cli.invoke(lab_main, ["class", "list", "echo", "--roster", str(roster), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [(e["id"], e["target"]) for e in listed] == [
        ("a;rm -rf /", "docker://k2c-echo-a-rm-rf"),
        ("bob", "ssh://bob@vm1"),
    ]


def test_a_bad_roster_is_a_usage_error(tmp_path: Path, lab_main, cli, echo_course: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("id,email\nalice,nope\n")
    result = cli.invoke(lab_main, ["class", "list", "echo", "--roster", str(roster)])
    assert result.exit_code == 2
    assert "r.csv:2" in result.output


def test_ids_in_a_non_latin_script_are_different_students(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_text(
        "id,name\n张伟,Zhang Wei\n李娜,Li Na\n\u0393\u03b9\u03ce\u03c1\u03b3\u03bf\u03c2,\nJosé,\n",
        encoding="utf-8",
    )
    students = load_roster(path).students
    slugs = [s.slug for s in students]
    assert len(set(slugs)) == 4
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)
    assert slugs[3] == "jose"
    assert slugs == [s.slug for s in load_roster(path).students]  # the same every time
    assert len({s.spec("namespaces") for s in students}) == 4


@pytest.mark.parametrize(
    "text",
    [
        "id;name;email;lms_id\r\nalice;Alice, A.;a@example.org;007\r\nbob;Bob;;\r\n",
        "id\tname\temail\tlms_id\nalice\tAlice, A.\ta@example.org\t007\nbob\tBob\t\t\n",
        'id,name,email,lms_id\nalice,"Alice, A.",a@example.org,007\nbob,Bob,,\n',
    ],
    ids=["semicolons", "tabs", "commas"],
)
def test_a_csv_roster_may_separate_cells_with_semicolons_or_tabs(tmp_path: Path, text: str) -> None:
    path = tmp_path / "class.csv"
    path.write_text(text, encoding="utf-8-sig")  # as a spreadsheet saves it, BOM included
    alice, bob = load_roster(path).students
    assert (alice.id, alice.name, alice.email, alice.lms_id) == (
        "alice",
        "Alice, A.",
        "a@example.org",
        "007",
    )
    assert bob.id == "bob"


def test_a_header_without_id_says_what_it_read(tmp_path: Path) -> None:
    path = tmp_path / "class.csv"
    path.write_text("student|name\nalice|Alice\n", encoding="utf-8")
    with pytest.raises(RosterError, match=r"class.csv:1: .*semicolon or tab.*'student\|name'"):
        load_roster(path)
