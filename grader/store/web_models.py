"""Tables of the course's web pages: deadline extensions given in the browser, and quiz
sittings that last across page loads.

A `DeadlineExtension` is one student's own deadline for one exercise, set by an instructor
on the student's page. None is ever changed or deleted: the newest for a (student, exercise)
is the one that counts, and the course rules apply it exactly as an `[extensions.NAME]`
table of course.toml (over which it wins).

A `SavedSitting` is a quiz being taken in the browser: the seed its options were shuffled
with and the answers given so far, so that each page load rebuilds the same sitting
(`grader.service.sittings.QuizSitting`) and a server restart, or another server process,
loses nothing. The attempt itself is stored as every quiz attempt is, when the sitting
finishes, in the same transaction that marks the sitting finished.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grader.store.base import Base, UTCDateTime, utcnow


class DeadlineExtension(Base):
    __tablename__ = "deadline_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    exercise: Mapped[str] = mapped_column(String(100))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(10))
    """The UTC offset the deadline was given in ("+01:00"), to show it as it was set."""
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SavedSitting(Base):
    __tablename__ = "quiz_sittings"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    quiz: Mapped[str] = mapped_column(String(100))
    quiz_hash: Mapped[str] = mapped_column(String(64))
    """A fingerprint of the quiz's questions when the sitting began: an edited quiz cannot be
    rebuilt with the answers given to the old one."""
    seed: Mapped[int] = mapped_column(BigInteger)
    answers: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    """The keys chosen for each question answered, in the order the questions were asked."""
    answered: Mapped[int] = mapped_column(Integer, default=0)
    """len(answers), kept as a column so that an answer is recorded only onto the state it was given in."""
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempts.id"))
    """The stored attempt; None while the sitting runs, or when it ended with nothing answered."""
