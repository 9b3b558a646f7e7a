"""The classroom on the real engine: a class of 34, a killed run resumed, hostile learners."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from checker import environments
from checker.classroom import grader
from checker.classroom.fleet import class_down
from checker.classroom.identity import CLASS_LABEL, STUDENT_LABEL
from checker.manifest import Lab, load_lab
from checker.solve import apply_steps
from checker.spec import parse_spec
from tests.classroom.conftest import ECHO_COURSE, write_roster

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[2]
# Replace the container's shells by a script that never answers: `docker exec ... sh` hangs,
# as it does when a learner's machine is wedged.
HANG = (
    "cp /bin/dash /bin/realsh && printf '#!/bin/realsh\\nexec sleep infinity\\n' > /hang "
    "&& chmod +x /hang && cp /hang /bin/bash && rm /bin/sh && cp /hang /bin/sh"
)
FORMULA = ("=", "+", "@", "\t", "\r", "|", "%")


def _exec(name: str, script: str) -> None:
    subprocess.run(["docker", "exec", name, "sh", "-c", script], check=True, timeout=60)


@pytest.fixture
def down_after() -> Iterator[list[Lab]]:
    """Remove the class containers of every lab the test brought up, whatever happens."""
    labs: list[Lab] = []
    yield labs
    for lab in labs:
        class_down(lab)


def _rows(out: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return {
            student: (status, score)
            for student, status, score in db.execute("SELECT student, status, score FROM grades")
        }


def _still_grading() -> bool:
    """True while a pytest session of the echo course's grading still runs."""
    return subprocess.run(["pgrep", "-f", "k2c-echo-kr-"], capture_output=True).returncode == 0


