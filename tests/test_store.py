"""The store keeps every attempt whole: one transaction each, many writers at once, crashes mid-way."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.errors import DatabaseError
from grader.records import ExerciseOutcome, GradingResult, TestOutcome
from grader.store import open_store
from grader.store.migrate import HEAD_REVISION, script_head
from grader.store.models import SourceFile, Submission, TestResult
from grader.store.submissions import record_submission, student_progress


def a_result(score: float, *, exercise: str = "perceptron", files: dict[str, str] | None = None) -> GradingResult:
    tests = (
        TestOutcome(f"{exercise}::a", "a", "passed" if score >= 1 else "failed", min(score, 1.0), 1.0, ""),
        TestOutcome(f"{exercise}::b", "b", "passed" if score >= 2 else "failed", 1.0 if score >= 2 else 0.0, 1.0, "x"),
    )
    outcome = ExerciseOutcome(exercise, score, 2.0, "passed" if score == 2 else "failed", "", tests, "v1")
    return GradingResult((outcome,), {"level": "full"}, "suite-v1", 0.1, files or {"perceptron.py": "def f(): pass\n"})


def test_the_head_revision_constant_names_the_newest_migration():
    assert HEAD_REVISION == script_head()


def test_a_submission_is_stored_with_its_tests_and_source_snapshot(db_url):
    store = open_store(db_url)
    submission_id, attempt = store.write(lambda s: record_submission(s, "ada", "/work/ada", a_result(1)))
    assert attempt == 1
    with store.read() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None
        assert (submission.student.name, submission.score, submission.max_score) == ("ada", 1.0, 2.0)
        assert [t.outcome for t in submission.exercises[0].tests] == ["passed", "failed"]
        assert [(f.path, f.content) for f in submission.files] == [("perceptron.py", "def f(): pass\n")]
        assert submission.sandbox == {"level": "full"} and submission.suite_version == "suite-v1"
    store.close()


def test_a_submission_keeps_the_seed_of_its_hidden_inputs(db_url):
    from dataclasses import replace

    from grader.records import result_from_record, result_to_record

    result = replace(a_result(1), seed=2**62 + 7)  # any 63-bit seed fits the column, on PostgreSQL too
    assert result_from_record(result_to_record(result)).seed == 2**62 + 7
    store = open_store(db_url)
    submission_id, _ = store.write(lambda s: record_submission(s, "ada", "/w", result))
    with store.read() as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None and submission.seed == 2**62 + 7
    store.close()


def test_an_attempt_recorded_before_seeds_were_kept_reads_back_without_one(db_url):
    from alembic import command
    from sqlalchemy import create_engine, text

    from grader.store.migrate import alembic_config

    engine = create_engine(db_url)
    with engine.begin() as connection:  # a database as revision 0002 left it, with one attempt
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0002_quizzes")
        connection.execute(text("INSERT INTO students (id, name, created_at) VALUES (1, 'ada', '2026-01-01')"))
        connection.execute(
            text(
                "INSERT INTO submissions (id, student_id, created_at, workspace, score, max_score, suite_version,"
                " sandbox, settings, duration_seconds) VALUES (1, 1, '2026-01-01', '/w', 1, 2, 'v', '{}', '{}', 0.1)"
            )
        )
    engine.dispose()
    store = open_store(db_url)  # migrates on to 0008_attempt_seed
    new_id, _ = store.write(lambda s: record_submission(s, "ada", "/w", a_result(1)))
    with store.read() as session:
        old, new = session.get(Submission, 1), session.get(Submission, new_id)
        assert old is not None and old.seed is None
        assert new is not None and new.seed is None  # a_result() has none; grading always sets one
    store.close()


def test_progress_shows_best_and_latest_per_exercise(db_url):
    store = open_store(db_url)
    for score in (1, 2, 0):
        store.write(lambda s, score=score: record_submission(s, "ada", "/w", a_result(score)))
    with store.read() as session:
        progress = student_progress(session, "ada")
    assert len(progress.attempts) == 3
    (perceptron,) = progress.exercises
    assert (perceptron.attempts, perceptron.best, perceptron.latest, perceptron.max_score) == (3, 2.0, 0.0, 2.0)
    store.close()


def test_a_failing_write_leaves_nothing_behind(db_url):
    store = open_store(db_url)

    def half_then_fail(session):
        record_submission(session, "ada", "/w", a_result(2))
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.write(half_then_fail)
    with store.read() as session:
        assert session.query(Submission).count() == 0
        assert session.query(TestResult).count() == 0
        assert session.query(SourceFile).count() == 0
    store.close()


@pytest.mark.parametrize(
    "url, message",
    [
        ("not a url", "not a database URL: 'not a url'"),
        ("nosuchdriver://x/y", "no database driver for 'nosuchdriver'"),
    ],
)
def test_a_bad_database_url_is_one_clear_error(url, message):
    with pytest.raises(DatabaseError, match=message):
        open_store(url)


def test_a_database_that_is_not_a_database_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database" * 100)
    with pytest.raises(DatabaseError, match="cannot open the database"):
        open_store(f"sqlite:///{path}")


WRITER = textwrap.dedent("""
    import sys
    from tests.test_store import a_result
    from grader.store import open_store
    from grader.store.submissions import record_submission
    store = open_store(sys.argv[1])
    for i in range(int(sys.argv[3])):
        store.write(lambda s: record_submission(s, sys.argv[2], "/w", a_result(i % 3)))
    print("done")
