"""Enrolments of a course server: roles and token hashes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.store.base import utcnow
from grader.store.models import Enrolment, Student
from grader.store.students import student_named


def enrol(
    session: Session, name: str, role: str, token_hash: str | None, email: str | None, section: str | None
) -> None:
    """Enrol `name` (again): the role and contact replace what was there, and so does the token
    hash unless it is None (the token held is kept)."""
    student = student_named(session, name)
    row = session.scalar(select(Enrolment).where(Enrolment.student_id == student.id))
    if row is None:
        row = Enrolment(student_id=student.id)
        session.add(row)
    row.role = role
    if token_hash is not None:
        row.token_hash, row.issued_at, row.revoked_at = token_hash, utcnow(), None
    if email is not None:
        row.email = email
    if section is not None:
        row.section = section
    session.flush()


def holds_a_token(session: Session, name: str) -> bool:
    """Whether `name` is enrolled with a token that works (issued, not revoked)."""
    row = session.scalar(select(Enrolment).join(Student).where(Student.name == name))
    return row is not None and row.token_hash is not None and row.revoked_at is None


def revoke(session: Session, name: str) -> bool | None:
    """End `name`'s token: True if it worked until now, False if it was revoked already, None if
    nobody of that name is enrolled."""
    row = session.scalar(select(Enrolment).join(Student).where(Student.name == name))
    if row is None:
        return None
    if row.token_hash is None:
        return False
    row.token_hash, row.revoked_at = None, utcnow()
    return True


def holder(session: Session, token_hash: str) -> tuple[str, str] | None:
    """(name, role) of whoever holds the token with this hash; None if nobody does."""
    found = session.execute(
        select(Student.name, Enrolment.role)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.token_hash == token_hash)
    ).first()
    return (found[0], found[1]) if found is not None else None


def roles(session: Session) -> dict[str, str]:
    """name -> role of everyone enrolled."""
    return dict(
        session.execute(select(Student.name, Enrolment.role).join(Enrolment, Enrolment.student_id == Student.id)).all()
    )


def sections(session: Session) -> dict[str, str]:
    """name -> section of everyone enrolled with one (the roster's `section` column)."""
    rows = session.execute(
        select(Student.name, Enrolment.section)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .where(Enrolment.section.is_not(None))
    ).all()
    return {name: section for name, section in rows if section}
