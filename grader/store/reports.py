"""Queries behind `grader report` and the course rules: typed rows, nothing formatted.

Each function takes a session and returns frozen records in a stable order; choosing which
attempt counts and computing shares is left to the pure functions of `grader.report`.
Only portable SQLAlchemy constructs are used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from grader.store.models import ExerciseResult, SourceFile, Student, Submission, TestResult
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


@dataclass(frozen=True)
class TestFeedback:
    __test__ = False  # not a pytest class

    name: str
    outcome: str
    points: float
    max_points: float
    message: str


@dataclass(frozen=True)
class ExerciseFeedback:
    exercise: str
    score: float
    max_score: float
    status: str
    message: str
    tests: tuple[TestFeedback, ...]


@dataclass(frozen=True)
class AttemptRecord:
    """One stored submission with everything its student was told."""

    submission_id: int
    created_at: datetime
    score: float
    max_score: float
    settings: dict[str, Any]
    exercises: tuple[ExerciseFeedback, ...]
    files: tuple[str, ...]


def attempts_so_far(session: Session, student: str) -> tuple[int, datetime | None]:
    """How many submissions `student` has made, and when the latest was recorded."""
    count, last = session.execute(
        select(func.count(Submission.id), func.max(Submission.created_at)).join(Student).where(Student.name == student)
    ).one()
    if last is not None and last.tzinfo is None:  # aggregates bypass the column type
        from datetime import UTC

        last = last.replace(tzinfo=UTC)
    return int(count), last


def student_names(session: Session) -> list[str]:
    return list(session.scalars(select(Student.name).order_by(Student.name)))


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


def student_attempts(session: Session, student: str) -> list[AttemptRecord]:
    """Every submission of `student`, oldest first, with per-test feedback."""
    submissions: Sequence[Submission] = session.scalars(
        select(Submission)
        .join(Student)
        .where(Student.name == student)
        .order_by(Submission.created_at, Submission.id)
        .options(
            selectinload(Submission.exercises).selectinload(ExerciseResult.tests),
            selectinload(Submission.files).load_only(SourceFile.path),
        )
    ).all()
    return [
        AttemptRecord(
            submission_id=s.id,
            created_at=s.created_at,
            score=s.score,
            max_score=s.max_score,
            settings=dict(s.settings or {}),
            exercises=tuple(
                ExerciseFeedback(
                    e.exercise,
                    e.score,
                    e.max_score,
                    e.status,
                    e.message,
                    tuple(TestFeedback(t.name, t.outcome, t.points, t.max_points, t.message) for t in e.tests),
                )
                for e in s.exercises
            ),
            files=tuple(f.path for f in s.files),
        )
        for s in submissions
    ]


def submission_source(session: Session, submission_id: int) -> tuple[str, dict[str, str]] | None:
    """The student and the submitted files (path -> text) of one submission; None if unknown."""
    submission = session.get(Submission, submission_id, options=[selectinload(Submission.files)])
    if submission is None:
        return None
    return submission.student.name, {f.path: f.content for f in submission.files}
