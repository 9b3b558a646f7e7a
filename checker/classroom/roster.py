"""The roster: who is in the class and where each learner's environment is.

A CSV file (a header row, then one row per student) or a YAML file (a list of mappings, or a
mapping with a `students` list). Every value is text exactly as written: YAML's types (`007` as
7, `yes` as true), anchors and aliases are not used. Fields: `id` (required), `name`, `email`,
`section`, `lms_id` (the learner's id in the LMS, for the Canvas export), `target` (a spec such
as `ssh://user@host` or `docker://NAME`; empty: the container `lab class up` makes) and `key`
(an ssh private key for an ssh target, relative to the roster's folder).

Student ids are the instructor's data but may hold anything (`../../x`, `a;rm -rf /`): they are
never put in a path or a shell line as they are; everything on disk and in Docker uses `slug`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from checker.classroom.model import Roster, Student
from checker.errors import TargetError, UsageError
from checker.spec import parse_spec

FIELDS = ("id", "name", "email", "section", "lms_id", "target", "key")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# Printable text only: a control character in an id would reach terminals and file listings.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
ID_LIMIT = 128


class RosterError(UsageError):
    """The roster is unreadable or a row is invalid; the message names file and line."""


def load_roster(path: Path) -> Roster:
    """Read and validate a roster (CSV, or YAML when the name ends in .yaml/.yml).

    Raises:
        RosterError: unreadable file, unknown column, bad or duplicate id, bad email, bad target,
            missing key; the message says `FILE:LINE: what is wrong`.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often write a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read the roster: {exc}") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(path, text)
    else:
        rows = _csv_rows(path, text)
    students = [_student(path, line, row) for line, row in rows]
    if not students:
        raise RosterError(f"{path}: the roster lists no student")
    _refuse_duplicates(path, students)
    return Roster(path=path.resolve(), students=tuple(students))


def _csv_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = _delimiter(first)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "id" not in header:
        raise RosterError(
            f"{path}:1: the header row needs an `id` column (columns: {', '.join(FIELDS)}; "
            f"cells separated by a comma, semicolon or tab); it reads {first[:80]!r}"
        )
    unknown = [name for name in header if name not in FIELDS]
    if unknown:
        raise RosterError(f"{path}:1: unknown column {unknown[0]!r} (known: {', '.join(FIELDS)})")
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise RosterError(f"{path}:{reader.line_num}: more cells than header columns")
        if any((value or "").strip() for value in row.values()):
            rows.append((reader.line_num, row))
    return rows


def _delimiter(header: str) -> str:
    """The cell separator of a CSV roster, told from its header row.

    Spreadsheets save CSV with commas, or with semicolons where the comma is the decimal mark
    (most of Europe), or tabs: the one the header row uses most is the one.

    >>> _delimiter("id;name;email"), _delimiter("id,name"), _delimiter("id")
    (';', ',', ',')
    """
    counts = {separator: header.count(separator) for separator in (",", ";", "\t")}
    best = max(counts, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _yaml_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    """Read a YAML roster as text exactly as written: no alias, no type, no nesting.

    Values are taken from the parsed nodes, never constructed: `007`, `yes`, `12:30` and
    `0012345` stay those characters (YAML 1.1 would make them 7, True, 750 and 5349). Anchors
    and aliases are refused before anything is built from them (a 500-byte alias bomb expands
    to gigabytes), and so is any field that is not a single value.
    """
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else 1
                raise RosterError(
                    f"{path}:{line}: anchors and aliases (& and *) are not allowed in a roster"
                )
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise RosterError(f"{path}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if isinstance(node, yaml.MappingNode):
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if keys != ["students"]:
            raise RosterError(f"{path}:1: expected a list of students or `students: [...]`")
        node = node.value[0][1]
    if not isinstance(node, yaml.SequenceNode):
        raise RosterError(f"{path}:1: expected a list of students or `students: [...]`")
    return [_yaml_student(path, item) for item in node.value]


def _yaml_student(path: Path, item: yaml.Node) -> tuple[int, dict[str, Any]]:
    """One student's fields, each the text written in the roster."""
    line = item.start_mark.line + 1
    if not isinstance(item, yaml.MappingNode):
        raise RosterError(f"{path}:{line}: a student is a mapping with at least an `id`")
    row: dict[str, Any] = {}
    for key, value in item.value:
        where = f"{path}:{key.start_mark.line + 1}"
        if not isinstance(key, yaml.ScalarNode) or key.value not in FIELDS:
            shown = key.value if isinstance(key, yaml.ScalarNode) else "a list or mapping"
            raise RosterError(f"{where}: unknown field {shown!r} (known: {', '.join(FIELDS)})")
        if key.value in row:
            raise RosterError(f"{where}: field {key.value!r} is given twice")
        if not isinstance(value, yaml.ScalarNode):
            kind = "a list" if isinstance(value, yaml.SequenceNode) else "a mapping"
            raise RosterError(
                f"{path}:{value.start_mark.line + 1}: field {key.value!r} is {kind}; "
                "every field is a single value"
            )
        row[key.value] = value.value
    return line, row


def _student(path: Path, line: int, row: dict[str, Any]) -> Student:
    where = f"{path}:{line}"
    values = {key: str(row.get(key) or "").strip() for key in FIELDS}
    student_id = values["id"]
    if not student_id:
        raise RosterError(f"{where}: the student has no id")
    if _CONTROL.search(student_id) or len(student_id) > ID_LIMIT:
        raise RosterError(
            f"{where}: id {student_id[:40]!r} has control characters or is longer than {ID_LIMIT}"
        )
    for key in ("name", "email", "section", "lms_id", "target", "key"):
        if _CONTROL.search(values[key]):
            raise RosterError(f"{where}: field {key} has control characters")
    if values["email"] and not _EMAIL.match(values["email"]):
        raise RosterError(f"{where}: {values['email']!r} is not an email address")
    target = _target(where, path, values["target"], values["key"])
    return Student(
        id=student_id,
        name=values["name"],
        email=values["email"],
        section=values["section"],
        lms_id=values["lms_id"],
        target=target,
        line=line,
    )


def _target(where: str, path: Path, spec: str, key: str) -> str:
    """Validate the target; fold an ssh key into the spec as testinfra's ssh_identity_file."""
    if not spec:
        if key:
            raise RosterError(f"{where}: a key is given but no ssh:// target")
        return ""
    try:
        parsed = parse_spec(spec)
    except TargetError as exc:
        raise RosterError(f"{where}: {exc}") from None
    if not key:
        return spec
    if parsed.scheme != "ssh":
        raise RosterError(f"{where}: a key only goes with an ssh:// target, not {spec!r}")
    key_path = (path.parent / key).resolve()
    if not key_path.is_file():
        raise RosterError(f"{where}: ssh key {key!r} not found (looked at {key_path})")
    separator = "&" if "?" in spec else "?"
    return f"{spec}{separator}ssh_identity_file={quote(str(key_path), safe='/')}"


def _refuse_duplicates(path: Path, students: list[Student]) -> None:
    """Ids must differ, and so must their slugs: two learners must never share a container."""
    seen: dict[str, Student] = {}
    for student in students:
        for key in (f"id:{student.id}", f"slug:{student.slug}"):
            if key in seen:
                first = seen[key]
                what = "id" if key.startswith("id:") else "safe name"
                raise RosterError(
                    f"{path}:{student.line}: {what} of {student.id!r} is the same as that of "
                    f"{first.id!r} on line {first.line} ({student.slug!r})"
                )
            seen[key] = student
