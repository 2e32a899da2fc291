"""Where a student stands against the course's rules: per exercise the attempts, best, latest
and counted score with the student's own deadline; and the attempts left and when the next
one is allowed. What a student's web page shows above their submissions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from grader.course import CourseSettings, LatePolicy, ScorePolicy
from grader.students import student_name

if TYPE_CHECKING:
    from grader.store import Store


@dataclass(frozen=True)
class ExerciseStanding:
    exercise: str
    max_score: float
    attempts: int
    best: float | None
    latest: float | None
    counted: float | None
    """The score the gradebook counts (the course's policy, or an instructor's override)."""
    overridden: bool
    deadline: datetime | None
    """The student's own deadline: their extension, else the exercise's."""
    extended: bool


@dataclass(frozen=True)
class Standing:
    student: str
    policy: ScorePolicy
    exercises: tuple[ExerciseStanding, ...]
    attempts_used: int
    max_attempts: int | None
    next_attempt_at: datetime | None
    """When the cool-down allows the next attempt, if that is later than `now`."""
    late: LatePolicy

    @property
    def attempts_left(self) -> int | None:
        return None if self.max_attempts is None else max(0, self.max_attempts - self.attempts_used)


def student_standing(
    store: Store, course: CourseSettings, student: str, columns: Sequence[tuple[str, float]], now: datetime
) -> Standing:
    """`student`'s standing on each of `columns` (exercise, points it is worth), read at once."""
    from grader.report.gradebook import build_gradebook
    from grader.service.extensions import with_stored_extensions
    from grader.store import reports
    from grader.store.submissions import student_progress

    name = student_name(student)
    with store.read() as session:
        progress = student_progress(session, name)
        rows = reports.exercise_rows(session, student=name)
        overrides = [row for row in reports.override_rows(session) if row.student == name]
        used, last = reports.attempts_so_far(session, name)
        rules = with_stored_extensions(session, course, name)
    book = build_gradebook([name], rows, [], course.score_policy, [e for e, _ in columns], overrides)
    counted = dict(zip((c.key for c in book.columns), book.rows[0].scores, strict=True)) if book.rows else {}
    overridden = set(book.rows[0].overrides) if book.rows else set()
    by_name = {p.exercise: p for p in progress.exercises}
    standings = []
    for exercise, points in columns:
        found = by_name.get(exercise)
        standings.append(
            ExerciseStanding(
                exercise=exercise,
                max_score=found.max_score if found else points,
                attempts=found.attempts if found else 0,
                best=found.best if found else None,
                latest=found.latest if found else None,
                counted=counted.get(exercise),
                overridden=exercise in overridden,
                deadline=rules.deadline(exercise, name),
                extended=exercise in rules.extensions.get(name, {}),
            )
        )
    ready = last + course.cooldown if course.cooldown is not None and last is not None else None
    return Standing(
        student=name,
        policy=course.score_policy,
        exercises=tuple(standings),
        attempts_used=used,
        max_attempts=course.max_attempts,
        next_attempt_at=ready if ready is not None and ready > now else None,
        late=course.late,
    )


def is_student(store: Store, name: str) -> bool:
    """Whether `name` has a row in the class's gradebook (a student, not a TA or instructor)."""
    from grader.store.reports import student_names

    with store.read() as session:
        return student_name(name) in student_names(session)
