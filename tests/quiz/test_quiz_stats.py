"""Item analysis for instructors: facility, discrimination and how often each option was chosen."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.quiz.bank import find_quiz
from grader.quiz.model import Option, Question
from grader.quiz.stats import Response, discrimination, item_statistics
from grader.service import quizzes as service
from grader.store import Store, open_store


def class_of_four(store: Store, quiz_dir: Path) -> None:
    """bob scores 2.5, ann 2, cy 2, dee 0; ann's second attempt must not count."""
    small = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
    service.submit_attempt(store, small, "ann", {"q-range": ["a"], "q-pairs": ["a", "b"], "q-z": ["0.3"]})
    service.submit_attempt(store, small, "bob", {"q-range": ["a"], "q-pairs": ["a"], "q-z": ["0.25"]})
    service.submit_attempt(store, small, "cy", {"q-range": ["b"], "q-pairs": ["a", "b"], "q-z": ["0.25"]})
    service.submit_attempt(store, small, "dee", {"q-range": ["c"], "q-pairs": ["c"]})
    service.submit_attempt(store, small, "ann", {"q-range": ["c"], "q-pairs": ["d"]})


def test_stats_per_question_from_each_students_first_attempt(store: Store, quiz_dir: Path) -> None:
    class_of_four(store, quiz_dir)

    [stats] = service.quiz_stats(store, "small")

    assert stats.students == 4
    by_id = {item.question_id: item for item in stats.questions}
    rng = by_id["q-range"]
    assert (rng.answered, rng.facility, rng.discrimination) == (4, 0.5, 1.0)
    assert [(o.key, o.correct, o.chosen) for o in rng.options] == [
        ("a", True, 2),
        ("b", False, 1),
        ("c", False, 1),
    ]
    pairs = by_id["q-pairs"]
    assert (pairs.facility, pairs.discrimination) == (
        0.5,
        0.0,
    )  # bob (top) and dee (bottom) both miss it
    assert [o.chosen for o in pairs.options] == [3, 2, 1, 0]
    z = by_id["q-z"]
    assert (z.answered, z.blank, z.facility, z.options) == (4, 1, 0.5, ())


def test_discrimination_is_negative_when_strong_students_miss_what_weak_ones_get() -> None:
    totals = {1: 10.0, 2: 8.0, 3: 5.0, 4: 1.0}
    responses = [Response(a, "q", ("x",), correct=a in (3, 4), points=float(a in (3, 4))) for a in totals]
    assert discrimination(responses, totals) == -1.0
    assert discrimination(responses[:1], totals) is None


def test_a_question_nobody_answered_has_no_facility() -> None:
    question = Question("q", "single", "P", (Option("a", "A", True), Option("b", "B", False)), "E", ("t",))
    [item] = item_statistics([question], [], {})
    assert (item.answered, item.facility, item.discrimination) == (0, None, None)
    assert [o.chosen for o in item.options] == [0, 0]


def test_stats_command_prints_json_and_a_table(runner: CliRunner, quiz_dir: Path, db_url: str) -> None:
    store = open_store(db_url)
    class_of_four(store, quiz_dir)
    store.close()

    as_json = runner.invoke(main, ["quiz", "stats", "small", "--db", db_url, "--json"])
    table = runner.invoke(main, ["quiz", "stats", "--db", db_url])

    assert as_json.exit_code == 0, as_json.output
    [data] = json.loads(as_json.output)["quizzes"]
    assert data["questions"][0] == {
        "id": "q-range",
        "answered": 4,
        "blank": 0,
        "facility": 0.5,
        "discrimination": 1.0,
        "options": [
            {"key": "a", "text": "(0, 1)", "correct": True, "chosen": 2},
            {"key": "b", "text": "[0, 1]", "correct": False, "chosen": 1},
            {"key": "c", "text": "(-1, 1)", "correct": False, "chosen": 1},
        ],
    }
    assert table.exit_code == 0, table.output
    assert "  q-range                                 4     0.50     1.00  a*:2 b:1 c:1\n" in table.output


def test_stats_for_a_quiz_not_in_the_database(runner: CliRunner, db_url: str) -> None:
    result = runner.invoke(main, ["quiz", "stats", "nope", "--db", db_url])
    assert result.exit_code == 2
    assert result.stderr == 'Error: no quiz "nope" in the database (a quiz is stored when first taken)\n'
