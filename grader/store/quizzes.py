"""Quiz reads and writes on a SQLAlchemy session: every query of the quiz feature lives here.

Functions take the session they work in, so a caller composes them into one transaction
(`Store.write`): loading a quiz, the student and every answer of an attempt commit
together or not at all. They take and return plain values, the frozen rows defined here
and the shared records of `grader.records`, never `grader.quiz` records: the service
converts between the two, so the store does not depend on how quizzes are parsed, scored
or scheduled. Only portable SQLAlchemy constructs are used (no SQLite-only SQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from grader.records import QuizAttemptSummary
from grader.store.quiz_models import (
    PracticeCard,
    QuestionVersion,
    QuizAnswer,
    QuizAttempt,
    QuizQuestion,
    QuizRecord,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class QuestionContent:
    """A question as stored: one wording (a version row) and the question's tags.

    `options` are (key, text, correct) in authored order; `content_hash` identifies the
    wording, and a new hash makes a new version.
    """

    slug: str
    content_hash: str
    type: str
    prompt: str
    options: tuple[tuple[str, str, bool], ...]
    explanation: str
    tags: tuple[str, ...]
    answer: float | None = None
    tolerance: float = 0.0


@dataclass(frozen=True)
class QuizContent:
    slug: str
    title: str
    questions: tuple[QuestionContent, ...]


@dataclass(frozen=True)
class StoredQuestion:
    """A question now in its quiz file, with the ids its answers and schedule are stored under."""

    question_id: int
    version_id: int
    content: QuestionContent


@dataclass(frozen=True)
class AnswerRow:
    """One scored answer, ready to store: the option keys chosen (or the number typed)."""

    question: str
    chosen: tuple[str, ...]
    correct: bool
    points: float
    max_points: float


@dataclass(frozen=True)
class CardRow:
    """A student's FSRS card for one question: the JSON of `fsrs.Card.to_dict()`, and when due."""

    question_id: int
    card: dict[str, Any]
    due: datetime
    reviews: int


@dataclass(frozen=True)
class ResponseRow:
    """An answer given in an attempt, as item analysis reads it."""

    attempt_id: int
    question: str
    chosen: tuple[str, ...]
    correct: bool
    points: float


@dataclass(frozen=True)
class RecordedAttempt:
    attempt_id: int
    attempt: int
    """1 for the student's first attempt at this quiz, 2 for the second, ... (not the database id)."""
    question_ids: dict[str, int]
    """Question slug -> the id its practice card is kept under."""


@dataclass(frozen=True)
class SyncReport:
    """What loading the bank changed; all zero when the files were loaded before unchanged."""

    quizzes_added: int = 0
    questions_added: int = 0
    versions_added: int = 0
    questions_updated: int = 0


def sync_quizzes(session: Session, quizzes: Iterable[QuizContent]) -> SyncReport:
    """Make the database hold `quizzes` as written, touching nothing that is already so.

    A question whose wording changed gets a new version (the old one and its answers stay);
    a question that left the file keeps its rows with no position.
    """
    counts = {"quizzes": 0, "questions": 0, "versions": 0, "updated": 0}
    for quiz in quizzes:
        record = session.scalar(select(QuizRecord).where(QuizRecord.slug == quiz.slug))
        if record is None:
            record = QuizRecord(slug=quiz.slug, title=quiz.title)
            session.add(record)
            session.flush()
            counts["quizzes"] += 1
        elif record.title != quiz.title:
            record.title = quiz.title
        rows = {row.slug: row for row in session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == record.id))}
        for position, question in enumerate(quiz.questions):
            row = rows.pop(question.slug, None)
            tags = list(question.tags)
            if row is None:
                row = QuizQuestion(
                    quiz_id=record.id,
                    slug=question.slug,
                    position=position,
                    tags=tags,
                    current_hash=question.content_hash,
                )
                session.add(row)
                session.flush()
                counts["questions"] += 1
            elif (row.position, list(row.tags), row.current_hash) != (position, tags, question.content_hash):
                row.position, row.tags, row.current_hash = position, tags, question.content_hash
                counts["updated"] += 1
            exists = session.scalar(
                select(QuestionVersion.id).where(
                    QuestionVersion.question_id == row.id,
                    QuestionVersion.content_hash == question.content_hash,
                )
            )
            if exists is None:
                session.add(_version_row(row.id, question))
                counts["versions"] += 1
        for gone in rows.values():
            if gone.position is not None:
                gone.position = None
                counts["updated"] += 1
    session.flush()
    return SyncReport(counts["quizzes"], counts["questions"], counts["versions"], counts["updated"])


