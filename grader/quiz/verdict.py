"""What a person is told after answering a question: a record a terminal or a web page renders.

A `Verdict` keeps the options in the order they were shown, so "the answer: 2) ..." names
the number the person saw; an answer read from a file was shown nothing, and its options
stay in authored order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grader.quiz.model import Option, Question
from grader.quiz.scoring import QuestionScore


@dataclass(frozen=True)
class Verdict:
    question: Question
    score: QuestionScore
    options: tuple[Option, ...]
    """The question's options in the order they were shown (authored order if none were)."""
    label: str = ""
    """Where the question stood: "3/10" in a quiz, the quiz id in practice."""
    next_due: datetime | None = None
    """Practice only: when the question comes back."""

    @property
    def correct(self) -> bool:
        return self.score.correct

    @property
    def blank(self) -> bool:
        return not self.score.chosen

    @property
    def right_options(self) -> tuple[tuple[int, Option], ...]:
        """The correct options, each with its number as shown (from 1)."""
        return tuple((n, o) for n, o in enumerate(self.options, 1) if o.correct)

    @property
    def chosen_options(self) -> tuple[tuple[int, Option], ...]:
        return tuple((n, o) for n, o in enumerate(self.options, 1) if o.key in self.score.chosen)


def verdict(
    question: Question,
    score: QuestionScore,
    options: tuple[Option, ...] | None = None,
    *,
    label: str = "",
    next_due: datetime | None = None,
) -> Verdict:
    return Verdict(question, score, question.options if options is None else options, label, next_due)
