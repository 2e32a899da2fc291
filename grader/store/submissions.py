"""Recording graded submissions and reading a student's progress back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from grader.records import GradingResult
from grader.store.models import ExerciseResult, SourceFile, Student, Submission, TestResult


def student_named(session: Session, name: str) -> Student:
    """The student called `name`, created on first use (safe against a concurrent creator)."""
    student = session.scalar(select(Student).where(Student.name == name))
    if student is not None:
        return student
    try:
        with session.begin_nested():
            student = Student(name=name)
            session.add(student)
    except IntegrityError:
        student = session.scalars(select(Student).where(Student.name == name)).one()
    return student


def record_submission(
    session: Session,
    student_name: str,
    workspace: str,
    result: GradingResult,
    *,
    settings: dict[str, Any] | None = None,
) -> int:
    """Add one graded submission with its results and source snapshot; return its id.

    Call it inside `Store.write` so that the whole attempt is one transaction.
    """
    import hashlib

    submission = Submission(
        student=student_named(session, student_name),
        workspace=workspace,
        score=result.score,
        max_score=result.max_score,
        suite_version=result.suite_version,
        sandbox=result.sandbox,
        settings=settings or {},
        duration_seconds=round(result.duration_seconds, 4),
    )
    for position, exercise in enumerate(result.exercises):
        row = ExerciseResult(
            position=position,
            exercise=exercise.name,
            score=exercise.score,
            max_score=exercise.max_score,
            status=exercise.status,
            message=exercise.message,
            suite_version=exercise.suite_version,
        )
        row.tests = [
            TestResult(
                position=i,
                test_id=t.id,
                name=t.name,
                outcome=t.outcome,
                points=t.points,
                max_points=t.max_points,
                message=t.message,
            )
            for i, t in enumerate(exercise.tests)
        ]
        submission.exercises.append(row)
    submission.files = [
        SourceFile(path=path, content=text, sha256=hashlib.sha256(text.encode()).hexdigest())
        for path, text in sorted(result.files.items())
    ]
    session.add(submission)
    session.flush()
    return submission.id


@dataclass(frozen=True)
class Attempt:
    submission_id: int
    created_at: datetime
    score: float
    max_score: float
    exercises: tuple[str, ...]


@dataclass(frozen=True)
class ExerciseProgress:
    exercise: str
    attempts: int
    best: float
    latest: float
    max_score: float


@dataclass(frozen=True)
class Progress:
    student: str
    attempts: tuple[Attempt, ...]
    exercises: tuple[ExerciseProgress, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "attempts": [
                {
                    "submission_id": a.submission_id,
                    "created_at": a.created_at.isoformat(),
                    "score": a.score,
                    "max_score": a.max_score,
                    "exercises": list(a.exercises),
                }
                for a in self.attempts
            ],
            "exercises": [
                {
                    "name": e.exercise,
                    "attempts": e.attempts,
                    "best": e.best,
                    "latest": e.latest,
                    "max_score": e.max_score,
                }
                for e in self.exercises
            ],
        }


def student_progress(session: Session, student_name: str) -> Progress:
    """Every attempt of a student, oldest first, and the best and latest score per exercise."""
    submissions = session.scalars(
        select(Submission)
        .join(Student)
        .where(Student.name == student_name)
        .order_by(Submission.created_at, Submission.id)
        .options(selectinload(Submission.exercises))
    ).all()
    attempts = tuple(
        Attempt(s.id, s.created_at, s.score, s.max_score, tuple(e.exercise for e in s.exercises)) for s in submissions
    )
    per_exercise: dict[str, list[ExerciseResult]] = {}
    for submission in submissions:
        for exercise in submission.exercises:
            per_exercise.setdefault(exercise.exercise, []).append(exercise)
    exercises = tuple(
        ExerciseProgress(
            exercise=name,
            attempts=len(rows),
            best=max(r.score for r in rows),
            latest=rows[-1].score,
            max_score=rows[-1].max_score,
        )
        for name, rows in per_exercise.items()
    )
    return Progress(student_name, attempts, exercises)
