"""The gradebook keeps every finished row, resumes the rest, and never duplicates a row."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from checker.classroom import identity
from checker.classroom.gradebook import Gradebook
from checker.classroom.grader import verify_nonce
from checker.classroom.model import Outcome, Probe, Student
from checker.classroom.uniqueness import flag_collisions
from tests.classroom.conftest import make_report


def _outcome(student: str, status: str = "graded", **probe: str) -> Outcome:
    spec = f"docker://k2c-echo-{student}"
    return Outcome(
        Student(student, email=f"{student}@example.org"),
        spec,
        status,
        make_report(target=spec),
        Probe(spec, "ok", **probe),
    )


def test_rows_are_committed_as_they_come_and_never_duplicated(tmp_path: Path) -> None:
    path = tmp_path / "gradebook.sqlite"
    book = Gradebook(path)
    run = book.start_run("echo", "u", "testinfra", "class.csv")
    assert book.record(run, _outcome("alice"))
    # Another connection sees the row at once: a killed grader loses nothing it recorded.
    seen = sqlite3.connect(path).execute("SELECT student, score FROM grades").fetchall()
    assert seen == [("alice", 2)]
    assert not book.record(run, _outcome("alice"))
    book.record(run, _outcome("bob", "timeout"))
    book.close()

    book = Gradebook(path)  # what `--resume` does
    assert book.last_run("echo") == run
    assert book.graded(run, "echo") == {"alice", "bob"}
    book.record(run, _outcome("carol"))
    rows = book.rows(run, "echo")
    assert [(r.student, r.status, r.score) for r in rows] == [
        ("alice", "graded", 2),
        ("bob", "timeout", 0),
        ("carol", "graded", 2),
    ]
    assert rows[0].report.tasks[0].checks[0].evidence[0].command == "cat /srv/banner"
    count, distinct = (
        sqlite3.connect(path)
        .execute("SELECT count(*), count(DISTINCT student) FROM grades")
        .fetchone()
    )
    assert count == distinct == 3
    assert book.start_run("echo", "u", "testinfra", "class.csv") == run + 1


def test_seeded_nonces_are_fresh_and_kept_private(tmp_path: Path) -> None:
    first, second = identity.seed("alice", "echo"), identity.seed("bob", "echo")
    assert first.nonce != second.nonce
    assert first.environment == {"K2C_NONCE": first.nonce}
    assert first.labels[identity.STUDENT_LABEL] == "alice"
    path = identity.state_path(tmp_path / "class.csv", "echo")
    state = identity.load_state(path, "echo")
    state.nonces.update({"alice": first.nonce, "bob": second.nonce})
    identity.save_state(path, state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.load_state(path, "echo").owner(second.nonce) == "bob"


def test_nonce_verification() -> None:
    nonce_a, nonce_b = "a" * 32, "b" * 32
    state = identity.ClassState("echo", {"alice": nonce_a, "bob": nonce_b})
    alice, bob, vm = Student("alice"), Student("bob"), Student("vm-user", target="ssh://h")

    def found(nonce: str = "") -> Probe:
        return Probe("s", "ok", nonce=nonce, identified=True)

    assert verify_nonce(alice, found(nonce_a), state) == ("verified", "")
    assert verify_nonce(bob, found(nonce_a), state) == ("mismatch", "alice")
    assert verify_nonce(bob, found(), state) == ("mismatch", "")
    assert verify_nonce(vm, found(), state) == ("unverified", "")
    assert verify_nonce(vm, found(nonce_b), state) == ("mismatch", "bob")
    assert verify_nonce(bob, Probe("s", "timeout"), state) == ("unverified", "")


def test_parse_environ_accepts_only_a_well_formed_nonce() -> None:
    good = "0123456789abcdef" * 2
    assert identity.parse_environ(b"A=1\0K2C_NONCE=" + good.encode() + b"\0") == good
    assert identity.parse_environ(b"K2C_NONCE=<script>\0") == ""
    assert identity.parse_environ(b"\xff\xfe garbage") == ""


def test_values_that_must_differ_are_flagged(tmp_path: Path) -> None:
    book = Gradebook(tmp_path / "g.sqlite")
    run = book.start_run("echo", "u", "testinfra", "r")
    book.record(run, _outcome("alice", nonce="a" * 32, hostname="h1"))
    book.record(run, _outcome("bob", nonce="a" * 32, hostname="h2", host_keys="k" * 64))
    book.record(run, _outcome("carol", nonce="c" * 32, hostname="h3", host_keys="k" * 64))
    book.record(run, _outcome("dave", "unreachable"))
    flags = {row.student: row.flags for row in flag_collisions(book.rows(run, "echo"))}
    assert flags["alice"] == ("nonce 'aaaaaaaaaaaa...' is also bob's",)
    assert flags["bob"] == (
        "ssh host keys 'kkkkkkkkkkkk...' is also carol's",
        "nonce 'aaaaaaaaaaaa...' is also alice's",
    )
    assert flags["dave"] == ()
