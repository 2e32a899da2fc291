"""What live pages poll: fingerprints of the stored work that change whenever a page showing
it could (see `grader.store.changes`), and a student's submissions still waiting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.students import student_name

if TYPE_CHECKING:
    from grader.store import Store
    from grader.store.changes import Fingerprint, ReceivedRow


def class_fingerprint(store: Store) -> Fingerprint:
    from grader.store.changes import class_fingerprint as read

    with store.read() as session:
        return read(session)


def student_fingerprint(store: Store, student: str) -> Fingerprint:
    from grader.store.changes import student_fingerprint as read

    with store.read() as session:
        return read(session, student_name(student))


def not_graded(store: Store, student: str) -> list[ReceivedRow]:
    """The student's submissions waiting, being graded, or not gradable; newest first."""
    from grader.store.changes import received_not_graded

    with store.read() as session:
        return received_not_graded(session, student_name(student))
