"""Recording graded submissions, and reading a student's attempts back as records.

A submission is written whole, in one transaction: the row, one `ExerciseResult` per exercise,
one `TestResult` per hidden test and a `SourceFile` per submitted file. The many test rows go
in as one bulk INSERT (an executemany), not through the ORM's unit of work, which spent a
third of a second per submission on its bookkeeping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

from grader.records import Attempt, ExerciseOutcome, ExerciseProgress, GradingResult, Progress, TestOutcome
from grader.store.models import ExerciseResult, SourceFile, Submission, TestResult
from grader.store.students import student_named


def record_submission(
    session: Session,
    student_name: str,
    workspace: str,
    result: GradingResult,
    *,
    settings: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """Add one graded submission with its results and source snapshot; return its id and its
    number among the student's attempts (1 for the first).

    Call it inside `Store.write` so that the whole attempt is one transaction.
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
        }
        for row, exercise in zip(exercise_ids, result.exercises, strict=True)
        for i, t in enumerate(exercise.tests)
    ]
    if tests:
        session.execute(insert(TestResult), tests)
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
    """The position of a submission among its student's, counting from 1."""
    return int(
        session.scalar(
            select(func.count(Submission.id)).where(Submission.student_id == student_id, Submission.id <= submission_id)
        )
        or 0
    )


def student_attempts(session: Session, student_name: str, *, with_tests: bool = True) -> list[Attempt]:
    """Every submission of a student, oldest first, numbered 1, 2, ...; with per-test feedback
    and the names of the files submitted when `with_tests`."""
    from grader.store.models import Student

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
    submissions: Sequence[Submission] = session.scalars(query).all()
    return [_attempt(s, number, student_name, with_tests) for number, s in enumerate(submissions, start=1)]


def _attempt(submission: Submission, number: int, student: str, with_tests: bool) -> Attempt:
    return Attempt(
        submission_id=submission.id,
        attempt=number,
        student=student,
        created_at=submission.created_at,
        score=submission.score,
        max_score=submission.max_score,
        settings=dict(submission.settings or {}),
        exercises=tuple(
            ExerciseOutcome(
                name=e.exercise,
                score=e.score,
                max_score=e.max_score,
                status=e.status,
                message=e.message,
                tests=tuple(
                    TestOutcome(t.test_id, t.name, t.outcome, t.points, t.max_points, t.message)  # type: ignore[arg-type]
                    for t in e.tests
                )
                if with_tests
                else (),
                suite_version=e.suite_version,
            )
            for e in submission.exercises
        ),
        files=tuple(f.path for f in submission.files) if with_tests else (),
    )


def student_progress(session: Session, student_name: str) -> Progress:
    """Every attempt of a student, oldest first, and the best and latest score per exercise."""
    attempts = student_attempts(session, student_name, with_tests=False)
    per_exercise: dict[str, list[ExerciseOutcome]] = {}
    for attempt in attempts:
        for exercise in attempt.exercises:
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


def submission_source(session: Session, submission_id: int) -> tuple[str, dict[str, str]] | None:
    """The student and the submitted files (path -> text) of one submission; None if unknown."""
    submission = session.get(Submission, submission_id, options=[selectinload(Submission.files)])
    if submission is None:
        return None
    return submission.student.name, {f.path: f.content for f in submission.files}
