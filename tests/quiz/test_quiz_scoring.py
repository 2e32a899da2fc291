"""Scoring: one point a question; multiple answers earn partial credit, floored at zero."""

from __future__ import annotations

import pytest

from grader.quiz.model import Option, Question, Quiz
from grader.quiz.scoring import answer_problem, score_question, score_quiz


def multiple(correct: str = "ab", keys: str = "abcd") -> Question:
    options = tuple(Option(k, f"option {k}", k in correct) for k in keys)
    return Question("m", "multiple", "Pick", options, "Because", ("tag",))


SINGLE = Question(
    "s",
    "single",
    "Pick one",
    (Option("a", "A", False), Option("b", "B", True)),
    "Because",
    ("tag",),
)
NUMERIC = Question("n", "numeric", "How much?", (), "Because", ("tag",), answer=0.25, tolerance=0.01)


@pytest.mark.parametrize(
    ("chosen", "points"),
    [
        (["a", "b"], 1.0),  # exactly the correct ones
        (["a"], 0.5),  # half of the correct ones
        (["a", "c"], 0.0),  # +1/2 for a, -1/2 for c
        (["a", "b", "c"], 0.5),  # one wrong option costs 1/W = 1/2
        (["a", "b", "c", "d"], 0.0),  # choosing everything earns nothing
        (["c", "d"], 0.0),  # floored at zero, never negative
        ([], 0.0),
    ],
)
def test_multiple_answer_partial_credit(chosen: list[str], points: float) -> None:
    score = score_question(multiple(), chosen)
    assert score.points == points
    assert score.correct is (points == 1.0)


def test_partial_credit_is_rounded_and_not_penalised_when_every_option_is_correct() -> None:
    assert score_question(multiple("abc", "abcd"), ["a"]).points == 0.3333
    assert score_question(multiple("ab", "ab"), ["a"]).points == 0.5


def test_single_answer_is_all_or_nothing() -> None:
    assert score_question(SINGLE, ["b"]).points == 1.0
    assert score_question(SINGLE, ["a"]).points == 0.0
    assert score_question(SINGLE, ["a", "b"]).points == 0.0


def test_numeric_answer_within_tolerance() -> None:
    assert score_question(NUMERIC, ["0.255"]).correct
    assert score_question(NUMERIC, ["0.26"]).correct  # on the edge of the tolerance
    assert not score_question(NUMERIC, ["-0.25"]).correct


def test_unknown_keys_and_non_numbers_are_refused_before_scoring() -> None:
    assert answer_problem(SINGLE, ["z"]) == 'question "s" has no option "z" (options: a, b)'
    assert answer_problem(NUMERIC, ["lots"]) == 'question "n" takes a number, not "lots"'
    assert answer_problem(SINGLE, ["b"]) is None


def test_a_quiz_scores_unanswered_questions_as_zero() -> None:
    result = score_quiz(Quiz("q", "Q", (SINGLE, multiple(), NUMERIC)), {"s": ["b"], "m": ["a"]})
    assert [(q.question_id, q.points) for q in result.questions] == [
        ("s", 1.0),
        ("m", 0.5),
        ("n", 0.0),
    ]
    assert (result.score, result.max_score) == (1.5, 3.0)
