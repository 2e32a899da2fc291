"""One student's own deadline for an exercise, given by an instructor on the student's web page.

course.toml's `[extensions.NAME]` tables are written by hand before the server starts; an
extension given in the browser is stored in the database instead, and applied by the same
course rules (`grader.course.apply_course`): every path that records a grade (a received
upload, `grader submit`, `grader grade`, a regrade) first takes the course with the stored
extensions of that student (`with_stored_extensions`). A stored extension wins over
course.toml's for the same exercise, and the newest stored one wins over older ones; none is
deleted, so the student's page shows each.

As in course.toml, only an exercise that has a deadline can be extended. The extension
counts for attempts graded from then on; a regrade applies it to earlier attempts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from grader.course import CourseSettings
from grader.errors import ConfigError, NotFoundError
from grader.store.extensions import ExtensionRow
from grader.students import student_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.store import Store

REASON_CHARS = 2000


def extend_deadline(
    store: Store,
    course: CourseSettings,
    student: str,
    exercise: str,
    deadline: datetime,
    *,
    reason: str = "",
    granted_by: str,
) -> ExtensionRow:
    """Give `student` their own `deadline` (aware) for `exercise`; return what was kept."""
    from grader.grading.exercises import resolve
    from grader.store.extensions import add_extension
    from grader.store.students import find_student

    name = student_name(student)
    [found] = resolve([exercise])
    if found.name not in course.deadlines:
        where = course.source or "the course"
        raise ConfigError(f"{found.name} has no deadline in {where} to extend")
    if deadline.tzinfo is None or deadline.utcoffset() is None:
        raise ConfigError("the new deadline needs a time zone")
    text = reason.strip()
    if len(text) > REASON_CHARS:
        raise ConfigError(f"the reason is longer than {REASON_CHARS} characters")

    def work(session: Session) -> ExtensionRow:
        if find_student(session, name) is None:
            raise NotFoundError(f"nobody called {name!r} in the database")
        return add_extension(session, name, found.name, deadline, _offset(deadline), text, granted_by)

    return store.write(work)


def stored_extensions(store: Store, student: str | None = None) -> list[ExtensionRow]:
    """Every extension given in the browser (of one student, if named), oldest first."""
    from grader.store.extensions import extension_rows

    with store.read() as session:
        return extension_rows(session, None if student is None else student_name(student))


def with_stored_extensions(session: Session, course: CourseSettings, student: str | None = None) -> CourseSettings:
    """`course` with the stored extensions (of one student, if named) in place of course.toml's."""
    from grader.store.extensions import extension_rows

    if not course.source or not course.deadlines:
        return course  # nothing has a deadline, so nothing can be extended
    rows = extension_rows(session, student)
    return apply_extensions(course, rows) if rows else course


def apply_extensions(course: CourseSettings, rows: list[ExtensionRow]) -> CourseSettings:
    """`course` with `rows` (oldest first) as its extensions, the newest of each winning."""
    merged = {name: dict(own) for name, own in course.extensions.items()}
    for row in rows:
        if row.exercise in course.deadlines:
            merged.setdefault(row.student, {})[row.exercise] = row.deadline
    return replace(course, extensions=merged)


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset / timedelta(minutes=1))
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
