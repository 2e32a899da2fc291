"""Item analysis for instructors: pure functions over stored answers, one row per question.

Each student's first attempt at a quiz counts (one sitting, before any explanation was
seen). A question the attempt stored no answer for (the student stopped before reaching it)
does not count for that student at all.

- answered: how many of those attempts answer the question's current wording.
- blank: how many left it out (an answers file without it). Blanks are not in `answered`.
- facility: the share of students given the question (answered + blank) who got it fully
  right, from 0 to 1; a blank counts as not right. Low facility marks a hard or a badly
  worded question.
- discrimination: the upper-lower index over the same students. They are ranked by their
  attempt's total score; the top 27% form the upper group and the bottom 27% the lower group
  (at least one each; ties keep the order of the attempts). D = facility in the upper group
  minus facility in the lower group, from -1 to 1. Near 0 the question does not tell strong
  students from weak ones; below 0 the strong ones get it wrong more often, which usually
  means a miskeyed answer or a misleading distractor. None with fewer than two students.
- options: how many answers chose each option; a distractor nobody picks does no work, one
  that the upper group picks points at an ambiguity.
- values (numeric questions): each distinct number given and how many gave it, most given
  first, so a common wrong result (a sign error, a forgotten term) stands out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.quiz.model import Question
from grader.quiz.scoring import parse_number, score_question

GROUP_SHARE = 0.27
ROUNDING = 4


@dataclass(frozen=True)
class Response:
    """One stored answer as item analysis sees it."""

    attempt_id: int
    question_id: str
    chosen: tuple[str, ...]
    correct: bool
    points: float


@dataclass(frozen=True)
class OptionCount:
    key: str
    text: str
    correct: bool
    chosen: int


@dataclass(frozen=True)
class ValueCount:
    """A number given to a numeric question, and by how many."""

    value: float
    correct: bool
    chosen: int


@dataclass(frozen=True)
class ItemStats:
    question_id: str
    answered: int
    blank: int
    facility: float | None
    discrimination: float | None
    options: tuple[OptionCount, ...]
    values: tuple[ValueCount, ...] = ()


@dataclass(frozen=True)
class QuizStats:
    quiz_id: str
    title: str
    students: int
    questions: tuple[ItemStats, ...]


def item_statistics(
    questions: Sequence[Question], responses: Sequence[Response], totals: Mapping[int, float]
) -> tuple[ItemStats, ...]:
    """One `ItemStats` per question, in the order given; `totals` maps attempt id to its score."""
    by_question: dict[str, list[Response]] = {}
    for response in responses:
        by_question.setdefault(response.question_id, []).append(response)
    return tuple(_item(question, by_question.get(question.id, []), totals) for question in questions)


def facility(responses: Sequence[Response]) -> float | None:
    if not responses:
        return None
    return round(sum(r.correct for r in responses) / len(responses), ROUNDING)


def discrimination(responses: Sequence[Response], totals: Mapping[int, float]) -> float | None:
    """Upper-lower 27% index of one question (see the module docstring)."""
    if len(responses) < 2:
        return None
    ranked = sorted(responses, key=lambda r: (-totals.get(r.attempt_id, 0.0), r.attempt_id))
    size = max(1, round(GROUP_SHARE * len(ranked)))
    upper, lower = facility(ranked[:size]), facility(ranked[-size:])
    assert upper is not None and lower is not None
    return round(upper - lower, ROUNDING)


def _item(question: Question, responses: list[Response], totals: Mapping[int, float]) -> ItemStats:
    counts = tuple(
        OptionCount(o.key, o.text, o.correct, sum(o.key in r.chosen for r in responses)) for o in question.options
    )
    blank = sum(not r.chosen for r in responses)
    return ItemStats(
        question_id=question.id,
        answered=len(responses) - blank,
        blank=blank,
        facility=facility(responses),
        discrimination=discrimination(responses, totals),
        options=counts,
        values=_values(question, responses) if question.type == "numeric" else (),
    )


def _values(question: Question, responses: Sequence[Response]) -> tuple[ValueCount, ...]:
    given: dict[float, int] = {}
    for response in responses:
        value = parse_number(response.chosen[0]) if response.chosen else None
        if value is not None:
            given[value] = given.get(value, 0) + 1
    rows = [
        ValueCount(value, score_question(question, (repr(value),)).correct, count) for value, count in given.items()
    ]
    return tuple(sorted(rows, key=lambda row: (-row.chosen, row.value)))
