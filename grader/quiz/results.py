"""How a sitting ended: a quiz attempt as stored, and a practice session's tally.

Plain frozen records, built by `grader.service` and rendered by `grader.quiz.text` (for a
terminal) or `grader.contracts` (as JSON); a web page renders the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grader.quiz.scoring import QuizScore
from grader.quiz.verdict import Verdict


@dataclass(frozen=True)
class AttemptResult:
    """A quiz attempt as recorded.

    `verdicts` hold one entry per question answered or left blank, in quiz order; an attempt
    the student stopped midway (`complete` False) has none for the questions never reached,
    and those score 0 in `score`.
    """

    attempt_id: int
    attempt: int
    """1 for the student's first attempt at this quiz, 2 for the second, ... (not the database id)."""
    quiz_id: str
    title: str
    student: str
    score: QuizScore
    verdicts: tuple[Verdict, ...]
    complete: bool = True

    @property
    def questions(self) -> int:
        return len(self.score.questions)

    @property
    def answered(self) -> int:
        return sum(not v.blank for v in self.verdicts)

    @property
    def missed(self) -> tuple[Verdict, ...]:
        """The questions answered without full marks, or left blank."""
        return tuple(v for v in self.verdicts if not v.correct)


@dataclass(frozen=True)
class PracticeSummary:
    """A practice session's answers, and where the student's schedule stands after it."""

    verdicts: tuple[Verdict, ...]
    due: int
    """Questions due now that were not asked (the session's limit, or the student stopped)."""
    new: int
    next_due: datetime | None
    """When the next question that is not due yet comes back."""
    stopped: bool = False
    """The student stopped the session (`q`) rather than running out of questions or the limit."""

    @property
    def right(self) -> int:
        return sum(v.correct for v in self.verdicts)

    @property
    def partly(self) -> int:
        return sum(not v.correct and v.score.points > 0 for v in self.verdicts)

    @property
    def wrong(self) -> int:
        return sum(v.score.points == 0 for v in self.verdicts)
