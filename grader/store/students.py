"""Students as rows: the one get-or-create every recording path uses."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.store.models import Student


def student_named(session: Session, name: str) -> Student:
    """The student called `name` (already checked by `grader.students.student_name`), created on
    first use; safe against another process creating the same student at the same moment."""
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


def find_student(session: Session, name: str) -> Student | None:
    return session.scalar(select(Student).where(Student.name == name))
