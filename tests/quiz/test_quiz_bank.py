"""The shipped bank: valid, the lesson's four questions word for word, every section covered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.quiz.bank import check_paths, load_bank
from grader.quiz.model import Question
from grader.quiz.sections import LESSON_SECTIONS
from grader.settings import resolve_quizzes_dir

BANK = Path(__file__).resolve().parents[2] / "quizzes"
LESSON_QUESTIONS = [
    "What is the primary function of a perceptron?",
    "Why do we need activation functions?",
    "What is the output range of sigmoid function?",
    "What does backpropagation do?",
]
SECTIONS = set(LESSON_SECTIONS)


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


def bank_questions() -> dict[str, Question]:
    return {q.id: q for quiz in load_bank([BANK]) for q in quiz.questions}


def test_questions_are_filed_under_the_sections_they_ask_about() -> None:
    questions = bank_questions()
    assert "and-gate" not in questions["perceptron-xor"].tags  # XOR is not the AND example
    assert set(questions["tanh-vs-sigmoid"].tags) == {"tanh", "sigmoid"}  # ReLU is only a distractor
    assert "multi-layer-network" in questions["network-weight-count"].tags


def test_no_distractor_that_a_careful_instructor_would_have_to_accept() -> None:
    defensible = {
        # the lesson's heading "Backpropagation: How Networks Learn" holds step 4, the update
        "It updates the weights to reduce the loss",
        "Backprop: optimize weights",
        # a much too large learning rate can also leave gradients at zero (dead ReLUs)
        "The gradients become zero and training stops",
        # thresholded, a stack of linear layers separates classes as a perceptron does
        "Exactly what a perceptron with a step function can",
    }
    wrong_options = {o.text for q in bank_questions().values() for o in q.options if not o.correct}
    assert wrong_options & defensible == set()


def test_questions_apply_the_lesson_instead_of_asking_for_its_wording() -> None:
    recall = re.compile(r"does the lesson say|table call|in the key-concepts table", re.IGNORECASE)
    assert [q.id for q in bank_questions().values() if recall.search(q.prompt)] == []


def test_no_right_answer_stands_out_by_being_the_longest_option() -> None:
    cues = []
    for question in bank_questions().values():
        if question.type != "single":
            continue
        [key] = [o.text for o in question.options if o.correct]
        longest_wrong = max(len(o.text) for o in question.options if not o.correct)
        if len(key) > 20 and len(key) > 1.35 * longest_wrong:
            cues.append(question.id)
    assert cues == []


def test_the_tag_vocabulary_is_documented_in_the_bank_readme() -> None:
    readme = (BANK / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", readme, re.MULTILINE)
    assert documented == list(LESSON_SECTIONS.items())


def test_the_sigmoid_question_offers_the_ranges_students_confuse() -> None:
    [question] = [q for quiz in load_bank([BANK]) for q in quiz.questions if q.id == "sigmoid-range"]
    assert {o.text for o in question.options} == {"(0, 1)", "[0, 1]", "(-1, 1)", "[0, ∞)"}
    assert [o.text for o in question.options if o.correct] == ["(0, 1)"]


def test_without_a_local_quizzes_folder_the_installed_bank_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_QUIZZES", raising=False)
    assert resolve_quizzes_dir(None, {}, tmp_path) == BANK
    (tmp_path / "quizzes").mkdir()
    assert resolve_quizzes_dir(None, {}, tmp_path) == tmp_path / "quizzes"
