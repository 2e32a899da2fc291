"""A student takes a quiz from the terminal: from an answers file, or answering prompts."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.bank import find_quiz, load_bank
from grader.quiz.present import present
from grader.store import open_store
from grader.store.quiz_models import QuizAnswer, QuizAttempt


def stored_rows(db_url: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    store = open_store(db_url)
    try:
        with store.read() as session:
            attempts = session.scalar(select(func.count()).select_from(QuizAttempt)) or 0
            answers = session.scalar(select(func.count()).select_from(QuizAnswer)) or 0
        return attempts, answers
    finally:
        store.close()


def take(runner: CliRunner, quiz_dir: Path, db_url: str, *args: str, **kwargs: str) -> object:
    return runner.invoke(
        main,
        ["quiz", "take", *args, "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir)],
        **kwargs,
    )


def test_take_with_an_answers_file_prints_the_attempt_as_json(
    runner: CliRunner, quiz_dir: Path, db_url: str, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"q-range": ["a"], "q-pairs": ["a"]}))

    result = runner.invoke(
        main,
        [
            "quiz",
            "take",
            "small",
            "--student",
            "ann",
            "--db",
            db_url,
            "--quizzes",
            str(quiz_dir),
            "--answers",
            str(answers),
            "--json",
        ],
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "attempt_id": 1,
        "quiz": "small",
        "student": "ann",
        "score": 1.5,
        "max_score": 3.0,
        "questions": [
            {"id": "q-range", "correct": True, "points": 1.0, "max_points": 1.0},
            {"id": "q-pairs", "correct": False, "points": 0.5, "max_points": 1.0},
            {"id": "q-z", "correct": False, "points": 0.0, "max_points": 1.0},
        ],
    }
    assert stored_rows(db_url) == (1, 3)


@pytest.mark.parametrize(
    ("quiz_id", "content", "message"),
    [
        ("nope", '{"q-range": ["a"]}', 'no quiz "nope" (known quizzes: small)'),
        ("small", '{"q-unknown": ["a"]}', '{answers}: no question "q-unknown" in quiz "small"'),
        (
            "small",
            '{"q-range": ["z"]}',
            '{answers}: question "q-range" has no option "z" (options: a, b, c)',
        ),
        (
            "small",
            '{"q-range": "a"}',
            '{answers}: the answer to "q-range" must be a list of option keys, e.g. ["b"]',
        ),
        (
            "small",
            '["a"]',
            '{answers}: expected a JSON object of question id -> list of option keys, e.g. {{"q1": ["b"]}}',
        ),
        (
            "small",
            '{"q-range": ["a"],',
            "{answers}:1: not valid JSON: Expecting property name enclosed in double quotes",
        ),
    ],
)
def test_bad_take_requests_fail_with_one_line_and_store_nothing(
    runner: CliRunner,
    quiz_dir: Path,
    db_url: str,
    tmp_path: Path,
    quiz_id: str,
    content: str,
    message: str,
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(content)

    result = runner.invoke(
        main,
        [
            "quiz",
            "take",
            quiz_id,
            "--student",
            "ann",
            "--db",
            db_url,
            "--quizzes",
            str(quiz_dir),
            "--answers",
            str(answers),
            "--json",
        ],
    )

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {message.format(answers=answers)}\n"
    assert stored_rows(db_url) == (0, 0)


def test_interactive_take_shuffles_options_explains_and_scores(runner: CliRunner, quiz_dir: Path, db_url: str) -> None:
    small = find_quiz(load_bank([quiz_dir]), "small")
    rng = random.Random(7)
    shown = [present(question, rng) for question in small.questions]
    range_right = 1 + [o.key for o in shown[0].options].index("a")
    pairs_right = [1 + [o.key for o in shown[1].options].index(k) for k in ("a", "b")]
    typed = f"9\n{range_right}\n{pairs_right[0]},{pairs_right[1]}\nlots\n0.3\n"

    result = runner.invoke(
        main,
        [
            "quiz",
            "take",
            "small",
            "--student",
            "ann",
            "--db",
            db_url,
            "--quizzes",
            str(quiz_dir),
            "--seed",
            "7",
        ],
        input=typed,
    )

    assert result.exit_code == 0, result.output
    assert 'Error: "9" is not an option number (1-3)' in result.output  # asked again
    assert result.output.count("Right.\n") == 2
    assert "Wrong. The answer: 0.25 ± 0.01\n0.5 + 0.5 - 0.75 = 0.25.\n" in result.output
    assert result.output.endswith("Score: 2 / 3 (attempt 1)\n")
    assert stored_rows(db_url) == (1, 3)
