"""Scoring answers: pure functions from a question and the chosen option keys to points.

Every question is worth one point.

- single answer: 1 point when exactly the correct option is chosen, else 0.
- multiple answer (partial credit, floored at zero): with C correct and W wrong options,
  each correct option chosen earns 1/C and each wrong option chosen costs 1/W; the total is
  floored at 0. Choosing every option, or none, scores 0; choosing all the correct ones
  and nothing else scores 1. The rule rewards knowing each option rather than guessing
  wide, and no question can take away points earned on another.
- numeric: 1 point when |given - answer| <= tolerance (plus a rounding allowance of
  1e-9), else 0. The answer is a one-element list holding the number.

An answer counts as `correct` only with full points. Points are rounded to 4 decimals so
that stored and printed scores agree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.quiz.model import Question, Quiz
from grader.quiz.quoting import shown

ROUNDING = 4
NUMERIC_SLACK = 1e-9


@dataclass(frozen=True)
class QuestionScore:
    question_id: str
    chosen: tuple[str, ...]
    correct: bool
    points: float
    max_points: float = 1.0


@dataclass(frozen=True)
class QuizScore:
    quiz_id: str
    questions: tuple[QuestionScore, ...]

    @property
    def score(self) -> float:
        return round(sum(q.points for q in self.questions), ROUNDING)

    @property
    def max_score(self) -> float:
        return round(sum(q.max_points for q in self.questions), ROUNDING)


def answer_problem(question: Question, chosen: Sequence[str]) -> str | None:
    """Why `chosen` cannot be an answer to `question` (unknown key, two options for a
    single-answer question, not a number), or None. Untrusted values are quoted safely."""
    name = f"question {shown(question.id)}"
    if question.type == "numeric":
        if len(chosen) > 1:
            return f"{name} takes one number, not {len(chosen)} values"
        if chosen and parse_number(chosen[0]) is None:
            return f"{name} takes a number, not {shown(chosen[0])}"
        return None
    for key in chosen:
        if key not in question.keys:
            keys = ", ".join(question.keys)
            return f"{name} has no option {shown(key)} (options: {keys})"
    if len(set(chosen)) != len(chosen):
        return f"{name}: an option is chosen twice"
    if question.type == "single" and len(chosen) > 1:
        return f"{name} takes one option, not {len(chosen)}"
    return None


def score_question(question: Question, chosen: Sequence[str]) -> QuestionScore:
    """Points for one answer; `chosen` must have passed `answer_problem`."""
    picked = tuple(chosen)
    if question.type == "numeric":
        value = parse_number(picked[0]) if picked else None
        assert question.answer is not None
        right = value is not None and abs(value - question.answer) <= question.tolerance + NUMERIC_SLACK
        points = 1.0 if right else 0.0
    elif question.type == "single":
        points = 1.0 if set(picked) == set(question.correct_keys) else 0.0
    else:
        points = _partial_credit(question, set(picked))
    return QuestionScore(question.id, picked, correct=points == 1.0, points=points)


def score_quiz(quiz: Quiz, answers: Mapping[str, Sequence[str]]) -> QuizScore:
    """Score every question of `quiz`; a question missing from `answers` scores 0 as unanswered."""
    return QuizScore(quiz.id, tuple(score_question(q, answers.get(q.id, ())) for q in quiz.questions))


MAX_NUMBER_CHARS = 40
"""The longest text read as a numeric answer: no honest number is longer, and answers are stored."""


def parse_number(text: str) -> float | None:
    if len(text) > MAX_NUMBER_CHARS:
        return None
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _partial_credit(question: Question, picked: set[str]) -> float:
    correct = question.correct_keys
    wrong = set(question.keys) - correct
    earned = len(picked & correct) / len(correct)
    lost = len(picked & wrong) / len(wrong) if wrong else 0.0
    return round(max(0.0, earned - lost), ROUNDING)
