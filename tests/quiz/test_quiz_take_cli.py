"""A student takes a quiz from the terminal: from an answers file, or answering prompts."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
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
        "attempt": 1,
        "complete": True,
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
    assert result.output.endswith(
        "Score: 2 / 3 (attempt 1)\n"
        "\n"
        "Missed 1 of 3:\n"
        "\n"
        "[3/3] What is z for (1, 1)?\n"
        "  Your answer: 0.3\n"
        "  The answer: 0.25 ± 0.01\n"
        "  0.5 + 0.5 - 0.75 = 0.25.\n"
    )
    assert stored_rows(db_url) == (1, 3)


def test_an_interactive_take_with_json_prints_only_the_json_on_stdout(
    runner: CliRunner, quiz_dir: Path, db_url: str
) -> None:
    """The questions, prompts and verdicts go to stderr, so that a script reads the attempt."""
    args = ["quiz", "take", "small", "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir), "--json"]
    result = runner.invoke(main, args, input="1\n1\n0.25\n")
    assert result.exit_code == 0, result.output
    attempt = json.loads(result.stdout)
    assert (attempt["quiz"], attempt["student"], attempt["complete"]) == ("small", "ann", True)
    assert "[1/3]" in result.stderr and "Your answer" not in result.stdout


def answers_file(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "answers.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def take_from(runner: CliRunner, quiz_dir: Path, db_url: str, answers: Path, *extra: str, student: str = "ann"):
    return runner.invoke(
        main,
        ["quiz", "take", "small", "--student", student, "--db", db_url, "--quizzes", str(quiz_dir)]
        + ["--answers", str(answers), *extra],
    )


def test_attempt_numbers_count_the_students_own_attempts_at_that_quiz(
    runner: CliRunner, quiz_dir: Path, db_url: str, tmp_path: Path
) -> None:
    answers = answers_file(tmp_path, '{"q-range": ["a"]}')

    ann_first = json.loads(take_from(runner, quiz_dir, db_url, answers, "--json").output)
    bob_first = json.loads(take_from(runner, quiz_dir, db_url, answers, "--json", student="bob").output)
    ann_second = take_from(runner, quiz_dir, db_url, answers)

    assert (ann_first["attempt_id"], ann_first["attempt"]) == (1, 1)
    assert (bob_first["attempt_id"], bob_first["attempt"]) == (2, 1)  # the id runs on across students
    assert ann_second.output.startswith("Score: 1 / 3 (attempt 2)\n")


def test_the_end_of_a_take_from_a_file_lists_what_was_missed_with_the_answer_and_why(
    runner: CliRunner, quiz_dir: Path, db_url: str, tmp_path: Path
) -> None:
    answers = answers_file(tmp_path, '{"q-range": ["b"], "q-pairs": ["a"], "q-z": 0.25}')

    result = take_from(runner, quiz_dir, db_url, answers)

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Score: 1.5 / 3 (attempt 1)\n"
        "\n"
        "Missed 2 of 3:\n"
        "\n"
        "[1/3] What is the output range of sigmoid function?\n"
        "  Your answer: [0, 1]\n"
        "  The answer: (0, 1)\n"
        "  (0, 1): open at both ends.\n"
        "\n"
        "[2/3] Which pairs are right?\n"
        "  Your answer: Backprop: calculate gradients\n"
        "  The answer: Backprop: calculate gradients; Gradient descent: optimize weights\n"
        "  Partly right: 0.5 of 1 points.\n"
        "  Backprop computes gradients; gradient descent uses them.\n"
    )


def test_a_question_left_blank_in_the_file_is_counted_not_shown_as_a_course_server_does(
    runner: CliRunner, quiz_dir: Path, db_url: str, tmp_path: Path
) -> None:
    answers = answers_file(tmp_path, '{"q-range": ["b"], "q-z": 0.25}')  # q-pairs left blank

    result = take_from(runner, quiz_dir, db_url, answers)

    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "Score: 1 / 3 (attempt 1)\n"
        "\n"
        "Missed 1 of 2 answered; 1 question left blank (0 points, the answer not shown):\n"
        "\n"
        "[1/3] What is the output range of sigmoid function?\n"
    )
    assert "Which pairs are right?" not in result.output


@pytest.mark.parametrize("given", ["0.25", "[0.25]", '["0.25"]', "0.2500001"])
def test_a_numeric_answer_may_be_a_json_number_or_a_list_holding_it(
    runner: CliRunner, quiz_dir: Path, db_url: str, tmp_path: Path, given: str
) -> None:
    answers = answers_file(tmp_path, f'{{"q-z": {given}}}')

    result = take_from(runner, quiz_dir, db_url, answers, "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["questions"][2] == {"id": "q-z", "correct": True, "points": 1.0, "max_points": 1.0}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"q-range": ["a", "b"]}', 'question "q-range" takes one option, not 2'),
        ('{"q-z": true}', 'the answer to "q-z" must be a number, e.g. 0.25 or ["0.25"]'),
        ('{"q-range": 1}', 'the answer to "q-range" must be a list of option keys, e.g. ["b"]'),
        ('{"q-z": "0.25"}', 'the answer to "q-z" must be a number, e.g. 0.25 or ["0.25"]'),
        ('{"q-\\u001b[31mred": ["a"]}', 'no question "q-\\u001b[31mred" in quiz "small"'),
        ('{"q-range": ["\\u001b]0;pwned\\u0007"]}', 'question "q-range" has no option "\\u001b]0;pwned\\u0007"'),
        ("[" * 200_000 + "]" * 200_000, "not an answers file: the JSON is nested too deeply"),
        ('{"q-z": ' + "9" * 5000 + "}", "not valid JSON: a value cannot be read"),
    ],
    ids=["two-for-single", "bool", "number-for-choice", "string", "esc-in-id", "esc-in-key", "deep", "huge-int"],
)
def test_an_answers_file_that_cannot_be_an_answer_is_one_safe_line_and_exit_2(
    runner: CliRunner, quiz_dir: Path, db_url: str, tmp_path: Path, content: str, message: str
) -> None:
    answers = answers_file(tmp_path, content)

    result = take_from(runner, quiz_dir, db_url, answers, "--json")

    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {answers}: {message}")
    assert result.stderr.count("\n") == 1 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert stored_rows(db_url) == (0, 0)


def test_two_options_for_a_single_answer_question_are_refused_when_typed_too(
    runner: CliRunner, quiz_dir: Path, db_url: str
) -> None:
    result = take(runner, quiz_dir, db_url, "small", "--seed", "1", input="1,2\nq\n")
    assert "Error: choose one option\n" in result.output


def test_q_stops_a_quiz_keeps_what_was_answered_and_sums_it_up(
    runner: CliRunner, quiz_dir: Path, db_url: str, right_typed: Callable[[int], list[str]]
) -> None:
    first, _, _ = right_typed(3)

    result = take(runner, quiz_dir, db_url, "small", "--seed", "3", "--json", input=f"{first}\nq\n")

    assert result.exit_code == 0, result.output
    assert "Answer (one of 1-3; q stops): " in result.output
    attempt = json.loads(result.output[result.output.index("{") :])
    assert (attempt["score"], attempt["max_score"], attempt["complete"]) == (1.0, 3.0, False)
    assert stored_rows(db_url) == (1, 1)  # the one answer given; nothing made up for the rest
    text = take(runner, quiz_dir, db_url, "small", "--seed", "3", input=f"{first}\nq\n").output
    assert text.endswith("You stopped after 1 of 3 questions; the 2 not answered score 0.\nScore: 1 / 3 (attempt 2)\n")


@pytest.mark.parametrize("typed", ["q\n", ""], ids=["q", "end-of-input"])
def test_stopping_before_the_first_answer_records_nothing(
    runner: CliRunner, quiz_dir: Path, db_url: str, typed: str
) -> None:
    result = take(runner, quiz_dir, db_url, "small", input=typed)
    assert result.exit_code == 0, result.output
    assert result.output.endswith("You stopped before answering anything: nothing was recorded.\n")
    assert stored_rows(db_url) == (0, 0)


def test_the_end_of_input_midway_keeps_the_answers_given(
    runner: CliRunner, quiz_dir: Path, db_url: str, right_typed: Callable[[int], list[str]]
) -> None:
    first, second, _ = right_typed(5)
    result = take(runner, quiz_dir, db_url, "small", "--seed", "5", input=f"{first}\n{second}\n")
    assert result.exit_code == 0, result.output
    assert "You stopped after 2 of 3 questions" in result.output
    assert stored_rows(db_url) == (1, 2)


def test_take_without_a_quiz_names_the_quizzes_to_choose_from(runner: CliRunner, quiz_dir: Path, db_url: str) -> None:
    result = runner.invoke(main, ["quiz", "take", "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir)])
    assert result.exit_code == 2
    assert result.stderr.endswith("Error: Missing argument 'QUIZ': one of small.\n")


def test_quiz_list_names_each_quiz_with_its_title_and_size(runner: CliRunner, quiz_dir: Path) -> None:
    (quiz_dir / "another.md").write_text(
        "# Another\n\n## q1\n\nWhy?\n\n- [x] a) So\n- [ ] b) No\n\n> So.\n\nTags: relu\n"
    )

    text = runner.invoke(main, ["quiz", "list", "--quizzes", str(quiz_dir)])
    as_json = runner.invoke(main, ["quiz", "list", "--quizzes", str(quiz_dir), "--json"])

    assert (text.exit_code, text.output) == (0, "another  Another (1 question)\nsmall    Small quiz (3 questions)\n")
    assert json.loads(as_json.output) == {
        "quizzes": [
            {"id": "another", "title": "Another", "questions": 1},
            {"id": "small", "title": "Small quiz", "questions": 3},
        ]
    }
