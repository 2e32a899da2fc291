"""The shipped bank: valid, the lesson's four questions word for word, every section covered."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.quiz.bank import check_paths, load_bank
from grader.settings import resolve_quizzes_dir

BANK = Path(__file__).resolve().parents[2] / "quizzes"
LESSON_QUESTIONS = [
    "What is the primary function of a perceptron?",
    "Why do we need activation functions?",
    "What is the output range of sigmoid function?",
    "What does backpropagation do?",
]
SECTIONS = {
    "neurons",
    "perceptron",
    "and-gate",
    "activation-functions",
    "sigmoid",
    "relu",
    "tanh",
    "forward-pass",
    "backpropagation",
    "gradient-descent",
    "architectures",
    "key-concepts",
}


def test_the_bank_validates_cleanly() -> None:
    assert check_paths([BANK]) == []


def test_the_bank_asks_the_lessons_four_questions_word_for_word_as_multiple_choice() -> None:
    questions = {q.prompt: q for quiz in load_bank([BANK]) for q in quiz.questions}
    for prompt in LESSON_QUESTIONS:
        assert prompt in questions
        assert questions[prompt].type == "single"
        assert len(questions[prompt].options) >= 4


def test_the_bank_has_at_least_25_questions_and_covers_every_lesson_section() -> None:
    questions = [q for quiz in load_bank([BANK]) for q in quiz.questions]
    assert len(questions) >= 25
    tags = {tag for q in questions for tag in q.tags}
    assert SECTIONS <= tags
    assert tags <= SECTIONS, "a tag outside the lesson's sections (typo?)"
    assert {"single", "multiple", "numeric"} <= {q.type for q in questions}


def test_the_sigmoid_question_offers_the_ranges_students_confuse() -> None:
    [question] = [q for quiz in load_bank([BANK]) for q in quiz.questions if q.id == "sigmoid-range"]
    assert {o.text for o in question.options} == {"(0, 1)", "[0, 1]", "(-1, 1)", "[0, ∞)"}
    assert [o.text for o in question.options if o.correct] == ["(0, 1)"]


def test_without_a_local_quizzes_folder_the_bank_beside_the_package_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_QUIZZES", raising=False)
    assert resolve_quizzes_dir(None, {}, tmp_path) == BANK
    (tmp_path / "quizzes").mkdir()
    assert resolve_quizzes_dir(None, {}, tmp_path) == tmp_path / "quizzes"
