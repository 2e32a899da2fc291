"""Submitting opens the database in a forked process; it must behave exactly as in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.errors import ConfigError, DatabaseError
from grader.store.forked import StoreBeside


def count_students(store) -> dict:
    from sqlalchemy import func, select

    from grader.store.models import Student

    with store.read() as session:
        return {"students": session.scalar(select(func.count()).select_from(Student))}


def add_student(store, payload) -> dict:
    from grader.store.submissions import student_named

    store.write(lambda session: student_named(session, payload["name"]))
    return count_students(store)


@pytest.mark.parametrize("fork", [True, False])
def test_prepare_and_finish_run_against_the_store_and_answer_with_data(db_url, fork):
    with StoreBeside(db_url, count_students, add_student, fork=fork) as database:
        assert database.ready() == {"students": 0}
        assert database.complete({"name": "ada"}) == {"students": 1}
    with StoreBeside(db_url, count_students, add_student, fork=fork) as database:
        assert database.ready() == {"students": 1}


@pytest.mark.parametrize("fork", [True, False])
def test_errors_from_the_other_process_arrive_as_the_same_grader_error(db_url, fork):
    def refuse(store):
        raise ConfigError("attempt refused: too soon")

    with StoreBeside(db_url, refuse, add_student, fork=fork) as database, pytest.raises(ConfigError, match="too soon"):
        database.ready()
    with (
        StoreBeside("not a url", count_students, add_student, fork=fork) as database,
        pytest.raises(DatabaseError, match="not a database URL"),
    ):
        database.ready()


def test_a_parent_that_gives_up_leaves_no_child_behind(db_url):
    database = StoreBeside(db_url, count_students, add_student, fork=True)
    child = database._pid
    database.ready()
    database.close()  # never completed: the child sees the pipe close and exits
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)


def test_many_submits_at_once_to_one_sqlite_file_all_succeed(tmp_path, workspace):
    folder = workspace(reference=True)
    db = f"sqlite:///{tmp_path / 'class.db'}"
    command = [sys.executable, "-m", "grader", "submit", "perceptron", "--workspace", str(folder), "--db", db, "--json"]
    runs = [
        subprocess.Popen(
            [*command, "--student", f"s{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        for n in range(6)
    ]
    ids = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        ids.append(json.loads(out)["submission_id"])
    assert sorted(ids) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    "url, fenced",
    [
        ("sqlite:////srv/grades.db", ["/srv/grades.db", "/srv/grades.db-wal", "/srv/grades.db-shm"]),
        ("sqlite+pysqlite:////srv/g.db?timeout=3", ["/srv/g.db"]),
        ("sqlite://", []),
        ("sqlite:///:memory:", []),
        ("postgresql+psycopg://u@host/db", []),
    ],
)
def test_the_sqlite_files_to_fence_off_are_read_from_the_url(url, fenced):
    from grader.store.files import database_files

    found = [str(p) for p in database_files(url)]
    assert found[: len(fenced)] == fenced
    assert bool(found) == bool(fenced)
