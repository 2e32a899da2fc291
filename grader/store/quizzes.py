"""Quiz reads and writes on a SQLAlchemy session: every query of the quiz feature lives here.

Functions take the session they work in, so a caller composes them into one transaction
(`Store.write`): loading a quiz, the student and every answer of an attempt commit
together or not at all. Only portable SQLAlchemy constructs are used (no SQLite-only SQL).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from grader.quiz.model import Option, Question, Quiz, question_type
from grader.quiz.scoring import QuestionScore, QuizScore
from grader.quiz.stats import Response

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.store.models import Student
    from grader.store.quiz_models import PracticeCard, QuestionVersion, QuizQuestion, QuizRecord


@dataclass(frozen=True)
class SyncReport:
    """What loading the bank changed; all zero when the files were loaded before unchanged."""

    quizzes_added: int = 0
    questions_added: int = 0
    versions_added: int = 0
    questions_updated: int = 0


def sync_quizzes(session: Session, quizzes: Iterable[Quiz]) -> SyncReport:
    """Make the database hold `quizzes` as written, touching nothing that is already so.

    A question whose wording changed gets a new version (the old one and its answers stay);
    a question that left the file keeps its rows with no position.
    """
    from sqlalchemy import select

    from grader.store.quiz_models import QuestionVersion, QuizQuestion, QuizRecord

    counts = {"quizzes": 0, "questions": 0, "versions": 0, "updated": 0}
    for quiz in quizzes:
        record = session.scalar(select(QuizRecord).where(QuizRecord.slug == quiz.id))
        if record is None:
            record = QuizRecord(slug=quiz.id, title=quiz.title)
            session.add(record)
            session.flush()
            counts["quizzes"] += 1
        elif record.title != quiz.title:
            record.title = quiz.title
        rows = {row.slug: row for row in session.scalars(select(QuizQuestion).where(QuizQuestion.quiz_id == record.id))}
        for position, question in enumerate(quiz.questions):
            content_hash = question.content_hash()
            row = rows.pop(question.id, None)
            if row is None:
                row = QuizQuestion(
                    quiz_id=record.id,
                    slug=question.id,
                    position=position,
                    tags=list(question.tags),
                    current_hash=content_hash,
                )
                session.add(row)
                session.flush()
                counts["questions"] += 1
            elif (row.position, list(row.tags), row.current_hash) != (
                position,
                list(question.tags),
                content_hash,
            ):
                row.position, row.tags, row.current_hash = (
                    position,
                    list(question.tags),
                    content_hash,
                )
                counts["updated"] += 1
            exists = session.scalar(
                select(QuestionVersion.id).where(
                    QuestionVersion.question_id == row.id,
                    QuestionVersion.content_hash == content_hash,
                )
            )
            if exists is None:
                session.add(_version_row(row.id, question, content_hash))
                counts["versions"] += 1
        for gone in rows.values():
            if gone.position is not None:
                gone.position = None
                counts["updated"] += 1
    session.flush()
    return SyncReport(counts["quizzes"], counts["questions"], counts["versions"], counts["updated"])


def student(session: Session, name: str, *, create: bool = True) -> Student | None:
    from grader.store.students import find_student, student_named

    return student_named(session, name) if create else find_student(session, name)


def quiz_record(session: Session, slug: str) -> QuizRecord | None:
    from sqlalchemy import select

    from grader.store.quiz_models import QuizRecord

    return session.scalar(select(QuizRecord).where(QuizRecord.slug == slug))


def quiz_records(session: Session) -> Sequence[QuizRecord]:
    from sqlalchemy import select

    from grader.store.quiz_models import QuizRecord

    return session.scalars(select(QuizRecord).order_by(QuizRecord.slug)).all()


def current_questions(session: Session, record: QuizRecord) -> list[tuple[QuizQuestion, QuestionVersion]]:
    """The questions now in the quiz's file, in file order, each with its current wording."""
    from sqlalchemy import select

    from grader.store.quiz_models import QuestionVersion, QuizQuestion

    rows = session.execute(
        select(QuizQuestion, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.question_id == QuizQuestion.id)
        .where(
            QuizQuestion.quiz_id == record.id,
            QuizQuestion.position.is_not(None),
            QuestionVersion.content_hash == QuizQuestion.current_hash,
        )
        .order_by(QuizQuestion.position)
    ).all()
    return [(row[0], row[1]) for row in rows]


