"""The same story on PostgreSQL: nothing in the grader is SQLite-only.

Runs against the server named by GRADER_TEST_POSTGRES_URL (`.ci/run` starts one and sets
it); without it there is no server to talk to and these tests say so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

URL = os.environ.get("GRADER_TEST_POSTGRES_URL", "")
REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not URL, reason="GRADER_TEST_POSTGRES_URL names no PostgreSQL server")


@pytest.fixture
def postgres(monkeypatch):
    from sqlalchemy import create_engine, text

    engine = create_engine(URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    monkeypatch.setenv("GRADER_DB", URL)
    monkeypatch.setenv("GRADER_STUDENT", "ada")
    return URL


def test_submit_progress_quiz_grade_and_report_on_postgresql(postgres, workspace, tmp_path, monkeypatch):
    runner = CliRunner()
    folder = workspace(reference=True)
    submitted = runner.invoke(main, ["submit", "perceptron", "activations", "--workspace", str(folder), "--json"])
    assert submitted.exit_code == 0, submitted.output
    assert json.loads(submitted.output)["score"] == json.loads(submitted.output)["max_score"]

    progress = json.loads(runner.invoke(main, ["progress", "--json"]).output)
    assert [e["name"] for e in progress["exercises"]] == ["perceptron", "activations"]

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"perceptron-purpose": ["a"]}))
    monkeypatch.chdir(REPO)
    taken = runner.invoke(main, ["quiz", "take", "neurons-and-perceptrons", "--answers", str(answers), "--json"])
    assert taken.exit_code == 0, taken.output
    stats = json.loads(runner.invoke(main, ["quiz", "stats", "--json"]).output)
    assert stats["quizzes"][0]["students"] == 1

    classroom = tmp_path / "class"
    for student in ("bob", "cy"):
        (classroom / student).mkdir(parents=True)
        for path in folder.glob("*.py"):
            (classroom / student / path.name).write_text(path.read_text())
    graded = runner.invoke(main, ["grade", str(classroom), "--jobs", "1", "--json"])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.output)["graded"] == 2

    gradebook = runner.invoke(main, ["report", "--format", "csv"]).output.splitlines()
    assert gradebook[0].startswith("student,perceptron,activations,forward,backprop")
    assert [row.split(",")[0] for row in gradebook[1:]] == ["ada", "bob", "cy"]


def test_concurrent_submits_to_postgresql_all_succeed(postgres, workspace):
    folder = workspace(reference=True)
    command = [sys.executable, "-m", "grader", "submit", "perceptron", "--workspace", str(folder), "--json"]
    runs = [
        subprocess.Popen([*command, "--student", f"s{n}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]
    ids = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        ids.append(json.loads(out)["submission_id"])
    assert sorted(ids) == [1, 2, 3, 4]


def test_regrade_override_and_the_lms_exports_on_postgresql(postgres, workspace, tmp_path):
    runner = CliRunner()
    folder = workspace(reference=True)
    classroom = tmp_path / "class"
    (classroom / "bob").mkdir(parents=True)
    (classroom / "bob" / "perceptron.py").write_text((folder / "perceptron.py").read_text())
    assert runner.invoke(main, ["grade", str(classroom), "--jobs", "1"]).exit_code == 0
    regraded = runner.invoke(main, ["regrade", "perceptron", "--student", "bob", "--jobs", "1", "--json"])
    assert regraded.exit_code == 0, regraded.output
    assert json.loads(regraded.output)["regraded"][0]["new_score"] == 18.0
    overridden = runner.invoke(main, ["override", "bob", "perceptron", "17", "--reason", "late by a minute"])
    assert overridden.exit_code == 0, overridden.output
    book = json.loads(runner.invoke(main, ["report", "--format", "json"]).output)["gradebook"]
    assert book["students"][0]["scores"]["perceptron"] == 17.0
    history = json.loads(runner.invoke(main, ["report", "--student", "bob", "--format", "json"]).output)
    [attempt] = history["attempts"]
    assert (len(attempt["regrades"]), attempt["overrides"][0]["reason"]) == (1, "late by a minute")
    canvas = runner.invoke(main, ["report", "--format", "canvas"]).output.splitlines()
    from grader.grading.plan import max_points

    assert canvas[1].startswith("    Points Possible,,,,," + ",".join(f"{p:g}" for p in max_points().values()))
