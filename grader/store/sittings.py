"""Quiz sittings taken in the browser, saved between page loads (see `grader.store.web_models`).

Each change is conditional on the state it was made from (`answered`, `finished_at`), so
two page loads answering the same question at once record one answer, and a sitting
finishes once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grader.store.models import Student
from grader.store.students import student_named
from grader.store.web_models import SavedSitting


@dataclass(frozen=True)
class SittingRow:
    id: int
    student: str
    quiz: str
    quiz_hash: str
    seed: int
    answers: tuple[tuple[str, ...], ...]
    started_at: datetime
    finished_at: datetime | None
    attempt_id: int | None


def create_sitting(session: Session, student: str, quiz: str, quiz_hash: str, seed: int) -> int:
    row = SavedSitting(
        student_id=student_named(session, student).id,
        quiz=quiz,
        quiz_hash=quiz_hash,
        seed=seed,
        answers=[],
        answered=0,
    )
    session.add(row)
    session.flush()
    return row.id


def sitting(session: Session, sitting_id: int) -> SittingRow | None:
    found = session.execute(
        select(SavedSitting, Student.name)
        .join(Student, Student.id == SavedSitting.student_id)
        .where(SavedSitting.id == sitting_id)
    ).first()
    return None if found is None else _row(*found)


def open_sittings(session: Session, student: str) -> list[SittingRow]:
    """The student's sittings not finished yet, newest first."""
    rows = session.execute(
        select(SavedSitting, Student.name)
        .join(Student, Student.id == SavedSitting.student_id)
        .where(Student.name == student, SavedSitting.finished_at.is_(None))
        .order_by(SavedSitting.id.desc())
    )
    return [_row(row, name) for row, name in rows]


def add_answer(session: Session, sitting_id: int, given: list[list[str]], keys: list[str]) -> bool:
    """Record `keys` as the answer after `given`; False when the sitting had moved on (the
    question was answered meanwhile, or the sitting finished)."""
    changed = session.execute(
        update(SavedSitting)
        .where(
            SavedSitting.id == sitting_id,
            SavedSitting.answered == len(given),
            SavedSitting.finished_at.is_(None),
        )
        .values(answers=[*given, keys], answered=len(given) + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


def finish(
    session: Session,
    sitting_id: int,
    answers: list[list[str]],
    answered_before: int,
    attempt_id: int | None,
    at: datetime,
) -> bool:
    """Mark the sitting finished with `answers` and its stored attempt, if it still stands
    where it stood with `answered_before` answers; False when it had moved on (another page
    load answered or finished it first)."""
    changed = session.execute(
        update(SavedSitting)
        .where(
            SavedSitting.id == sitting_id,
            SavedSitting.answered == answered_before,
            SavedSitting.finished_at.is_(None),
        )
        .values(answers=answers, answered=len(answers), finished_at=at, attempt_id=attempt_id)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


def _row(row: SavedSitting, student: str) -> SittingRow:
    return SittingRow(
        row.id,
        student,
        row.quiz,
        row.quiz_hash,
        int(row.seed),
        tuple(tuple(keys) for keys in row.answers),
        row.started_at,
        row.finished_at,
        row.attempt_id,
    )
