"""A quiz taken over several page loads: a `QuizSitting` saved in the database between them.

A web page cannot keep a `QuizSitting` in memory from one request to the next (the server may
restart, or run as several processes), so each request rebuilds it: the sitting's seed gives
the same shuffled options, and the answers given so far are replayed through `answer()`,
scored exactly as the terminal scores them. Each new answer is saved before its verdict is
shown; a page load that answers a question another already answered changes nothing.

When the last question is answered (or the student stops), `QuizSitting.finish` stores the
attempt as `grader quiz take` does, and the sitting is marked finished in the same
transaction, so the attempt is stored once however often the page is sent.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import AnswerFormatError, GraderError, NotFoundError
from grader.quiz.bank import find_quiz, load_bank
from grader.quiz.model import Quiz
from grader.quiz.results import AttemptResult
from grader.quiz.scoring import score_quiz
from grader.quiz.verdict import Verdict
from grader.service.sittings import QuizSitting
from grader.store.base import utcnow
from grader.students import student_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.store import Store
    from grader.store.sittings import SittingRow


class QuizChanged(GraderError):
    """The quiz was edited after the sitting began: its answers no longer fit."""


class _MovedOn(Exception):
    """Another page load answered or finished the sitting first: this one's change is undone."""


@dataclass
class ResumedSitting:
    """A sitting as the student left it: rebuilt with every answer given so far."""

    id: int
    student: str
    quiz: Quiz
    sitting: QuizSitting
    answers: list[list[str]]
    finished: bool
    attempt_id: int | None

    @property
    def answered(self) -> int:
        return len(self.answers)


MAX_OPEN_SITTINGS = 20
"""Sittings a student may have begun and not finished, so that begun ones cannot pile up."""


def quiz_fingerprint(quiz: Quiz) -> str:
    text = "\n".join(f"{q.id}:{q.content_hash()}" for q in quiz.questions)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def start(store: Store, paths: Sequence[str | Path], quiz_id: str, student: str) -> int:
    """Begin a sitting of `quiz_id` for `student` with a fresh shuffle; its id."""
    from grader.store.sittings import create_sitting
    from grader.store.sittings import open_sittings as open_rows

    quiz = find_quiz(load_bank(paths), quiz_id)
    name = student_name(student)
    seed = secrets.randbits(62)

    def create(session: Session) -> int:
        if len(open_rows(session, name)) >= MAX_OPEN_SITTINGS:
            raise GraderError(
                f"{MAX_OPEN_SITTINGS} quizzes are begun and not finished: finish or stop one before beginning another"
            )
        return create_sitting(session, name, quiz.id, quiz_fingerprint(quiz), seed)

    return store.write(create)


def load(store: Store, paths: Sequence[str | Path], sitting_id: int, student: str) -> ResumedSitting:
    """`student`'s sitting `sitting_id`, rebuilt; NotFoundError for anyone else's."""
    from grader.store.sittings import sitting

    with store.read() as session:
        row = sitting(session, sitting_id)
    if row is None or row.student != student_name(student):
        raise NotFoundError(f"no quiz sitting #{sitting_id} of yours")
    return _rebuild(store, paths, row)


def open_sittings(store: Store, student: str) -> list[SittingRow]:
    """The student's sittings not finished, newest first (to take up again)."""
    from grader.store.sittings import open_sittings as rows

    with store.read() as session:
        return rows(session, student_name(student))


def answer(store: Store, saved: ResumedSitting, keys: Sequence[str]) -> Verdict | None:
    """Score and save the answer to the current question; the last one stores the attempt.

    None when the sitting had moved on (the question was answered in another page load); an
    `AnswerFormatError` for an answer that cannot be read, which changes nothing.
    """
    from grader.store.sittings import add_answer

    before = [list(keys) for keys in saved.answers]
    verdict = saved.sitting.answer(keys)  # checks the answer; raises before anything is saved
    given = [*before, list(keys)]
    if saved.sitting.next_question() is None:
        return verdict if _finish(store, saved, given, len(before)) else None
    if not store.write(lambda session: add_answer(session, saved.id, before, list(keys))):
        return None
    saved.answers = given
    return verdict


def stop(store: Store, saved: ResumedSitting) -> bool:
    """The student stops: the answers given are stored as an incomplete attempt (nothing when
    none was given). False when the sitting had moved on."""
    saved.sitting.stop()
    return _finish(store, saved, saved.answers, len(saved.answers))


def result(store: Store, saved: ResumedSitting) -> AttemptResult | None:
    """The finished sitting's attempt as `grader quiz take` ends with it; None when nothing was
    answered (so nothing was stored)."""
    from grader.service.quizzes import quiz_progress

    if saved.attempt_id is None:
        return None
    summary = next(a for a in quiz_progress(store, saved.student).attempts if a.attempt_id == saved.attempt_id)
    answers = {q.id: tuple(keys) for q, keys in zip(saved.quiz.questions, saved.answers, strict=False)}
    score = score_quiz(saved.quiz, answers)  # as stored: questions not reached score 0
    return AttemptResult(
        saved.attempt_id,
        summary.attempt,
        saved.quiz.id,
        saved.quiz.title,
        saved.student,
        score,
        saved.sitting.verdicts,
        summary.complete,
    )


def _finish(store: Store, saved: ResumedSitting, given: list[list[str]], answered_before: int) -> bool:
    from grader.store.sittings import finish

    at = utcnow()

    def mark(session: Session, attempt_id: int | None) -> None:
        if not finish(session, saved.id, given, answered_before, attempt_id, at):
            raise _MovedOn

    try:
        stored = saved.sitting.finish(on_stored=mark)
        if stored is None:  # nothing answered: nothing stored, the sitting just ends
            store.write(lambda session: mark(session, None))
    except _MovedOn:
        return False
    saved.answers, saved.finished = given, True
    saved.attempt_id = stored.attempt_id if stored is not None else None
    return True


def _rebuild(store: Store, paths: Sequence[str | Path], row: SittingRow) -> ResumedSitting:
    try:
        quiz = find_quiz(load_bank(paths), row.quiz)
    except NotFoundError:
        raise QuizChanged(f"the quiz {row.quiz!r} is no longer in the course; start another") from None
    if quiz_fingerprint(quiz) != row.quiz_hash:
        raise QuizChanged(f"the quiz {quiz.title!r} was changed since you began it; start it again")
    sitting = QuizSitting(store, quiz, row.student, random.Random(row.seed), clock=lambda: row.finished_at or utcnow())
    try:
        for keys in row.answers:
            sitting.answer(keys)
    except AnswerFormatError:
        raise QuizChanged(f"the answers saved for {quiz.title!r} no longer fit it; start it again") from None
    return ResumedSitting(
        row.id,
        row.student,
        quiz,
        sitting,
        [list(keys) for keys in row.answers],
        row.finished_at is not None,
        row.attempt_id,
    )
