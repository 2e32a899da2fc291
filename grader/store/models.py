"""Tables for students and their graded submissions.

A submission is written whole, in one transaction: the row itself, one `ExerciseResult` per
exercise, one `TestResult` per hidden test, and a `SourceFile` snapshot of every submitted
file, so an instructor can read and regrade exactly what was graded.

A regrade is a `Submission` row too, with `regrade_of` naming the attempt whose snapshot it
graded again: it has its own results and no files (they are the attempt's), it is not an
attempt (attempt counts and numbers skip it), and for each exercise it graded, the newest
regrade is what reports count; the attempt's own results stay, for history. A
`ScoreOverride` is an instructor's final word on one exercise of one student, kept with the
attempt that counted when it was made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grader.store.base import Base, UTCDateTime, utcnow


class Student(Base):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submissions: Mapped[list[Submission]] = relationship(back_populates="student")


SUBMISSION_STATES = ("queued", "grading", "graded", "not_gradable")


class Submission(Base):
    """One attempt. Graded at once by `grader submit` and `grader grade` (status "graded");
    received by the course server first ("queued", then "grading"), with its files, and graded
    afterwards: its result columns stay empty until then. "not_gradable" is a failure of the
    grader's own, which costs the student no attempt."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("student_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    """When the attempt was received: the moment course rules (deadlines, attempts) apply to."""
    workspace: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="graded", server_default="graded", index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    """The client's key for an upload: the same key from the same student is the same submission."""
    requested: Mapped[list[str] | None] = mapped_column(JSON)
    """The exercises asked for (None: all of them), kept for grading after the upload."""
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Grading runs that failed through no fault of the student (a lost worker, a grader bug)."""
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    suite_version: Mapped[str | None] = mapped_column(String(64))
    sandbox: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    regrade_of: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True, default=None
    )
    """The attempt whose snapshot this row graded again; None for an attempt."""
    seed: Mapped[int | None] = mapped_column(BigInteger, nullable=True, default=None)
    """The seed of the hidden tests' random inputs: grading the snapshot again with it repeats
    the attempt exactly. None for attempts recorded before seeds were kept."""

    student: Mapped[Student] = relationship(back_populates="submissions")
    exercises: Mapped[list[ExerciseResult]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="ExerciseResult.position"
    )
    files: Mapped[list[SourceFile]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SourceFile.path"
    )


class Enrolment(Base):
    """A person in a course served by `grader serve`: their role and the hash of their token.

    Tokens are random and long, so a SHA-256 of one identifies it without being reversible;
    the token itself is shown once, when it is issued. Enrolling someone again replaces the
    hash, which revokes the old token.
    """

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    section: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    student: Mapped[Student] = relationship()


class ExerciseResult(Base):
    __tablename__ = "exercise_results"
    __table_args__ = (UniqueConstraint("submission_id", "exercise"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    exercise: Mapped[str] = mapped_column(String(100), index=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text, default="")
    suite_version: Mapped[str] = mapped_column(String(64))

    submission: Mapped[Submission] = relationship(back_populates="exercises")
    tests: Mapped[list[TestResult]] = relationship(
        back_populates="exercise_result", cascade="all, delete-orphan", order_by="TestResult.position"
    )


class TestResult(Base):
    __tablename__ = "test_results"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_result_id: Mapped[int] = mapped_column(ForeignKey("exercise_results.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    test_id: Mapped[str] = mapped_column(String(300), index=True)
    name: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    unwritten: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """The stub function whose NotImplementedError failed this test, if that is why."""

    exercise_result: Mapped[ExerciseResult] = relationship(back_populates="tests")


class SourceFile(Base):
    __tablename__ = "source_files"
    __table_args__ = (UniqueConstraint("submission_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="files")


class ScoreOverride(Base):
    """An instructor's score for one exercise of one student, with the reason, kept with the
    attempt that counted when it was made. The newest override of a (student, exercise) is
    the score reports count, whatever the attempts; every one stays for history."""

    __tablename__ = "score_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    exercise: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    graded_score: Mapped[float] = mapped_column(Float)
    """What the attempt had scored for the exercise (after any regrade) when overridden."""
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
