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

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from grader.records import (
    Attempt,
    ExerciseOutcome,
    ExerciseProgress,
    GradingResult,
    Override,
    Progress,
    Regrade,
    SubmitOutcome,
    TestOutcome,
)
from grader.store.base import utcnow
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
    idempotency_key: str | None = None,
) -> tuple[int, int]:
    """Add one graded submission with its results and source snapshot; return its id and its
    number among the student's attempts (1 for the first).

    With `regrade_of`, the row is a regrade of that attempt: no files are stored (they are
    the attempt's) and the number returned is the attempt's. Call it inside `Store.write`
    so that the whole attempt is one transaction. `idempotency_key` is unique per student:
    a second row with the same key fails with an IntegrityError.
    """
    student = student_named(session, student_name)
    submission = Submission(
        student_id=student.id,
        workspace=workspace,
        status="graded",
        graded_at=utcnow(),
        regrade_of=regrade_of,
        idempotency_key=idempotency_key,
    )
    _fill(submission, result, settings)
    session.add(submission)
    session.flush()
    _insert_results(session, submission.id, result)
    if regrade_of is not None:
        return submission.id, attempt_number(session, student.id, regrade_of)
    _insert_files(session, submission.id, result.files)
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
    result = GradingResult(
        exercises=_exercises(submission, True),
        sandbox=dict(submission.sandbox or {}),
        suite_version=submission.suite_version or "",
        duration_seconds=submission.duration_seconds,
        files={f.path: f.content for f in submission.files},
        seed=submission.seed,
    )
    attempt = attempt_number(session, submission.student_id, submission.id)
    return SubmitOutcome(submission.id, attempt, submission.student.name, result)


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
        "seed": result.seed,
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
            "unwritten": t.unwritten[:200],
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


def count_lost_runs(session: Session, submission_id: int, runs: int, allowed: int) -> str | None:
    """Raise a waiting submission's failure count to `runs` (runs of its grading that ended
    without a result, however they ended) and make it `not_gradable` once that reaches
    `allowed`; return its status (None if unknown)."""
    failures = case((Submission.failures < runs, runs), else_=Submission.failures)
    session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status.in_(("queued", "grading")))
        .values(
            failures=failures,
            status=case((failures >= allowed, "not_gradable"), else_=Submission.status),
        )
        .execution_options(synchronize_session=False)
    )
    return session.scalar(select(Submission.status).where(Submission.id == submission_id))


def regrade_keyed(session: Session, student_name: str, key: str) -> tuple[int, float, float, tuple[str, ...]] | None:
    """The regrade recorded with `key` for `student_name`: its id, score, maximum and
    exercises; None if there is none."""
    row = session.scalar(
        select(Submission)
        .join(Student)
        .where(Student.name == student_name, Submission.idempotency_key == key, Submission.regrade_of.is_not(None))
        .options(selectinload(Submission.exercises))
    )
    if row is None:
        return None
    return row.id, row.score or 0.0, row.max_score or 0.0, tuple(e.exercise for e in row.exercises)


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
    """The position of an attempt among its student's, counting from 1 (regrades, and uploads
    the grader could not grade by its own fault, do not count)."""
    return int(
        session.scalar(
            select(func.count(Submission.id)).where(
                Submission.student_id == student_id,
                Submission.id <= submission_id,
                Submission.regrade_of.is_(None),
                Submission.status != "not_gradable",
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
    rows: Sequence[Submission] = session.scalars(query).all()
    attempts = [row for row in rows if row.regrade_of is None]
    regrades: dict[int, list[Regrade]] = {}
    for row in sorted((r for r in rows if r.regrade_of is not None), key=lambda r: r.id):
        regrades.setdefault(row.regrade_of or 0, []).append(
            Regrade(
                row.id, row.created_at, _exercises(row, with_tests), row.suite_version or "", dict(row.settings or {})
            )
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
            score=row.score or 0.0,
            max_score=row.max_score or 0.0,
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
    """The attempt's seed of hidden inputs, for a regrade to reuse (None: recorded before seeds were kept)."""


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
        seed=submission.seed,
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