def test_a_class_of_34_is_graded_and_broken_targets_are_not_failed(
    tmp_path: Path, lab_main, cli, monkeypatch: pytest.MonkeyPatch, down_after: list[Lab]
) -> None:
    monkeypatch.setenv("K2C_ROOT", str(REPO))
    lab = load_lab(REPO / "labs" / "namespaces")
    down_after.append(lab)
    ids = [f"ns-{number:02d}" for number in range(1, 35)]
    roster = write_roster(
        tmp_path / "class.csv",
        [{"id": i, "name": i.upper(), "email": f"{i}@example.org", "target": ""} for i in ids],
    )
    result = cli.invoke(lab_main, ["class", "up", "namespaces", "--roster", str(roster), "-j", "6"])
    assert result.exit_code == 0, result.output
    half = list(lab.tasks[: len(lab.tasks) // 2])
    expected = {i: lab.max_score for i in ids[:10]}
    expected |= {i: sum(t.points for t in half) for i in ids[10:20]}
    expected |= {i: 0 for i in ids[20:30]}
    with ThreadPoolExecutor(6) as pool:
        solving = [
            pool.submit(apply_steps, lab, parse_spec(f"docker://k2c-namespaces-{i}"), tasks)
            for i, tasks in [*((i, None) for i in ids[:10]), *((i, half) for i in ids[10:20])]
        ]
        for future in solving:
            future.result()
    for student in ids[30:33]:
        subprocess.run(
            ["docker", "stop", "-t", "0", f"k2c-namespaces-{student}"],
            check=True,
            capture_output=True,
        )
    _exec(f"k2c-namespaces-{ids[33]}", HANG)

    out = tmp_path / "out"
    started = time.monotonic()
    result = cli.invoke(
        lab_main,
        [
            "grade",
            "namespaces",
            "--roster",
            str(roster),
            "--out",
            str(out),
            "--jobs",
            "4",
            "--timeout",
            "20",
        ],
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 3, result.output  # finished, some targets not gradable
    rows = _rows(out)
    assert len(rows) == 34
    assert {i: rows[i] for i in ids[:30]} == {i: ("graded", expected[i]) for i in ids[:30]}
    assert {rows[i][0] for i in ids[30:33]} == {"unreachable"}
    # A wedged /bin/sh no longer stops lab grade: the examiner never uses the learner's shell,
    # so this unsolved environment is graded from outside (the echo class below still proves
    # that a target whose checks hang is recorded as timed out).
    assert rows[ids[33]] == ("graded", 0)
    assert elapsed < 180
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        statuses = {
            s for (s,) in db.execute("SELECT nonce_status FROM grades WHERE status = 'graded'")
        }
        report = json.loads(
            db.execute("SELECT report FROM grades WHERE student = ?", (ids[0],)).fetchone()[0]
        )
    assert statuses == {"verified"}
    assert report["extra"]["trust"] == "examined"
    evidence = [e for t in report["tasks"] for c in t["checks"] for e in c["evidence"]]
    assert evidence
    assert all(len(e["sha256"]) == 64 for e in evidence)
    for name in (
        "gradebook.csv",
        "gradebook.json",
        "report.html",
        "junit.xml",
        "moodle.csv",
        "canvas.csv",
    ):
        assert (out / name).is_file(), name
    assert len(list((out / "results").glob("*.json"))) == 34
    page = (out / "report.html").read_text()
    assert "Not graded (3)" in page
    exported = json.loads((out / "gradebook.json").read_text())
    trust = {row["student"]: row["trust"] for row in exported["grades"]}
    assert {trust[i] for i in ids[:30]} | {trust[ids[33]]} == {"examined"}
    assert {trust[i] for i in ids[30:33]} == {""}  # not graded: no verdict to trust
    header = next(csv.reader(io.StringIO((out / "gradebook.csv").read_text())))
    assert "trust" in header


def test_a_killed_run_keeps_its_rows_and_resume_grades_the_rest(
    tmp_path: Path, lab_main, cli, echo_course: Path, down_after: list[Lab]
) -> None:
    lab = load_lab(ECHO_COURSE / "labs" / "echo")
    down_after.append(lab)
    ids = [f"kr-{number:02d}" for number in range(1, 13)]
    roster = write_roster(
        tmp_path / "class.csv", [{"id": i, "name": "", "email": "", "target": ""} for i in ids]
    )
    assert (
        cli.invoke(lab_main, ["class", "up", "echo", "--roster", str(roster), "-j", "6"]).exit_code
        == 0
    )
    for student in ids[::2]:
        apply_steps(lab, parse_spec(f"docker://k2c-echo-{student}"))
    out = tmp_path / "out"
    argv = [
        sys.executable,
        "-c",
        "from checker.cli import main; main()",
        "grade",
        "echo",
        "--roster",
        str(roster),
        "--out",
        str(out),
        "--engine",
        "testinfra",
        "--jobs",
        "1",
    ]
    proc = subprocess.Popen(
        argv,
        env={**os.environ, "K2C_ROOT": str(ECHO_COURSE)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if (out / "gradebook.sqlite").exists() and len(_rows(out)) >= 3:
                break
        except sqlite3.OperationalError:
            pass  # the grader is creating its tables
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = _rows(out)
    assert 3 <= len(kept) < len(ids)
    # Its pytest session died with it (PR_SET_PDEATHSIG): nothing grades for no one. A killed
    # process is gone once the kernel runs it again: a moment, longer on a busy machine.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _still_grading():
        time.sleep(0.2)
    assert not _still_grading()

    result = cli.invoke(
        lab_main,
        [
            "grade",
            "echo",
            "--roster",
            str(roster),
            "--out",
            str(out),
            "--engine",
            "testinfra",
            "--resume",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert {i: rows[i] for i in kept} == kept  # finished rows were not graded again
    assert rows == {i: ("graded", 3 if n % 2 == 0 else 0) for n, i in enumerate(ids)}
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        assert db.execute(
            "SELECT count(*), count(DISTINCT student), count(DISTINCT run_id) FROM grades"
        ).fetchone() == (len(ids), len(ids), 1)
        assert db.execute("SELECT finished IS NOT NULL FROM runs").fetchall() == [(1,)]


def test_hostile_learners_leave_reports_inert_csvs_safe_and_the_terminal_clean(
    tmp_path: Path, lab_main, cli, echo_course: Path, down_after: list[Lab]
) -> None:
    lab = load_lab(ECHO_COURSE / "labs" / "echo")
    down_after.append(lab)
    hostile_name = "<img src=x onerror=alert(1)>"
    roster = write_roster(
        tmp_path / "class.csv",
        [
            {"id": "../../evil", "name": hostile_name, "email": "", "target": ""},
            {"id": "a;rm -rf /", "name": '=HYPERLINK("http://x","y")', "email": "", "target": ""},
            {"id": "stall", "name": "", "email": "", "target": ""},
            {"id": "host", "name": "", "email": "", "target": "docker://k2c-echo-hostname"},
            # Pointing the grader at a classmate's environment: its nonce is the classmate's.
            {"id": "copycat", "name": "", "email": "", "target": "docker://k2c-echo-evil"},
        ],
    )
    assert cli.invoke(lab_main, ["class", "up", "echo", "--roster", str(roster)]).exit_code == 0
    environments.client().containers.run(
        environments.image_tag(lab),
        name="k2c-echo-hostname",
        detach=True,
        hostname="=cmd|' /C calc'!A0",
        labels={CLASS_LABEL: lab.id, STUDENT_LABEL: "host"},
    )
    names = {
        c.labels[STUDENT_LABEL]: c.name
        for c in environments.client().containers.list(
            ignore_removed=True, filters={"label": f"{CLASS_LABEL}=echo"}
        )
    }
    assert names == {
        "../../evil": "k2c-echo-evil",
        "a;rm -rf /": "k2c-echo-a-rm-rf",
        "stall": "k2c-echo-stall",
        "host": "k2c-echo-hostname",
    }
    # What hostile output looks like: markup, a formula, ANSI escapes and terminal titles,
    # invalid UTF-8, and 10 MB of it.
    _exec(
        "k2c-echo-evil",
        "printf '=cmd|'\\'' /C calc'\\''!A0 <script>alert(1)</script>"
        "\\033[2J\\033]0;pwned\\007\\377\\376' > /srv/banner"
        " && head -c 10000000 /dev/zero | tr '\\0' '<' > /srv/motto",
    )
    _exec("k2c-echo-a-rm-rf", "printf '@SUM(1+1)*cmd|x\\n\\033[31m</td></table>' > /srv/banner")
    _exec("k2c-echo-stall", "mkfifo /srv/banner")  # reading it blocks: the check hangs
    before = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}

    out = tmp_path / "out"
    result = cli.invoke(
        lab_main, ["grade", "echo", "--roster", str(roster), "--out", str(out), "--timeout", "30"]
    )
    assert result.exit_code == 3, result.output
    assert _rows(out) == {
        "../../evil": ("graded", 0),
        "a;rm -rf /": ("graded", 0),
        "stall": ("timeout", 0),
        "host": ("graded", 0),
        "copycat": ("mismatch", 0),
    }
    terminal = result.output
    assert not any(ch in terminal for ch in ("\x1b", "\x07", "\ufffd", "\udcff"))
    assert len(terminal) < 5000

    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<img" not in page
    assert "</table>" in page  # ours, once
    assert page.count("</table>") == 1
    assert "\x1b" not in page
    assert "&lt;script&gt;" in page
    assert len(page) < 200_000

    for name in ("gradebook.csv", "moodle.csv", "canvas.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert "\x1b" not in text
        assert len(text) < 100_000
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.lstrip(" ").startswith(FORMULA), (name, cell)
    gradebook = (out / "gradebook.csv").read_text(encoding="utf-8")
    assert "'=cmd|" in gradebook  # the learner's formula, neutralised
    assert "=cmd|' /C calc'!A0" in gradebook  # the hostile hostname is recorded, as text
    assert sorted(p.name for p in (out / "results").iterdir()) == [
        "a-rm-rf.html",
        "a-rm-rf.json",
        "copycat.html",
        "copycat.json",
        "evil.html",
        "evil.json",
        "host.html",
        "host.json",
        "stall.html",
        "stall.json",
    ]
    assert "graded environment belongs to ../../evil" in gradebook
    for path in (out / "results").glob("*.json"):
        assert json.loads(path.read_text())["max_score"] == 3
    # Each feedback page is safe to hand out: no other student's id or name, and the copycat's
    # page does not say whose environment it pointed at.
    names = {
        "evil": ("../../evil", hostile_name),
        "a-rm-rf": ("a;rm -rf /", '=HYPERLINK("http://x","y")'),
        "stall": ("stall",),
        "copycat": ("copycat",),
    }
    for slug in ("evil", "a-rm-rf", "stall", "copycat", "host"):
        feedback = (out / "results" / f"{slug}.html").read_text(encoding="utf-8")
        for other, words in names.items():
            if other != slug:
                for word in words:
                    assert html.escape(word) not in feedback, (slug, word)
                    assert word not in feedback, (slug, word)
        assert "<script" not in feedback.lower()
        assert f"<a href='results/{slug}.html'>" in page
    assert "evil" not in (out / "results" / "copycat.html").read_text(encoding="utf-8")
    assert "could not be confirmed as yours" in (out / "results" / "copycat.html").read_text()
    after = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    assert {p.parts[0] for p in after - before} == {"out"}


def test_class_down_removes_a_class_in_parallel_and_says_how_far_it_is() -> None:
    """Every labelled environment goes; progress counts k/n as each one is removed."""
    import dataclasses

    lab = dataclasses.replace(load_lab(ECHO_COURSE / "labs" / "echo"), id=f"down{os.getpid()}")
    names = [f"k2c-{lab.id}-{n}" for n in range(6)]
    client = environments.client()
    try:
        for name in names:
            client.containers.run(
                environments.BASE_IMAGE,
                ["sleep", "infinity"],
                name=name,
                detach=True,
                network_mode="none",
                labels={CLASS_LABEL: lab.id, STUDENT_LABEL: name},
            )
        lines: list[str] = []
        assert class_down(lab, progress=lines.append) == 6
        assert sorted(lines) == sorted(f"removed {n} ({k}/6)" for k, n in enumerate(names, 1))
        assert not client.containers.list(
            ignore_removed=True, all=True, filters={"label": f"{CLASS_LABEL}={lab.id}"}
        )
    finally:
        for name in names:
            environments.remove(name)


def test_targets_whose_names_say_time_are_unreachable_when_gone_not_timed_out(
    tmp_path: Path,
    lab_main,
    cli,
    echo_course: Path,
    down_after: list[Lab],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lab = load_lab(ECHO_COURSE / "labs" / "echo")
    down_after.append(lab)
    config = tmp_path / "ssh_config"
    config.write_text("Host runtime-host\n  HostName 127.0.0.1\n  Port 1\n")  # refuses
    roster = write_roster(
        tmp_path / "class.csv",
        [
            {"id": "s-runtime", "name": "", "email": "", "target": ""},
            {"id": "s-downtime", "name": "", "email": "", "target": ""},
            {"id": "s-uptime", "name": "", "email": "", "target": ""},
            {"id": "ssh-user", "name": "", "email": "", "target": "ssh://runtime@127.0.0.1:1"},
            {
                "id": "ssh-host",
                "name": "",
                "email": "",
                "target": f"ssh://learner@runtime-host?ssh_config={config}",
            },
        ],
    )
    assert cli.invoke(lab_main, ["class", "up", "echo", "--roster", str(roster)]).exit_code == 0
    # s-runtime is stopped before grading; s-downtime while it is graded, right after the
    # grader saw it running from outside and before its checks open a shell in it.
    subprocess.run(["docker", "stop", "-t", "0", "k2c-echo-s-runtime"], check=True)
    look = grader.look_outside

    def look_then_stop(target):  # the real look, then a real stop
        found = look(target)
        if "k2c-echo-s-downtime" in str(target):
            subprocess.run(["docker", "stop", "-t", "0", "k2c-echo-s-downtime"], check=True)
        return found

    monkeypatch.setattr(grader, "look_outside", look_then_stop)
    out = tmp_path / "out"
    result = cli.invoke(
        lab_main, ["grade", "echo", "--roster", str(roster), "--out", str(out), "--timeout", "30"]
    )
    assert result.exit_code == 3, result.output
    assert _rows(out) == {
        "s-runtime": ("unreachable", 0),
        "s-downtime": ("unreachable", 0),
        "s-uptime": ("graded", 0),  # up and unsolved: "time" in an id changes nothing
        "ssh-user": ("unreachable", 0),
        "ssh-host": ("unreachable", 0),
    }
