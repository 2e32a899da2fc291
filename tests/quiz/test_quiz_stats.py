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
    assert (z.answered, z.blank, z.facility, z.options) == (3, 1, 0.5, ())  # dee left it out


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
        "values": [],
    }
    assert table.exit_code == 0, table.output
    assert table.output.startswith("Quiz small: Small quiz (4 students, first attempts)\n")
    assert "  q-range           4       0       0.50       1.00   a*:2 b:1 c:1\n" in table.output


def test_stats_for_a_quiz_not_in_the_database(runner: CliRunner, db_url: str) -> None:
    result = runner.invoke(main, ["quiz", "stats", "nope", "--db", db_url])
    assert result.exit_code == 2
    assert result.stderr == 'Error: no quiz "nope" in the database (a quiz is stored when first taken)\n'


def test_a_student_who_left_a_question_out_is_counted_as_blank_not_as_answered(store: Store, quiz_dir: Path) -> None:
    small = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
    service.submit_attempt(store, small, "ann", {"q-range": ["a"]})
    service.submit_attempt(store, small, "bob", {"q-range": ["b"], "q-z": ["0.25"]})

    [stats] = service.quiz_stats(store, "small")

    by_id = {item.question_id: item for item in stats.questions}
    assert [(by_id[q].answered, by_id[q].blank) for q in ("q-range", "q-pairs", "q-z")] == [(2, 0), (0, 2), (1, 1)]
    assert by_id["q-z"].facility == 0.5  # a blank is not right


def test_numeric_questions_show_which_numbers_were_given(runner: CliRunner, quiz_dir: Path, db_url: str) -> None:
    store = open_store(db_url)
    small = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
    for student, value in [("ann", "0.3"), ("bob", "0.25"), ("cy", "-0.25"), ("dee", "0.251"), ("eve", "0.3")]:
        service.submit_attempt(store, small, student, {"q-z": [value]})
    store.close()

    as_json = runner.invoke(main, ["quiz", "stats", "small", "--db", db_url, "--json"])
    table = runner.invoke(main, ["quiz", "stats", "small", "--db", db_url], env={"COLUMNS": "120"})

    [data] = json.loads(as_json.output)["quizzes"]
    assert data["questions"][2]["values"] == [
        {"value": 0.3, "correct": False, "chosen": 2},
        {"value": -0.25, "correct": False, "chosen": 1},
        {"value": 0.25, "correct": True, "chosen": 1},
        {"value": 0.251, "correct": True, "chosen": 1},  # within the tolerance of 0.01
    ]
    assert table.output.splitlines()[-1].endswith("   0.3:2 -0.25:1 0.25*:1 0.251*:1")


def test_stats_on_an_empty_database_says_there_is_nothing_yet(runner: CliRunner, db_url: str, quiz_dir: Path) -> None:
    empty = runner.invoke(main, ["quiz", "stats", "--db", db_url])
    as_json = runner.invoke(main, ["quiz", "stats", "--db", db_url, "--json"])
    runner.invoke(
        main, ["quiz", "practice", "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir)], input="q\n"
    )
    unattempted = runner.invoke(main, ["quiz", "stats", "--db", db_url])

    assert (empty.exit_code, empty.output) == (
        0,
        "No quizzes in the database yet: a quiz is stored when a student first takes or practises it.\n",
    )
    assert json.loads(as_json.output) == {"quizzes": []}
    assert (unattempted.exit_code, unattempted.output) == (0, "Quiz small: Small quiz: no attempts yet.\n")


def test_the_report_page_shows_blanks_and_the_numbers_given_too(store: Store, quiz_dir: Path) -> None:
    from grader.report.page import quiz_html

    class_of_four(store, quiz_dir)
    [stats] = service.quiz_stats(store, "small")

    page = quiz_html(stats)

    assert "<th class=num>blank</th>" in page
    assert "<tr><td>q-z</td><td class=num>3</td><td class=num>1</td>" in page
    assert '<span class="correct">0.25: 2</span>, <span class="">0.3: 1</span>' in page
