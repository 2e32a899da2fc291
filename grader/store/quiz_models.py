"""Tables for quizzes: the bank as loaded, every attempt and answer, and practice schedules.

A question's wording lives in `QuestionVersion`, keyed by a hash of what the student saw;
editing a question adds a version instead of changing one, so every stored answer stays
tied to the exact wording and options it was given to. Practice schedules (`PracticeCard`)
belong to the question, not the version: fixing a typo does not reset anyone's reviews.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grader.store.base import Base, UTCDateTime, utcnow
from grader.store.models import Student


class QuizRecord(Base):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    questions: Mapped[list[QuizQuestion]] = relationship(back_populates="quiz", order_by="QuizQuestion.position")


class QuizQuestion(Base):
    """A question's stable identity within its quiz; `current_hash` names its live wording.

    `position` is None for a question that was removed from the file: its answers stay.
    """

    __tablename__ = "quiz_questions"
    __table_args__ = (UniqueConstraint("quiz_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int | None] = mapped_column(Integer)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    current_hash: Mapped[str] = mapped_column(String(64))

    quiz: Mapped[QuizRecord] = relationship(back_populates="questions")
    versions: Mapped[list[QuestionVersion]] = relationship(back_populates="question", order_by="QuestionVersion.id")


class QuestionVersion(Base):
    __tablename__ = "quiz_question_versions"
    __table_args__ = (UniqueConstraint("question_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    explanation: Mapped[str] = mapped_column(Text)
    answer: Mapped[float | None] = mapped_column(Float)
    tolerance: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[QuizQuestion] = relationship(back_populates="versions")


class QuizAttempt(Base):
    """One sitting of a quiz (`grader quiz take`), stored with all its answers at once."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    complete: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False when the student stopped before the last question: only the answers given are stored."""

    student: Mapped[Student] = relationship()
    quiz: Mapped[QuizRecord] = relationship()
    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizAnswer.id"
    )


class QuizAnswer(Base):
    """One answer: who, when, to which wording, which option keys, and the points it earned.

    Practice answers have no attempt; `mode` tells them apart from quiz attempts.
    """

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("quiz_question_versions.id"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    chosen: Mapped[list[str]] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)

    attempt: Mapped[QuizAttempt | None] = relationship(back_populates="answers")
    version: Mapped[QuestionVersion] = relationship()


class PracticeCard(Base):
    """A student's spaced-repetition state for a question: the FSRS card as JSON, and when due."""

    __tablename__ = "quiz_practice_cards"
    __table_args__ = (UniqueConstraint("student_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id"), index=True)
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    due: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