def record_attempt(session: Session, student_name: str, quiz: Quiz, score: QuizScore, at: datetime) -> int:
    """Store an attempt and each of its answers, tied to the wording that was asked; its id."""
    from grader.store.quiz_models import QuizAttempt

    sync_quizzes(session, [quiz])
    record = quiz_record(session, quiz.id)
    taker = student(session, student_name)
    assert record is not None and taker is not None
    versions = {row.slug: version for row, version in current_questions(session, record)}
    attempt = QuizAttempt(
        student_id=taker.id,
        quiz_id=record.id,
        created_at=at,
        score=score.score,
        max_score=score.max_score,
    )
    session.add(attempt)
    for answer in score.questions:
        attempt.answers.append(_answer_row(taker.id, versions[answer.question_id].id, "take", answer, at))
    session.flush()
    return attempt.id


def record_practice_answer(
    session: Session, taker: Student, version: QuestionVersion, answer: QuestionScore, at: datetime
) -> None:
    session.add(_answer_row(taker.id, version.id, "practice", answer, at))


def practice_cards(session: Session, taker: Student | None, question_ids: Sequence[int]) -> dict[int, PracticeCard]:
    from sqlalchemy import select

    from grader.store.quiz_models import PracticeCard

    if taker is None or not question_ids:
        return {}
    cards = session.scalars(
        select(PracticeCard).where(PracticeCard.student_id == taker.id, PracticeCard.question_id.in_(question_ids))
    )
    return {card.question_id: card for card in cards}


def save_card(session: Session, taker: Student, question_id: int, card: dict[str, Any], due: datetime) -> None:
    from sqlalchemy import select

    from grader.store.quiz_models import PracticeCard

    row = session.scalar(
        select(PracticeCard).where(PracticeCard.student_id == taker.id, PracticeCard.question_id == question_id)
    )
    if row is None:
        session.add(PracticeCard(student_id=taker.id, question_id=question_id, card=card, due=due, reviews=1))
    else:
        row.card, row.due, row.reviews = card, due, row.reviews + 1


def first_attempt_answers(session: Session, record: QuizRecord) -> tuple[list[Response], dict[int, float]]:
    """Answers to current wordings from each student's first attempt, and each such attempt's score.

    Item analysis wants one sitting per student, taken before the explanations were seen.
    """
    from sqlalchemy import func, select

    from grader.store.quiz_models import QuestionVersion, QuizAnswer, QuizAttempt, QuizQuestion

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
        select(
            QuizAnswer.attempt_id,
            QuizQuestion.slug,
            QuizAnswer.chosen,
            QuizAnswer.correct,
            QuizAnswer.points,
        )
        .join(QuestionVersion, QuestionVersion.id == QuizAnswer.version_id)
        .join(QuizQuestion, QuizQuestion.id == QuestionVersion.question_id)
        .where(
            QuizAnswer.attempt_id.in_(select(firsts.c.id)),
            QuestionVersion.content_hash == QuizQuestion.current_hash,
        )
        .order_by(QuizAnswer.id)
    )
    answers = [
        Response(attempt_id or 0, slug, tuple(chosen), bool(correct), float(points))
        for attempt_id, slug, chosen, correct, points in rows
    ]
    return answers, totals


def question_from_row(row: QuizQuestion, version: QuestionVersion) -> Question:
    """Rebuild the record of a stored wording, so scoring works the same on it as on a file."""
    return Question(
        id=row.slug,
        type=question_type(version.type),
        prompt=version.prompt,
        options=tuple(Option(o["key"], o["text"], bool(o["correct"])) for o in version.options),
        explanation=version.explanation,
        tags=tuple(row.tags),
        answer=version.answer,
        tolerance=version.tolerance,
    )


def _version_row(question_id: int, question: Question, content_hash: str) -> QuestionVersion:
    from grader.store.quiz_models import QuestionVersion

    return QuestionVersion(
        question_id=question_id,
        content_hash=content_hash,
        type=question.type,
        prompt=question.prompt,
        options=[{"key": o.key, "text": o.text, "correct": o.correct} for o in question.options],
        explanation=question.explanation,
        answer=question.answer,
        tolerance=question.tolerance,
    )


def _answer_row(student_id: int, version_id: int, mode: str, answer: QuestionScore, at: datetime) -> Any:
    from grader.store.quiz_models import QuizAnswer

    return QuizAnswer(
        student_id=student_id,
        version_id=version_id,
        mode=mode,
        answered_at=at,
        chosen=list(answer.chosen),
        correct=answer.correct,
        points=answer.points,
        max_points=answer.max_points,
    )
