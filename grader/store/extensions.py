"""Deadline extensions given on a student's page, kept for good (see `grader.store.web_models`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.store.models import Student
from grader.store.students import student_named
from grader.store.web_models import DeadlineExtension


@dataclass(frozen=True)
class ExtensionRow:
    id: int
    student: str
    exercise: str
    deadline: datetime
    """Aware, in the UTC offset it was given in."""
    timezone: str
    reason: str
    granted_by: str
    created_at: datetime


def add_extension(
    session: Session,
    student: str,
    exercise: str,
    deadline: datetime,
    timezone: str,
    reason: str,
    granted_by: str,
) -> ExtensionRow:
    row = DeadlineExtension(
        student_id=student_named(session, student).id,
        exercise=exercise,
        deadline=deadline,
        timezone=timezone,
        reason=reason,
        granted_by=granted_by,
    )
    session.add(row)
    session.flush()
    return _row(row, student)


def extension_rows(session: Session, student: str | None = None) -> list[ExtensionRow]:
    """Every extension (of one student, if named), oldest first: the last of a (student,
    exercise) is the one that counts."""
    query = (
        select(DeadlineExtension, Student.name)
        .join(Student, Student.id == DeadlineExtension.student_id)
        .order_by(DeadlineExtension.created_at, DeadlineExtension.id)
    )
    if student is not None:
        query = query.where(Student.name == student)
    return [_row(row, name) for row, name in session.execute(query)]


def _row(row: DeadlineExtension, student: str) -> ExtensionRow:
    deadline = _in_zone(row.deadline, row.timezone)
    return ExtensionRow(
        row.id, student, row.exercise, deadline, row.timezone, row.reason, row.granted_by, row.created_at
    )


def _in_zone(moment: datetime, offset: str) -> datetime:
    """`moment` (stored in UTC) shown in the UTC offset it was given in ("+01:00")."""
    try:
        sign = -1 if offset.startswith("-") else 1
        hours, minutes = offset[1:].split(":")
        zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except ValueError:
        return moment
    return moment.astimezone(zone)
