"""Recording graded submissions, and reading a student's attempts back as records.

A submission is written whole, in one transaction: the row, one `ExerciseResult` per exercise,
one `TestResult` per hidden test and a `SourceFile` per submitted file. The many test rows go
in as one bulk INSERT (an executemany), not through the ORM's unit of work, which spent a
third of a second per submission on its bookkeeping.

A regrade is recorded the same way with `regrade_of` set, and without files: they are its
attempt's. Attempts are the rows with `regrade_of` NULL; every count and number of
attempts is over those alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

from grader.records import (
    Attempt,
    ExerciseOutcome,
    ExerciseProgress,
    GradingResult,
    Override,
    Progress,
    Regrade,
    TestOutcome,
)
from grader.store.models import ExerciseResult, ScoreOverride, SourceFile, Student, Submission, TestResult
from grader.store.students import student_named


def record_submission(
    session: Session,
    student_name: str,
    workspace: str,
    result: GradingResult,
    *,
    settings: dict[str, Any] | None = None,
    regrade_of: int | None = None,
) -> tuple[int, int]:
    """Add one graded submission with its results and source snapshot; return its id and its
    number among the student's attempts (1 for the first).

    With `regrade_of`, the row is a regrade of that attempt: no files are stored (they are
    the attempt's) and the number returned is the attempt's. Call it inside `Store.write`
    so that the whole attempt is one transaction.
    """
    student = student_named(session, student_name)
    submission = Submission(
        student_id=student.id,
        workspace=workspace,
        score=result.score,
        max_score=result.max_score,
        suite_version=result.suite_version,
        sandbox=result.sandbox,
        settings=settings or {},
        duration_seconds=round(result.duration_seconds, 4),
        regrade_of=regrade_of,
    )
    session.add(submission)
    session.flush()
    exercise_ids = []
    for position, exercise in enumerate(result.exercises):
        row = ExerciseResult(
            submission_id=submission.id,
            position=position,
            exercise=exercise.name,
            score=exercise.score,
            max_score=exercise.max_score,
            status=exercise.status,
            message=exercise.message,
            suite_version=exercise.suite_version,
        )
        session.add(row)
        exercise_ids.append(row)
    session.flush()
    tests = [
        {
            "exercise_result_id": row.id,
            "position": i,
            "test_id": t.id,
            "name": t.name,
            "outcome": t.outcome,
            "points": t.points,
            "max_points": t.max_points,
            "message": t.message,
            "unwritten": t.unwritten[:200],
        }
        for row, exercise in zip(exercise_ids, result.exercises, strict=True)
        for i, t in enumerate(exercise.tests)
    ]
    if tests:
        session.execute(insert(TestResult), tests)
    if regrade_of is not None:
        return submission.id, attempt_number(session, student.id, regrade_of)
    files = [
        {
            "submission_id": submission.id,
            "path": path,
            "content": text,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        }
        for path, text in sorted(result.files.items())
    ]
    if files:
        session.execute(insert(SourceFile), files)
    return submission.id, attempt_number(session, student.id, submission.id)


def attempt_number(session: Session, student_id: int, submission_id: int) -> int:
    """The position of an attempt among its student's, counting from 1 (regrades do not count)."""
    return int(
        session.scalar(
            select(func.count(Submission.id)).where(
                Submission.student_id == student_id,
                Submission.id <= submission_id,
                Submission.regrade_of.is_(None),
            )
        )
        or 0
    )


def student_attempts(session: Session, student_name: str, *, with_tests: bool = True) -> list[Attempt]:
    """Every attempt of a student, oldest first, numbered 1, 2, ..., each with its regrades and
    overrides; with per-test feedback and the names of the files submitted when `with_tests`."""
    query = (
        select(Submission)
        .join(Student)
        .where(Student.name == student_name)
        .order_by(Submission.created_at, Submission.id)
    )
    if with_tests:
        query = query.options(
            selectinload(Submission.exercises).selectinload(ExerciseResult.tests),
            selectinload(Submission.files).load_only(SourceFile.path),
        )
    else:
        query = query.options(selectinload(Submission.exercises))
    rows: Sequence[Submission] = session.scalars(query).all()
    attempts = [row for row in rows if row.regrade_of is None]
    regrades: dict[int, list[Regrade]] = {}
    for row in sorted((r for r in rows if r.regrade_of is not None), key=lambda r: r.id):
        regrades.setdefault(row.regrade_of or 0, []).append(
            Regrade(row.id, row.created_at, _exercises(row, with_tests), row.suite_version, dict(row.settings or {}))
        )
    numbers = {row.id: number for number, row in enumerate(attempts, start=1)}
    overrides: dict[int, list[Override]] = {}
    for override in _overrides(session, student_name, numbers):
        overrides.setdefault(override.submission_id, []).append(override)
    return [
        Attempt(
            submission_id=row.id,
            attempt=numbers[row.id],
            student=student_name,
            created_at=row.created_at,
            score=row.score,
            max_score=row.max_score,
            settings=dict(row.settings or {}),
            exercises=_exercises(row, with_tests),
            files=tuple(f.path for f in row.files) if with_tests else (),
            regrades=tuple(regrades.get(row.id, ())),
            overrides=tuple(overrides.get(row.id, ())),
        )
        for row in attempts
    ]


def _exercises(submission: Submission, with_tests: bool) -> tuple[ExerciseOutcome, ...]:
    return tuple(
        ExerciseOutcome(
            name=e.exercise,
            score=e.score,
            max_score=e.max_score,
            status=e.status,
            message=e.message,
            tests=tuple(
                TestOutcome(t.test_id, t.name, t.outcome, t.points, t.max_points, t.message, t.unwritten)  # type: ignore[arg-type]
                for t in e.tests
            )
            if with_tests
            else (),
            suite_version=e.suite_version,
        )
        for e in submission.exercises
    )


def _overrides(session: Session, student_name: str, numbers: dict[int, int]) -> list[Override]:
    rows = session.execute(
        select(ScoreOverride, Student.name)
        .join(Submission, Submission.id == ScoreOverride.submission_id)
        .join(Student, Student.id == Submission.student_id)
        .where(Student.name == student_name)
        .order_by(ScoreOverride.created_at, ScoreOverride.id)
    )
    return [_override(row, name, numbers.get(row.submission_id, 0)) for row, name in rows]


def _override(row: ScoreOverride, student: str, attempt: int) -> Override:
    return Override(
        row.id,
        student,
        row.exercise,
        row.score,
        row.graded_score,
        row.reason,
        row.created_at,
        row.submission_id,
        attempt,
    )


def student_progress(session: Session, student_name: str) -> Progress:
    """Every attempt of a student, oldest first, and the best and latest score per exercise
    (regrades applied)."""
    attempts = student_attempts(session, student_name, with_tests=False)
    per_exercise: dict[str, list[ExerciseOutcome]] = {}
    for attempt in attempts:
        for exercise in attempt.current_exercises:
            per_exercise.setdefault(exercise.name, []).append(exercise)
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
    return Progress(student_name, tuple(attempts), exercises)


@dataclass(frozen=True)
class Snapshot:
    """An attempt's files exactly as graded, with what is needed to show or grade them again."""

    submission_id: int
    """The attempt's id (a regrade's id given to `snapshot` leads to its attempt)."""
    student: str
    attempt: int
    created_at: datetime
    workspace: str
    exercises: tuple[str, ...]
    """The exercises the attempt graded."""
    settings: dict[str, Any]
    files: dict[str, str]
    seed: int | None = None
    """The attempt's grading seed, for a regrade to reuse; None until submissions store one."""


def snapshot(session: Session, submission_id: int) -> Snapshot | None:
    """The attempt `submission_id` (or the attempt a regrade of that id graded) with its files;
    None if unknown."""
    submission = session.get(Submission, submission_id)
    if submission is not None and submission.regrade_of is not None:
        submission = session.get(Submission, submission.regrade_of)
    if submission is None:
        return None
    files = session.execute(
        select(SourceFile.path, SourceFile.content)
        .where(SourceFile.submission_id == submission.id)
        .order_by(SourceFile.path)
    )
    return Snapshot(
        submission_id=submission.id,
        student=submission.student.name,
        attempt=attempt_number(session, submission.student_id, submission.id),
        created_at=submission.created_at,
        workspace=submission.workspace,
        exercises=tuple(e.exercise for e in submission.exercises),
        settings=dict(submission.settings or {}),
        files={path: content for path, content in files},
    )


def submission_source(session: Session, submission_id: int) -> tuple[str, dict[str, str]] | None:
    """The student and the submitted files (path -> text) of one submission; None if unknown."""
    found = snapshot(session, submission_id)
    return None if found is None else (found.student, found.files)


def attempt_ids(session: Session, students: Sequence[str] = (), exercises: Sequence[str] = ()) -> list[int]:
    """The attempts of the named students (everyone's when none is named) that graded any of the
    named exercises (any exercise when none is named), oldest first."""
    query = select(Submission.id).join(Student).where(Submission.regrade_of.is_(None))
    if students:
        query = query.where(Student.name.in_(students))
    if exercises:
        graded = select(ExerciseResult.submission_id).where(ExerciseResult.exercise.in_(exercises))
        query = query.where(Submission.id.in_(graded))
    return list(session.scalars(query.order_by(Submission.created_at, Submission.id)))


def record_override(
    session: Session, submission_id: int, exercise: str, score: float, graded_score: float, reason: str
) -> Override:
    """Keep an instructor's score for `exercise` with the attempt `submission_id`."""
    row = ScoreOverride(
        submission_id=submission_id, exercise=exercise, score=score, graded_score=graded_score, reason=reason
    )
    session.add(row)
    session.flush()
    submission = session.get(Submission, submission_id)
    assert submission is not None
    number = attempt_number(session, submission.student_id, submission_id)
    return _override(row, submission.student.name, number)
