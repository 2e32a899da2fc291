"""What live pages poll: a cheap fingerprint of the class's (or one student's) stored work, and
a student's submissions that are not graded.

A fingerprint changes whenever something a page shows could have changed: a submission
arrives or moves on (queued, grading, graded), a regrade, an override, a quiz attempt, a
deadline extension, a newly enrolled student. Pages compare fingerprints rather than listen
for in-process events, so any number of server processes can serve them from one database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.store.models import ScoreOverride, Student, Submission
from grader.store.quiz_models import QuizAttempt
from grader.store.web_models import DeadlineExtension

Fingerprint = tuple[int, ...]


@dataclass(frozen=True)
class ReceivedRow:
    submission_id: int
    created_at: datetime
    status: str


def class_fingerprint(session: Session) -> Fingerprint:
    return _fingerprint(session, None)


def student_fingerprint(session: Session, name: str) -> Fingerprint:
    student = session.scalar(select(Student.id).where(Student.name == name))
    return _fingerprint(session, -1 if student is None else student)


def _fingerprint(session: Session, student: int | None) -> Fingerprint:
    def mine(query: Any, column: Any) -> Any:
        return query if student is None else query.where(column == student)

    submissions = session.execute(
        mine(
            select(
                func.count(Submission.id),
                func.coalesce(func.max(Submission.id), 0),
                func.count(Submission.graded_at),
                func.count(Submission.id).filter(Submission.status == "grading"),
            ),
            Submission.student_id,
        )
    ).one()
    overrides = session.scalar(
        mine(
            select(func.coalesce(func.max(ScoreOverride.id), 0)).join(
                Submission, Submission.id == ScoreOverride.submission_id
            ),
            Submission.student_id,
        )
    )
    quizzes = session.scalar(mine(select(func.coalesce(func.max(QuizAttempt.id), 0)), QuizAttempt.student_id))
    extensions = session.scalar(
        mine(select(func.coalesce(func.max(DeadlineExtension.id), 0)), DeadlineExtension.student_id)
    )
    people = session.scalar(select(func.count(Student.id))) if student is None else 0
    return (
        *(int(v) for v in submissions),
        int(overrides or 0),
        int(quizzes or 0),
        int(extensions or 0),
        int(people or 0),
    )


def received_not_graded(session: Session, name: str) -> list[ReceivedRow]:
    """The student's submissions that are waiting, being graded, or could not be graded
    through the grader's own fault; newest first."""
    rows = session.execute(
        select(Submission.id, Submission.created_at, Submission.status)
        .join(Student, Student.id == Submission.student_id)
        .where(Student.name == name, Submission.status != "graded", Submission.regrade_of.is_(None))
        .order_by(Submission.id.desc())
    )
    return [ReceivedRow(i, created, status) for i, created, status in rows]
