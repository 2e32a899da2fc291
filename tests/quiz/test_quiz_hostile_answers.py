"""Answers that are not honest ones (typed, in a file, or piled up) get one line, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.errors import AnswerFormatError, GraderError
from grader.quiz.bank import find_quiz, load_bank
from grader.quiz.present import present, read_choice
from grader.quiz.scoring import parse_number
from grader.service import saved_sittings
from grader.settings import bundled_quizzes_dir
from grader.store import open_store


def first_question(quiz_id: str, kind: str):  # type: ignore[no-untyped-def]
    import random

    quiz = find_quiz(load_bank([bundled_quizzes_dir()]), quiz_id)
    question = next(q for q in quiz.questions if q.type == kind)
    return present(question, random.Random(0))


def test_an_option_number_of_thousands_of_digits_is_not_an_option_and_no_crash() -> None:
    with pytest.raises(AnswerFormatError, match="is not an option number"):
        read_choice(first_question("key-concepts", "single"), "1" * 4301)


def test_a_numeric_answer_longer_than_any_number_is_not_a_number() -> None:
    assert parse_number("24") == 24.0
    assert parse_number(" " * 500 + "24") is None


@pytest.mark.parametrize("content", ['{"network-weight-count": NaN}', '{"network-weight-count": [1e400]}'])
def test_an_answers_file_with_a_number_json_does_not_allow_is_one_line(tmp_path: Path, content: str) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(content)
    result = CliRunner().invoke(
        main,
        [
            "quiz",
            "take",
            "networks-and-learning",
            "--answers",
            str(answers),
            "--student",
            "ada",
            "--db",
            f"sqlite:///{tmp_path / 'g.db'}",
        ],  # fmt: skip
    )
    assert result.exit_code == 2 and result.output.startswith(f"Error: {answers}: not valid JSON")


def test_a_fifo_given_as_the_answers_file_is_refused_not_read_for_ever(tmp_path: Path) -> None:
    fifo = tmp_path / "answers.json"
    os.mkfifo(fifo)
    result = CliRunner().invoke(
        main,
        [
            "quiz",
            "take",
            "key-concepts",
            "--answers",
            str(fifo),
            "--student",
            "ada",
            "--db",
            f"sqlite:///{tmp_path / 'g.db'}",
        ],  # fmt: skip
    )
    assert (result.exit_code, result.output) == (2, f"Error: {fifo}: not a regular file\n")


def test_sittings_begun_and_never_finished_cannot_pile_up(tmp_path: Path) -> None:
    bank = [bundled_quizzes_dir()]
    with open_store(f"sqlite:///{tmp_path / 'g.db'}") as store:
        for _ in range(saved_sittings.MAX_OPEN_SITTINGS):
            saved_sittings.start(store, bank, "key-concepts", "ada")
        with pytest.raises(GraderError, match="finish or stop one"):
            saved_sittings.start(store, bank, "key-concepts", "ada")
        saved_sittings.start(store, bank, "key-concepts", "ben")  # another student is not held up
