"""A student answering questions one at a time: a quiz sitting and a practice session.

Both are driven the same way by any front end, the terminal or a web page:

    sitting = QuizSitting.start(store, bank, "activation-functions", "ada")
    while (asked := sitting.next_question()) is not None:
        ...show asked.presented, read keys (grader.quiz.present.read_choice for typed numbers)...
        verdict = sitting.answer(keys)       # scored at once; AnswerFormatError if unreadable
        ...show the verdict...                # or sitting.stop() when the student quits
    result = sitting.finish()                 # stores what was answered, in one transaction

A quiz sitting stores its attempt when it finishes, whether the student answered every
question or stopped midway (then only the answers given, and the attempt is marked
incomplete); nothing is stored if nothing was answered. A practice session stores each
answer as it is given, with the question's new schedule, so stopping loses nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import AnswerFormatError
from grader.quiz.bank import find_quiz, load_bank
from grader.quiz.model import Quiz
from grader.quiz.present import Asked, Presented, present
from grader.quiz.results import AttemptResult, PracticeSummary
from grader.quiz.scoring import answer_problem, score_question
from grader.quiz.verdict import Verdict, verdict
from grader.service import quizzes as service
from grader.store.base import utcnow
from grader.students import student_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.store import Store

Clock = Callable[[], datetime]


class QuizSitting:
    """One sitting of a whole quiz, options shuffled per question; stored by `finish()`."""

    def __init__(
        self, store: Store, quiz: Quiz, student: str, rng: random.Random | None = None, clock: Clock = utcnow
    ) -> None:
        self.store = store
        self.quiz = quiz
        self.student = student_name(student)
        self._clock = clock
        rng = rng or random.Random()
        self._shown = [present(question, rng) for question in quiz.questions]
        self._answers: dict[str, tuple[str, ...]] = {}
        self._verdicts: list[Verdict] = []
        self._position = 0
        self._stopped = False
        self._result: AttemptResult | None = None

    @classmethod
    def start(
        cls,
        store: Store,
        paths: Sequence[str | Path],
        quiz_id: str,
        student: str,
        rng: random.Random | None = None,
        clock: Clock = utcnow,
    ) -> QuizSitting:
        return cls(store, find_quiz(load_bank(paths), quiz_id), student, rng, clock)

    @property
    def total(self) -> int:
        return len(self._shown)

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        return tuple(self._verdicts)

    def next_question(self) -> Asked | None:
        """The question to answer now, or None when every question is answered or the student
        stopped."""
        if self._stopped or self._result is not None or self._position >= self.total:
            return None
        return Asked(self._shown[self._position], self._label(self._position))

    def answer(self, keys: Sequence[str]) -> Verdict:
        """Score the answer to the current question (authored option keys, or the number typed);
        an `AnswerFormatError` leaves the question current, to be answered again."""
        asked = self.next_question()
        if asked is None:
            raise AnswerFormatError("no question is waiting for an answer")
        question = asked.presented.question
        chosen = tuple(keys)
        problem = answer_problem(question, chosen)
        if problem is not None:
            raise AnswerFormatError(problem)
        result = verdict(question, score_question(question, chosen), asked.presented.options, label=asked.label)
        self._answers[question.id] = chosen
        self._verdicts.append(result)
        self._position += 1
        return result

    def stop(self) -> None:
        """The student quits: `finish()` stores the answers given so far."""
        self._stopped = True

    def finish(self, on_stored: Callable[[Session, int], None] | None = None) -> AttemptResult | None:
        """Store the attempt (once) and return it; None when nothing was answered.
        `on_stored(session, attempt_id)` runs in the attempt's transaction."""
        if self._result is not None:
            return self._result
        if not self._answers:
            self._stopped = True
            return None
        complete = len(self._answers) == self.total
        self._result = service.submit_attempt(
            self.store,
            self.quiz,
            self.student,
            self._answers,
            self._clock(),
            complete=complete,
            shown_options={p.question.id: p.options for p in self._shown},
            labels={p.question.id: self._label(n) for n, p in enumerate(self._shown)},
            on_stored=on_stored,
        )
        return self._result

    def _label(self, position: int) -> str:
        return f"{position + 1}/{self.total}"


class PracticeSession:
    """Spaced-repetition practice (FSRS): due questions first, then new ones, each answer
    stored and rescheduled as it is given, until `limit` questions or nothing is due."""

    def __init__(
        self,
        store: Store,
        student: str,
        quiz_ids: Sequence[str],
        *,
        limit: int = 20,
        rng: random.Random | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.student = student_name(student)
        self.quiz_ids = tuple(quiz_ids)
        self.limit = limit
        self._rng = rng or random.Random()
        self._clock = clock
        self._verdicts: list[Verdict] = []
        self._current: tuple[service.PracticeItem, Presented] | None = None
        self._stopped = False
        self.opening = service.practice_queue(store, self.student, self.quiz_ids, clock())
        """Where the schedule stood when the session began: due and new questions."""

    @classmethod
    def start(
        cls,
        store: Store,
        paths: Sequence[str | Path],
        quiz_id: str | None,
        student: str,
        *,
        limit: int = 20,
        rng: random.Random | None = None,
        clock: Clock = utcnow,
    ) -> PracticeSession:
        """Practise one quiz of the bank, or all of it; the bank is loaded into the database first."""
        quizzes = service.sync_bank(store, paths)
        ids = [find_quiz(quizzes, quiz_id).id] if quiz_id else [q.id for q in quizzes]
        return cls(store, student, ids, limit=limit, rng=rng, clock=clock)

    def next_question(self) -> Asked | None:
        """The question due now (or the next new one), or None when the session is over."""
        if self._current is not None:
            item, presented = self._current
            return Asked(presented, item.quiz_id)
        if self._stopped or len(self._verdicts) >= self.limit:
            return None
        queue = service.practice_queue(self.store, self.student, self.quiz_ids, self._clock())
        if queue.item is None:
            return None
        presented = present(queue.item.question, self._rng)
        self._current = (queue.item, presented)
        return Asked(presented, queue.item.quiz_id)

    @property
    def asking(self) -> service.PracticeItem | None:
        """The question put by `next_question` and not answered yet."""
        return self._current[0] if self._current is not None else None

    def answer(self, keys: Sequence[str]) -> Verdict:
        """Score, store and reschedule the answer to the current question; the verdict says
        when the question comes back."""
        if self._current is None:
            raise AnswerFormatError("no question is waiting for an answer")
        item, presented = self._current
        review = service.record_review(self.store, self.student, item, keys, self._clock())
        self._current = None
        result = service.review_verdict(item, review, presented.options)
        self._verdicts.append(result)
        return result

    def stop(self) -> None:
        self._stopped = True
        self._current = None

    def summary(self) -> PracticeSummary:
        """The session's answers and what waits now."""
        queue = service.practice_queue(self.store, self.student, self.quiz_ids, self._clock())
        return PracticeSummary(tuple(self._verdicts), queue.due, queue.new, queue.next_due, self._stopped)
