"""An instructor's final word on a score: `grader override STUDENT EXERCISE SCORE --reason TEXT`.

The override is kept with the attempt that counts for the student's exercise when it is
made (by the course's score policy), with the score that attempt had and the reason. From
then on the newest override of that (student, exercise) is the score every report counts,
whatever the student's attempts before or after; none is ever deleted, so history shows
each one. A regrade does not undo an override: it is the instructor's word, not a grade.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from grader.course import ScorePolicy
from grader.errors import ConfigError, NotFoundError
from grader.records import Override
from grader.report.marks import points
from grader.students import student_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.store import Store

REASON_CHARS = 2000


def override_score(
    store: Store, student: str, exercise: str, score: float, reason: str, *, policy: ScorePolicy = "best"
) -> Override:
    """Set `student`'s score for `exercise` to `score`, for `reason`; return what was kept."""
    from grader.grading.exercises import resolve

    name = student_name(student)
    [found] = resolve([exercise])
    text = reason.strip()
    if not text:
        raise ConfigError("--reason must say why the score is overridden")
    if len(text) > REASON_CHARS:
        raise ConfigError(f"--reason is longer than {REASON_CHARS} characters")
    if not math.isfinite(score) or score < 0:
        raise ConfigError(f"the score must be a number of points, 0 or more, not {score:g}")
    return store.write(lambda session: _override(session, name, found.name, score, text, policy))


def _override(
    session: Session, student: str, exercise: str, score: float, reason: str, policy: ScorePolicy
) -> Override:
    from grader.report.gradebook import counted
    from grader.store.reports import exercise_rows
    from grader.store.submissions import record_override

    rows = [row for row in exercise_rows(session, student=student) if row.exercise == exercise]
    if not rows:
        raise NotFoundError(f"{student} has no attempt at {exercise} to override")
    attempt = counted(rows, policy)
    if score > attempt.max_score:
        raise ConfigError(f"{exercise} is worth {points(attempt.max_score)} points; {points(score)} is more than that")
    return record_override(session, attempt.submission_id, exercise, score, attempt.score, reason)