""")


def test_a_database_server_that_cannot_be_reached_mid_run_is_one_clear_error():
    """A PostgreSQL restarting under a running server: its reads fail as DatabaseError (the
    server answers 503, try again), not as a fault of the grader's own."""
    from sqlalchemy import create_engine, text

    from grader.store.engine import Store

    store = Store(create_engine("postgresql+psycopg://nobody:secret@127.0.0.1:1/course"))
    with pytest.raises(DatabaseError, match=r"^cannot read the database postgresql\+psycopg://nobody:\*\*\*@127"):
        with store.read() as session:
            session.execute(text("SELECT 1"))
    store.close()


def test_many_processes_writing_to_one_sqlite_file_at_once_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'class.db'}"  # a fresh file: the writers also race to create the schema
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, f"student{n}", "15"],
            cwd=Path(__file__).parent.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    with sqlite3.connect(tmp_path / "class.db") as connection:
        assert connection.execute("SELECT count(*) FROM submissions").fetchone() == (120,)
        assert connection.execute("SELECT count(DISTINCT student_id) FROM submissions").fetchone() == (8,)
        assert connection.execute("SELECT count(*) FROM test_results").fetchone() == (240,)


KILLED = textwrap.dedent("""
    import sys, time
    from tests.test_store import a_result
    from grader.store import open_store
    from grader.store.submissions import record_submission
    store = open_store(sys.argv[1])
    store.write(lambda s: record_submission(s, "before", "/w", a_result(2)))
    def slow(session):
        record_submission(session, "victim", "/w", a_result(1))
        session.flush()
        print("flushed", flush=True)
        time.sleep(60)
    store.write(slow)
""")


def test_a_run_killed_midway_leaves_the_database_whole_and_without_the_attempt(tmp_path):
    path = tmp_path / "grades.db"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED, f"sqlite:///{path}"],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "flushed"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = [
            row[0]
            for row in connection.execute(
                "SELECT students.name FROM submissions JOIN students ON students.id = submissions.student_id"
            )
        ]
    assert names == ["before"]
    store = open_store(f"sqlite:///{path}")  # and it opens and takes writes again
    store.write(lambda s: record_submission(s, "after", "/w", a_result(0)))
    store.close()


def test_results_round_trip_through_json():
    from grader.contracts import submission
    from grader.records import SubmitOutcome

    data = submission(SubmitOutcome(7, 2, "ada", a_result(1)))
    assert json.loads(json.dumps(data)) == data
    assert list(data) == ["submission_id", "student", "score", "max_score", "sandbox", "exercises", "attempt", "seed"]


def test_the_migrations_build_exactly_the_tables_the_models_describe(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    import grader.store.quiz_models  # noqa: F401  (registers the quiz tables)
    import grader.store.web_models  # noqa: F401  (and the web pages' tables)
    from grader.store.base import Base

    open_store(db_url).close()
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        engine.dispose()
