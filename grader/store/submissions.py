"""Recording graded submissions, and reading a student's attempts back as records.

A submission is written whole, in one transaction: the row, one `ExerciseResult` per exercise,
one `TestResult` per hidden test and a `SourceFile` per submitted file. The many test rows go
in as one bulk INSERT (an executemany), not through the ORM's unit of work, which spent a
third of a second per submission on its bookkeeping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from grader.records import (
    Attempt,
    ExerciseOutcome,
    ExerciseProgress,
    GradingResult,
    Progress,
    SubmitOutcome,
    TestOutcome,
)
from grader.store.base import utcnow
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
    submission = Submission(student_id=student.id, workspace=workspace, status="graded", graded_at=utcnow())
    _fill(submission, result, settings)
    session.add(submission)
    session.flush()
    _insert_files(session, submission.id, result.files)
    _insert_results(session, submission.id, result)
    return submission.id, attempt_number(session, student.id, submission.id)


def receive_submission(
    session: Session,
    student_name: str,
    files: dict[str, str],
    requested: list[str] | None,
    idempotency_key: str | None,
    *,
    created_at: datetime,
    workspace: str = "(uploaded)",
) -> tuple[int, bool]:
    """Store an upload to grade later (status "queued"), with its files; return its id, and
    whether it is new.

    The caller looks for an earlier submission with the same key first
    (`submission_id_for_key`); when another request with the key races past that look, the
    unique (student, key) constraint stops the second insert, and its id is returned instead.
    """
    student = student_named(session, student_name)
    submission = Submission(
        student_id=student.id,
        created_at=created_at,
        workspace=workspace,
        status="queued",
        idempotency_key=idempotency_key,
        requested=requested,
        settings={},
    )
    try:
        with session.begin_nested():
            session.add(submission)
            session.flush()
    except IntegrityError:
        if idempotency_key is None:
            raise
        earlier = submission_id_for_key(session, student_name, idempotency_key)
        if earlier is None:
            raise
        return earlier, False
    _insert_files(session, submission.id, files)
    return submission.id, True


def submission_id_for_key(session: Session, student_name: str, idempotency_key: str) -> int | None:
    from grader.store.models import Student

    return session.scalar(
        select(Submission.id)
        .join(Student)
        .where(Student.name == student_name, Submission.idempotency_key == idempotency_key)
    )


def graded_outcome(session: Session, submission_id: int) -> SubmitOutcome | None:
    """A graded submission as `grader submit` reports it: every test and the files graded."""
    submission = session.get(
        Submission,
        submission_id,
        options=[
            selectinload(Submission.exercises).selectinload(ExerciseResult.tests),
            selectinload(Submission.files),
        ],
    )
    if submission is None or submission.status != "graded":
        return None
    attempt = _attempt(submission, attempt_number(session, submission.student_id, submission.id), "", True)
    result = GradingResult(
        exercises=attempt.exercises,
        sandbox=dict(submission.sandbox or {}),
        suite_version=submission.suite_version or "",
        duration_seconds=submission.duration_seconds,
        files={f.path: f.content for f in submission.files},
    )
    return SubmitOutcome(submission.id, attempt.attempt, submission.student.name, result)


def complete_submission(
    session: Session, submission_id: int, result: GradingResult, *, settings: dict[str, Any] | None = None
) -> bool:
    """Record the result of a received submission, once: True if this call recorded it, False
    if it was recorded before (a job run twice) or is no longer waiting (not gradable).

    The status check and the result rows are one transaction with the caller's, and the
    UPDATE's condition makes a second writer find nothing to do.
    """
    values = _result_values(result, settings)
    updated = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status.in_(("queued", "grading")))
        .values(status="graded", graded_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _insert_results(session, submission_id, result)
    return True


def _result_values(result: GradingResult, settings: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "score": result.score,
        "max_score": result.max_score,
        "suite_version": result.suite_version,
        "sandbox": result.sandbox,
        "settings": settings or {},
        "duration_seconds": round(result.duration_seconds, 4),
    }


def _fill(submission: Submission, result: GradingResult, settings: dict[str, Any] | None) -> None:
    for key, value in _result_values(result, settings).items():
        setattr(submission, key, value)


def _insert_files(session: Session, submission_id: int, files: dict[str, str]) -> None:
    rows = [
        {
            "submission_id": submission_id,
            "path": path,
            "content": text,
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
        }
        for path, text in sorted(files.items())
    ]
    if rows:
        session.execute(insert(SourceFile), rows)


def _insert_results(session: Session, submission_id: int, result: GradingResult) -> None:
    """The exercise rows, then every test row in one bulk INSERT."""
    rows = []
    for position, exercise in enumerate(result.exercises):
        row = ExerciseResult(
            submission_id=submission_id,
            position=position,
            exercise=exercise.name,
            score=exercise.score,
            max_score=exercise.max_score,
            status=exercise.status,
            message=exercise.message,
            suite_version=exercise.suite_version,
        )
        session.add(row)
        rows.append(row)
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
        for row, exercise in zip(rows, result.exercises, strict=True)
        for i, t in enumerate(exercise.tests)
    ]
    if tests:
        session.execute(insert(TestResult), tests)


@dataclass(frozen=True)
class Received:
    """A submission as the server tracks it: who sent it, when, its files and where it stands."""

    submission_id: int
    student: str
    created_at: datetime
    status: str
    requested: tuple[str, ...] | None
    failures: int


def received(session: Session, submission_id: int) -> Received | None:
    submission = session.get(Submission, submission_id)
    if submission is None:
        return None
    return Received(
        submission.id,
        submission.student.name,
        submission.created_at,
        submission.status,
        tuple(submission.requested) if submission.requested is not None else None,
        submission.failures,
    )


def submission_files(session: Session, submission_id: int) -> dict[str, str]:
    rows = session.execute(select(SourceFile.path, SourceFile.content).where(SourceFile.submission_id == submission_id))
    return {path: content for path, content in rows}


def set_status(session: Session, submission_id: int, status: str, *, failed: bool = False) -> None:
    """Move a submission that is still waiting to `status` (counting a failure of the grader's
    own when `failed`); a graded one is left alone."""
    values: dict[str, Any] = {"status": status}
    if failed:
        values["failures"] = Submission.failures + 1
    session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status.in_(("queued", "grading")))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def waiting_submissions(session: Session) -> list[int]:
    """Every received submission not graded yet, oldest first: what a restarted server grades."""
    return list(
        session.scalars(
            select(Submission.id)
            .where(Submission.status.in_(("queued", "grading")))
            .order_by(Submission.created_at, Submission.id)
        )
    )


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
        .where(Student.name == student_name, Submission.status == "graded")
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
        score=submission.score or 0.0,
        max_score=submission.max_score or 0.0,
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
