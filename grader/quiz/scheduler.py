"""Spaced repetition for practice: FSRS (the `fsrs` package) decides when a question returns.

An answer becomes an FSRS rating: fully right is Good, partly right (some points on a
multiple-answer question) is Hard, no points is Again. A question answered wrong comes back
within minutes; one answered right waits longer each time it is right again. The card is
kept as the JSON of `fsrs.Card.to_dict()`, so any process can pick the schedule up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from grader.quiz.scoring import QuestionScore

if TYPE_CHECKING:
    from fsrs import Rating, Scheduler


@dataclass(frozen=True)
class Review:
    """The card after a review, ready to store, and when it is next due."""

    card: dict[str, Any]
    due: datetime
    rating: str


def rating_for(score: QuestionScore) -> Rating:
    from fsrs import Rating

    if score.correct:
        return Rating.Good
    return Rating.Hard if score.points > 0 else Rating.Again


def review(
    card: dict[str, Any] | None,
    score: QuestionScore,
    at: datetime,
    *,
    card_id: int,
    scheduler: Scheduler | None = None,
) -> Review:
    """Apply one answer given at `at` (time-zone aware) to a stored card, or to a new one."""
    from fsrs import Card, Scheduler

    # The stored JSON is what `Card.to_dict()` produced (a `CardDict`).
    current = Card.from_dict(card) if card is not None else Card(card_id=card_id, due=at)  # type: ignore[arg-type]
    rating = rating_for(score)
    updated, _log = (scheduler or Scheduler()).review_card(current, rating, at)
    return Review(card=dict(updated.to_dict()), due=updated.due, rating=rating.name.lower())
