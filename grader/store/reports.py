"""Queries behind `grader report` and the course rules: typed rows, nothing formatted.

Each function takes a session and returns frozen records in a stable order; choosing which
attempt counts and computing shares is left to the pure functions of `grader.report`.
Only portable SQLAlchemy constructs are used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from grader.store.models import ExerciseResult, ScoreOverride, Student, Submission, TestResult
from grader.store.quiz_models import QuizAttempt, QuizRecord

_CHUNK = 500  # ids per IN (...) list, well under every engine's parameter limit


@dataclass(frozen=True)
class ExerciseRow:
    """One exercise of one attempt, as it stands: from the newest regrade that graded it, if any."""

    student: str
    submission_id: int
    """The attempt's id."""
    created_at: datetime
    """When the attempt was made (not when it was regraded)."""
    exercise_result_id: int
    exercise: str
    score: float
    max_score: float
    status: str
    graded_in: int = 0
    """The submission row these results are from: the attempt's id, or a regrade's."""

    @property
    def regraded(self) -> bool:
        return self.graded_in not in (0, self.submission_id)


@dataclass(frozen=True)
class OverrideRow:
    student: str
    exercise: str
    submission_id: int
    score: float
    graded_score: float
    reason: str
    created_at: datetime


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
    """How many attempts `student` has made, and when the latest was recorded (regrades are not
    attempts)."""
    count, last = session.execute(
        select(func.count(Submission.id), func.max(Submission.created_at))
        .join(Student)
        .where(Student.name == student, Submission.regrade_of.is_(None), Submission.status != "not_gradable")
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


def exercise_rows(session: Session, *, student: str | None = None, attempt: int | None = None) -> list[ExerciseRow]:
    """Every exercise of every attempt as it stands (the newest regrade of it wins), oldest
    attempt first; only `student`'s, or only the attempt with id `attempt`, when given."""
    graded = aliased(Submission)  # the row holding the results: the attempt, or a regrade of it
    query = (
        select(
            Student.name,
            Submission.id,
            Submission.created_at,
            ExerciseResult.id,
            ExerciseResult.exercise,
            ExerciseResult.score,
            ExerciseResult.max_score,
            ExerciseResult.status,
            graded.id,
        )
        .join(Submission, Submission.student_id == Student.id)
        .join(graded, or_(graded.id == Submission.id, graded.regrade_of == Submission.id))
        .join(ExerciseResult, ExerciseResult.submission_id == graded.id)
        .where(Submission.regrade_of.is_(None), Submission.status == "graded")
        .order_by(Submission.created_at, Submission.id, ExerciseResult.position, graded.id)
    )
    if student is not None:
        query = query.where(Student.name == student)
    if attempt is not None:
        query = query.where(Submission.id == attempt)
    current: dict[tuple[int, str], ExerciseRow] = {}
    for row in session.execute(query):
        found = ExerciseRow(*row)
        key = (found.submission_id, found.exercise)
        if key not in current or current[key].graded_in < found.graded_in:
            current[key] = found
    return list(current.values())


def override_rows(session: Session) -> list[OverrideRow]:
    """Every score override, oldest first."""
    rows = session.execute(
        select(
            Student.name,
            ScoreOverride.exercise,
            ScoreOverride.submission_id,
            ScoreOverride.score,
            ScoreOverride.graded_score,
            ScoreOverride.reason,
            ScoreOverride.created_at,
        )
        .join(Submission, Submission.id == ScoreOverride.submission_id)
        .join(Student, Student.id == Submission.student_id)
        .order_by(ScoreOverride.created_at, ScoreOverride.id)
    )
    return [OverrideRow(*row) for row in rows]


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