def student_id(session: Session, name: str, *, create: bool = True) -> int | None:
    """The id of the student called `name` (created on first use when `create`), else None."""
    from grader.store.students import find_student, student_named

    found = student_named(session, name) if create else find_student(session, name)
    return None if found is None else found.id


def quiz_titles(session: Session) -> dict[str, str]:
    """Every quiz in the database, slug -> title, by slug."""
    found = session.execute(select(QuizRecord.slug, QuizRecord.title).order_by(QuizRecord.slug))
    return {slug: title for slug, title in found}


def current_questions(session: Session, slug: str) -> list[StoredQuestion] | None:
    """The questions now in the quiz's file, in file order, each with its current wording;
    None when the database holds no quiz `slug`."""
    record = session.scalar(select(QuizRecord).where(QuizRecord.slug == slug))
    if record is None:
        return None
    rows = session.execute(
        select(QuizQuestion, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.question_id == QuizQuestion.id)
        .where(
            QuizQuestion.quiz_id == record.id,
            QuizQuestion.position.is_not(None),
            QuestionVersion.content_hash == QuizQuestion.current_hash,
        )
        .order_by(QuizQuestion.position)
    )
    return [StoredQuestion(row.id, version.id, _content(row, version)) for row, version in rows]


def record_attempt(
    session: Session,
    student: int,
    quiz: QuizContent,
    answers: Sequence[AnswerRow],
    at: datetime,
    *,
    score: float,
    max_score: float,
    complete: bool = True,
) -> RecordedAttempt:
    """Store an attempt and each of its answers, tied to the wording that was asked.

    The quiz is synced first, so the wording stored is the one that was scored.
    `complete` is False for an attempt the student stopped before its last question: it
    holds the answers given, and the questions never reached have no answer row.
    """
    sync_quizzes(session, [quiz])
    record = session.scalars(select(QuizRecord).where(QuizRecord.slug == quiz.slug)).one()
    stored = {q.content.slug: q for q in current_questions(session, quiz.slug) or []}
    attempt = QuizAttempt(
        student_id=student,
        quiz_id=record.id,
        created_at=at,
        score=score,
        max_score=max_score,
        complete=complete,
    )
    session.add(attempt)
    for answer in answers:
        attempt.answers.append(_answer_row(student, stored[answer.question].version_id, "take", answer, at))
    session.flush()
    number = session.scalar(
        select(func.count(QuizAttempt.id)).where(
            QuizAttempt.student_id == student, QuizAttempt.quiz_id == record.id, QuizAttempt.id <= attempt.id
        )
    )
    return RecordedAttempt(attempt.id, int(number or 0), {slug: q.question_id for slug, q in stored.items()})


def record_practice_answer(session: Session, student: int, version_id: int, answer: AnswerRow, at: datetime) -> None:
    session.add(_answer_row(student, version_id, "practice", answer, at))


def practice_cards(
    session: Session, student: int | None, question_ids: Sequence[int], *, lock: bool = False
) -> dict[int, CardRow]:
    """The student's cards for the given questions, by question id (none for a new student).
    With `lock`, the rows stay locked until the transaction ends (FOR UPDATE; SQLite's write
    transactions lock the whole database already), so that a review reads what it replaces."""
    if student is None or not question_ids:
        return {}
    query = select(PracticeCard).where(PracticeCard.student_id == student, PracticeCard.question_id.in_(question_ids))
    cards = session.scalars(query.with_for_update() if lock else query)
    return {c.question_id: CardRow(c.question_id, dict(c.card), c.due, c.reviews) for c in cards}


def save_card(session: Session, student: int, question_id: int, card: dict[str, Any], due: datetime) -> None:
    row = session.scalar(
        select(PracticeCard).where(PracticeCard.student_id == student, PracticeCard.question_id == question_id)
    )
    if row is None:
        session.add(PracticeCard(student_id=student, question_id=question_id, card=card, due=due, reviews=1))
    else:
        row.card, row.due, row.reviews = card, due, row.reviews + 1


