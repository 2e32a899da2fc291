"""The layers under the command line, as a web request handler would use them: open a store,
call a service function, get records back; errors split between the user's and the grader's."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import contracts
from grader.cli import main
from grader.errors import ConfigError, DatabaseError, GraderFault
from grader.records import (
    ExerciseOutcome,
    GradingResult,
    SubmitOutcome,
    TestOutcome,
    result_from_record,
    result_to_record,
)
from grader.service.submissions import record_graded, student_history, student_progress
from grader.settings import Settings
from grader.store import open_store
from grader.store.forked import StoreBeside
from grader.students import student_name


def a_result(score: float = 1.0) -> GradingResult:
    tests = (
        TestOutcome("perceptron::test_a", "a works", "passed", 1.0, 1.0, "", ""),
        TestOutcome("perceptron::test_b", "b works", "failed" if score < 2 else "passed", 0.0, 1.0, "wrong", "x.f"),
    )
    return GradingResult(
        (ExerciseOutcome("perceptron", score, 2.0, "failed", "1 of 2 tests passed", tests, "v1", "printed"),),
        {"level": "full", "warnings": []},
        "suite-v1",
        0.25,
        {"perceptron.py": "def step(z):\n    return 1\n"},
    )


def record(store, student: str, score: float = 1.0) -> SubmitOutcome:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from grader.course import NO_COURSE

    result, now = a_result(score), datetime.now(UTC)
    return store.write(lambda session: record_graded(session, student, "/ws", result, NO_COURSE, submitted_at=now))


def test_a_store_is_a_context_manager_that_service_functions_take_open(db_url: str) -> None:
    with open_store(db_url) as store:
        record(store, "ada")
        progress = student_progress(store, "ada")
    assert [a.attempt for a in progress.attempts] == [1]
    with pytest.raises(DatabaseError):  # closed: its engine is disposed and refuses nothing silently
        with open_store("sqlite:////no/such/folder/grades.db"):
            pass


def test_attempt_numbers_count_each_students_own_submissions(db_url: str) -> None:
    with open_store(db_url) as store:
        first_of_ada, first_of_ben, second_of_ada = record(store, "ada"), record(store, "ben"), record(store, "ada")
        history = student_history(store, "ada")
    assert (first_of_ada.attempt, first_of_ben.attempt, second_of_ada.attempt) == (1, 1, 2)
    assert first_of_ben.submission_id == 2  # the database id goes on across students
    assert [(a.attempt, a.submission_id) for a in history.attempts] == [(1, 1), (2, 3)]


def test_the_same_name_typed_in_nfc_and_nfd_is_one_student(db_url: str) -> None:
    composed, decomposed = "chlo\u00e9", "chloe\u0301"
    assert composed != decomposed and student_name(decomposed) == composed
    with open_store(db_url) as store:
        record(store, student_name(composed))
        record(store, student_name(decomposed))
        assert len(student_progress(store, decomposed).attempts) == 2


@pytest.mark.parametrize(
    "name, why",
    [
        ("", "empty"),
        ("a/b", "slash"),
        ("tab\there", "unprintable"),
        ("x" * 201, "longer than 200"),
        ("z\u200bw", "unprintable"),  # a zero-width space: two names that look alike
    ],
)
def test_one_student_name_rule_for_every_command(name: str, why: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=why):
        student_name(name)
    db = f"sqlite:///{tmp_path / 'g.db'}"
    runner = CliRunner()
    for args in (["progress"], ["quiz", "take", "neurons-and-perceptrons", "--answers", "none.json"]):
        result = runner.invoke(main, [*args, "--student", name, "--db", db])
        assert result.exit_code == 2, (args, result.output)
        assert "student name" in result.stderr


def test_reads_do_not_wait_for_a_writer_holding_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    with open_store(f"sqlite:///{db}") as store:
        record(store, "ada")
        writer = sqlite3.connect(db, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process is recording a submission
        try:
            answered = threading.Event()

            def read() -> None:
                student_progress(store, "ada")
                answered.set()

            reader = threading.Thread(target=read)
            reader.start()
            reader.join(timeout=20)
            assert answered.is_set(), "a read waited for the write lock"
        finally:
            writer.execute("ROLLBACK")
            writer.close()


def test_a_ta_reports_from_a_read_only_copy_of_the_database(tmp_path: Path, db_url: str) -> None:
    with open_store(db_url) as store:
        record(store, "ada", 2.0)
    copy = tmp_path / "readonly" / "copy.db"
    copy.parent.mkdir()
    shutil.copy(db_url.removeprefix("sqlite:///"), copy)
    with read_only(copy):
        command = [sys.executable, "-m", "grader", "report", "--db", f"sqlite:///{copy}", "--format", "json"]
        result = subprocess.run(command, capture_output=True, text=True, cwd="/")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["gradebook"]["students"][0]["student"] == "ada"
        assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.db"]  # nothing written beside it
        progress = [*command[:3], "progress", "--student", "ada", "--db", f"sqlite:///{copy}", "--json"]
        read = subprocess.run(progress, capture_output=True, text=True, cwd="/")
        assert read.returncode == 0, read.stderr
        assert len(json.loads(read.stdout)["attempts"]) == 1
    with read_only(copy), open_store(f"sqlite:///{copy}") as store:
        with pytest.raises(DatabaseError, match="read-only"):
            record(store, "ben")


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` read-only for this user: immutable when we are root (root may write any
    file with mode 444), else mode 444 in a folder of mode 555."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        return
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        yield
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)


def test_a_fault_of_the_grader_is_exit_1_in_one_line_and_the_traceback_with_debug(
    monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    import grader.service.submissions as submissions

    def broken(store, student):  # type: ignore[no-untyped-def]
        raise KeyError("a bug in the grader")

    monkeypatch.setattr(submissions, "student_progress", broken)
    runner = CliRunner()
    result = runner.invoke(main, ["progress", "--student", "ada", "--db", db_url])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the grader itself failed (KeyError: 'a bug in the grader')")
    assert "not a problem with your input" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    debugged = runner.invoke(main, ["--debug", "progress", "--student", "ada", "--db", db_url])
    assert isinstance(debugged.exception, KeyError)  # raised, so Python prints the traceback


@pytest.mark.parametrize("fork", [True, False])
def test_a_bug_in_the_database_work_beside_grading_is_the_graders_fault_not_bad_input(db_url: str, fork: bool) -> None:
    def buggy(store, payload):  # type: ignore[no-untyped-def]
        return {"value": 1 / 0}

    with StoreBeside(db_url, lambda store: {}, buggy, fork=fork) as database:
        database.ready()
        with pytest.raises(ZeroDivisionError if not fork else GraderFault) as raised:
            database.complete({})
    if fork:
        assert "ZeroDivisionError" in str(raised.value)
        assert "Traceback" in raised.value.detail  # type: ignore[attr-defined]


def test_an_in_memory_database_or_a_missing_folder_is_refused_before_anything_runs(tmp_path: Path) -> None:
    for url in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
        with pytest.raises(DatabaseError, match="in-memory database"):
            Settings.resolve(db_url=url, want=frozenset({"db"}))
    missing = tmp_path / "no" / "such" / "grades.db"
    with pytest.raises(DatabaseError, match="no folder"):
        open_store(f"sqlite:///{missing}")
    assert not missing.parent.exists()


def test_the_internal_record_of_a_result_round_trips_exactly() -> None:
    result = a_result(1.5)
    assert result_from_record(json.loads(json.dumps(result_to_record(result)))) == result


def test_the_submit_json_contract_keeps_its_keys_and_adds_the_attempt() -> None:
    data = contracts.submission(SubmitOutcome(9, 3, "ada", a_result()))
    assert list(data) == ["submission_id", "student", "score", "max_score", "sandbox", "exercises", "attempt", "seed"]
    assert (data["submission_id"], data["attempt"]) == (9, 3)
    assert list(data["exercises"][0]) == ["name", "score", "max_score", "status", "message", "tests"]
    assert list(data["exercises"][0]["tests"][0]) == [
        "id",
        "name",
        "outcome",
        "points",
        "max_points",
        "message",
        "unwritten",
    ]
