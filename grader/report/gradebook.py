"""The gradebook: one row per student, a column per exercise and per quiz, and the total.

Which attempt counts is the score policy: "best" takes each exercise's (and quiz's) highest
score over all attempts, "latest" the most recent one. Pure functions over stored rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from grader.course import ScorePolicy
from grader.store.reports import ExerciseRow, QuizScoreRow


class _Scored(Protocol):
    @property
    def score(self) -> float: ...


R = TypeVar("R", bound=_Scored)


@dataclass(frozen=True)
class Column:
    key: str
    """The exercise name, or `quiz:<id>` for a quiz."""
    title: str
    kind: Literal["exercise", "quiz"]
    max_score: float


@dataclass(frozen=True)
class GradebookRow:
    student: str
    scores: tuple[float | None, ...]
    """One per column; None where the student has no attempt."""
    total: float
    done: bool
    """Every exercise at full marks."""


@dataclass(frozen=True)
class Gradebook:
    policy: ScorePolicy
    columns: tuple[Column, ...]
    rows: tuple[GradebookRow, ...]

    @property
    def max_total(self) -> float:
        return round(sum(c.max_score for c in self.columns), 6)


def counted(rows: Sequence[R], policy: ScorePolicy) -> R:
    """The attempt that counts among `rows` (oldest first): the latest, or the best (latest of ties)."""
    if policy == "latest":
        return rows[-1]
    best = rows[0]
    for row in rows[1:]:
        if row.score >= best.score:
            best = row
    return best


def counted_exercises(rows: Sequence[ExerciseRow], policy: ScorePolicy) -> dict[tuple[str, str], ExerciseRow]:
    """(student, exercise) -> the row that counts."""
    grouped: dict[tuple[str, str], list[ExerciseRow]] = {}
    for row in rows:
        grouped.setdefault((row.student, row.exercise), []).append(row)
    return {key: counted(group, policy) for key, group in grouped.items()}


def exercise_names(rows: Sequence[ExerciseRow], order: Sequence[str] = ()) -> list[str]:
    """The exercises that have results: those in `order` first, in it, then the rest sorted."""
    present = {row.exercise for row in rows}
    return [n for n in order if n in present] + sorted(present - set(order))


def build_gradebook(
    students: Sequence[str],
    exercises: Sequence[ExerciseRow],
    quizzes: Sequence[QuizScoreRow],
    policy: ScorePolicy,
    exercise_order: Sequence[str] = (),
) -> Gradebook:
    """The gradebook of `students` (sorted) from every stored exercise result and quiz attempt."""
    names = exercise_names(exercises, exercise_order)
    latest_max = {row.exercise: row.max_score for row in exercises}
    columns = [Column(name, name, "exercise", latest_max[name]) for name in names]
    quiz_titles = {row.quiz: (row.title, row.max_score) for row in quizzes}
    columns += [Column(f"quiz:{slug}", title, "quiz", top) for slug, (title, top) in sorted(quiz_titles.items())]

    chosen_exercises = counted_exercises(exercises, policy)
    grouped_quizzes: dict[tuple[str, str], list[QuizScoreRow]] = {}
    for quiz_row in quizzes:
        grouped_quizzes.setdefault((quiz_row.student, quiz_row.quiz), []).append(quiz_row)
    chosen_quizzes = {key: counted(group, policy) for key, group in grouped_quizzes.items()}

    rows = []
    for student in sorted(students):
        scores: list[float | None] = []
        for column in columns:
            if column.kind == "exercise":
                found: ExerciseRow | QuizScoreRow | None = chosen_exercises.get((student, column.key))
            else:
                found = chosen_quizzes.get((student, column.key.removeprefix("quiz:")))
            scores.append(None if found is None else found.score)
        done = bool(names) and all(
            (row := chosen_exercises.get((student, name))) is not None and row.score >= row.max_score for name in names
        )
        total = round(sum(s for s in scores if s is not None), 6)
        rows.append(GradebookRow(student, tuple(scores), total, done))
    return Gradebook(policy, tuple(columns), tuple(rows))