def first_attempt_answers(session: Session, slug: str) -> tuple[list[ResponseRow], dict[int, float]]:
    """Answers to current wordings from each student's first attempt at quiz `slug`, and each
    such attempt's score.

    Item analysis wants one sitting per student, taken before the explanations were seen.
    """
    record = session.scalar(select(QuizRecord).where(QuizRecord.slug == slug))
    if record is None:
        return [], {}
    firsts = (
        select(func.min(QuizAttempt.id).label("id"))
        .where(QuizAttempt.quiz_id == record.id)
        .group_by(QuizAttempt.student_id)
        .subquery()
    )
    totals = {
        attempt_id: score
        for attempt_id, score in session.execute(
            select(QuizAttempt.id, QuizAttempt.score).where(QuizAttempt.id.in_(select(firsts.c.id)))
        )
    }
    rows = session.execute(
        select(QuizAnswer.attempt_id, QuizQuestion.slug, QuizAnswer.chosen, QuizAnswer.correct, QuizAnswer.points)
        .join(QuestionVersion, QuestionVersion.id == QuizAnswer.version_id)
        .join(QuizQuestion, QuizQuestion.id == QuestionVersion.question_id)
        .where(
            QuizAnswer.attempt_id.in_(select(firsts.c.id)),
            QuestionVersion.content_hash == QuizQuestion.current_hash,
        )
        .order_by(QuizAnswer.id)
    )
    answers = [
        ResponseRow(attempt_id or 0, question, tuple(chosen), bool(correct), float(points))
        for attempt_id, question, chosen, correct, points in rows
    ]
    return answers, totals


def student_attempts(session: Session, name: str) -> list[QuizAttemptSummary]:
    """Every quiz attempt of the student called `name`, oldest first, each numbered among the
    student's attempts at the same quiz, with the questions it missed in quiz order."""
    from sqlalchemy.orm import selectinload

    from grader.store.models import Student

    attempts = session.scalars(
        select(QuizAttempt)
        .join(Student, Student.id == QuizAttempt.student_id)
        .where(Student.name == name)
        .options(
            selectinload(QuizAttempt.quiz),
            selectinload(QuizAttempt.answers).selectinload(QuizAnswer.version).selectinload(QuestionVersion.question),
        )
        .order_by(QuizAttempt.created_at, QuizAttempt.id)
    ).all()
    counted: dict[int, int] = {}
    numbers = {}
    for attempt in sorted(attempts, key=lambda a: a.id):
        counted[attempt.quiz_id] = numbers[attempt.id] = counted.get(attempt.quiz_id, 0) + 1
    return [_summary(attempt, numbers[attempt.id]) for attempt in attempts]


def _summary(attempt: QuizAttempt, number: int) -> QuizAttemptSummary:
    answers = sorted(attempt.answers, key=lambda a: (a.version.question.position or 0, a.id))
    return QuizAttemptSummary(
        attempt_id=attempt.id,
        attempt=number,
        quiz=attempt.quiz.slug,
        title=attempt.quiz.title,
        created_at=attempt.created_at,
        score=attempt.score,
        max_score=attempt.max_score,
        complete=attempt.complete,
        answered=sum(bool(a.chosen) for a in answers),
        missed=tuple(a.version.question.slug for a in answers if not a.correct),
    )


def _content(row: QuizQuestion, version: QuestionVersion) -> QuestionContent:
    return QuestionContent(
        slug=row.slug,
        content_hash=version.content_hash,
        type=version.type,
        prompt=version.prompt,
        options=tuple((str(o["key"]), str(o["text"]), bool(o["correct"])) for o in version.options),
        explanation=version.explanation,
        tags=tuple(row.tags),
        answer=version.answer,
        tolerance=version.tolerance,
    )


def _version_row(question_id: int, question: QuestionContent) -> QuestionVersion:
    return QuestionVersion(
        question_id=question_id,
        content_hash=question.content_hash,
        type=question.type,
        prompt=question.prompt,
        options=[{"key": key, "text": text, "correct": correct} for key, text, correct in question.options],
        explanation=question.explanation,
        answer=question.answer,
        tolerance=question.tolerance,
    )


def _answer_row(student: int, version_id: int, mode: str, answer: AnswerRow, at: datetime) -> QuizAnswer:
    return QuizAnswer(
        student_id=student,
        version_id=version_id,
        mode=mode,
        answered_at=at,
        chosen=list(answer.chosen),
        correct=answer.correct,
        points=answer.points,
        max_points=answer.max_points,
    )
