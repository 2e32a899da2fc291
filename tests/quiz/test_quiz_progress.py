"""A student sees their quiz results where they look for results: progress, and their history."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.quiz.bank import find_quiz
from grader.service import quizzes as service
from grader.store import open_store

AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def quizzes_taken(db_url: str, quiz_dir: Path) -> None:
    """ada takes the small quiz twice (the first time stopping after one answer); bob once."""
    with open_store(db_url) as store:
        small = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
        service.submit_attempt(store, small, "bob", {"q-range": ["a"]}, AT)
        service.submit_attempt(store, small, "ada", {"q-range": ["b"]}, AT, complete=False)
        service.submit_attempt(store, small, "ada", {"q-range": ["a"], "q-pairs": ["a"], "q-z": ["0.25"]}, AT)


def test_progress_shows_quiz_attempts_of_a_student_who_only_took_quizzes(
    runner: CliRunner, quiz_dir: Path, db_url: str
) -> None:
    quizzes_taken(db_url, quiz_dir)

    text = runner.invoke(main, ["progress", "--student", "ada", "--db", db_url])
    data = json.loads(runner.invoke(main, ["progress", "--student", "ada", "--db", db_url, "--json"]).output)

    assert text.exit_code == 0, text.output
    assert "No attempts recorded" not in text.output
    assert "Quizzes: 2 attempts" in text.output
    assert "│ small │        2 │  2.5 │    2.5 │   3 │" in text.output
    assert "stopped after 1 answer; q-range" in text.output and "q-pairs" in text.output
    assert (data["student"], data["attempts"], data["exercises"]) == ("ada", [], [])  # the keys that were there
    assert [
        (a["attempt_id"], a["attempt"], a["complete"], a["answered"], a["missed"]) for a in data["quiz_attempts"]
    ] == [
        (2, 1, False, 1, ["q-range"]),
        (3, 2, True, 3, ["q-pairs"]),
    ]
    assert data["quiz_attempts"][1]["created_at"] == AT.isoformat()
    assert data["quizzes"] == [
        {"quiz": "small", "title": "Small quiz", "attempts": 2, "best": 2.5, "latest": 2.5, "max_score": 3.0}
    ]


def test_a_student_with_nothing_recorded_is_told_both_ways_to_start(runner: CliRunner, db_url: str) -> None:
    result = runner.invoke(main, ["progress", "--student", "cy", "--db", db_url])
    assert result.output == "No attempts recorded for cy yet: run `grader submit` or `grader quiz take`.\n"


def test_a_students_history_in_the_report_lists_quiz_attempts_and_what_was_missed(
    runner: CliRunner, quiz_dir: Path, db_url: str
) -> None:
    quizzes_taken(db_url, quiz_dir)

    text = runner.invoke(main, ["report", "--student", "ada", "--db", db_url])
    data = json.loads(runner.invoke(main, ["report", "--student", "ada", "--db", db_url, "--format", "json"]).output)

    assert text.exit_code == 0, text.output
    assert text.output == (
        "ada: no submissions\n"
        "\n"
        "Quiz attempts: 2\n"
        "  small attempt 1 (#2)  2025-03-01 09:30 UTC  score 0/3, stopped after 1 answer\n"
        "    missed: q-range\n"
        "  small attempt 2 (#3)  2025-03-01 09:30 UTC  score 2.5/3\n"
        "    missed: q-pairs\n"
    )
    assert data["attempts"] == []
    assert [a["attempt"] for a in data["quiz_attempts"]] == [1, 2]
    assert data["quizzes"][0]["best"] == 2.5
