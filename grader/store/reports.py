"""Queries behind `grader report` and the course rules: typed rows, nothing formatted.

Each function takes a session and returns frozen records in a stable order; choosing which
attempt counts and computing shares is left to the pure functions of `grader.report`.
Only portable SQLAlchemy constructs are used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.store.models import ExerciseResult, Student, Submission, TestResult
from grader.store.quiz_models import QuizAttempt, QuizRecord

_CHUNK = 500  # ids per IN (...) list, well under every engine's parameter limit


@dataclass(frozen=True)
class ExerciseRow:
    """One exercise of one submission."""

    student: str
    submission_id: int
    created_at: datetime
    exercise_result_id: int
    exercise: str
    score: float
    max_score: float
    status: str


@dataclass(frozen=True)
class TestRow:
    __test__ = False  # not a pytest class

    exercise_result_id: int
    test_id: str
    name: str
    outcome: str
    message: str


@dataclass(frozen=True)
class QuizScoreRow:
    student: str
    quiz: str
    title: str
    attempt_id: int
    created_at: datetime
    score: float
    max_score: float


def attempts_so_far(session: Session, student: str) -> tuple[int, datetime | None]:
    """How many submissions `student` has made, and when the latest was recorded."""
    count, last = session.execute(
        select(func.count(Submission.id), func.max(Submission.created_at))
        .join(Student)
        .where(Student.name == student, Submission.status != "not_gradable")
    ).one()
    if last is not None and last.tzinfo is None:  # aggregates bypass the column type
        from datetime import UTC

        last = last.replace(tzinfo=UTC)
    return int(count), last


def student_names(session: Session) -> list[str]:
    """Everyone with a gradebook row: all students, but not a course's TAs and instructors."""
    from sqlalchemy import or_

    from grader.store.models import Enrolment

    return list(
        session.scalars(
            select(Student.name)
            .outerjoin(Enrolment, Enrolment.student_id == Student.id)
            .where(or_(Enrolment.role.is_(None), Enrolment.role == "student"))
            .order_by(Student.name)
        )
    )


def exercise_rows(session: Session) -> list[ExerciseRow]:
    """Every exercise of every submission, oldest submission first."""
    rows = session.execute(
        select(
            Student.name,
            Submission.id,
            Submission.created_at,
            ExerciseResult.id,
            ExerciseResult.exercise,
            ExerciseResult.score,
            ExerciseResult.max_score,
            ExerciseResult.status,
        )
        .join(Submission, Submission.student_id == Student.id)
        .join(ExerciseResult, ExerciseResult.submission_id == Submission.id)
        .where(Submission.status == "graded")
        .order_by(Submission.created_at, Submission.id, ExerciseResult.position)
    )
    return [ExerciseRow(*row) for row in rows]


def test_rows(session: Session, exercise_result_ids: Iterable[int]) -> list[TestRow]:
    """The tests of the given exercise results, in suite order."""
    ids = sorted(set(exercise_result_ids))
    found: list[TestRow] = []
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(
                TestResult.exercise_result_id,
                TestResult.test_id,
                TestResult.name,
                TestResult.outcome,
                TestResult.message,
            )
            .where(TestResult.exercise_result_id.in_(ids[start : start + _CHUNK]))
            .order_by(TestResult.exercise_result_id, TestResult.position)
        )
        found.extend(TestRow(*row) for row in rows)
    return found


def quiz_score_rows(session: Session) -> list[QuizScoreRow]:
    """Every quiz attempt (practice answers are not attempts), oldest first."""
    rows = session.execute(
        select(
            Student.name,
            QuizRecord.slug,
            QuizRecord.title,
            QuizAttempt.id,
            QuizAttempt.created_at,
            QuizAttempt.score,
            QuizAttempt.max_score,
        )
        .join(QuizAttempt, QuizAttempt.student_id == Student.id)
        .join(QuizRecord, QuizRecord.id == QuizAttempt.quiz_id)
        .order_by(QuizAttempt.created_at, QuizAttempt.id)
    )
    return [QuizScoreRow(*row) for row in rows]
