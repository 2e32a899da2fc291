"""The gradebook: one row per student, a column per exercise and per quiz, and the total.

Which attempt counts is the score policy: "best" takes each exercise's (and quiz's) highest
score over all attempts, "latest" the most recent one; a regraded attempt counts with its
newest regrade. An instructor's override of a student's exercise is that cell's score,
whatever the attempts. The total adds every exercise and quiz score of the row (points, not
a weighted grade). The columns are the course's: every exercise and quiz, whether or not
anyone has an attempt, then any other that has results. Pure functions over stored rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

from grader.course import ScorePolicy
from grader.store.reports import ExerciseRow, OverrideRow, QuizScoreRow


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
    """Every exercise and quiz score of the row added up."""
    done: bool
    """Every exercise at full marks."""
    overrides: Mapping[str, OverrideRow] = field(default_factory=dict)
    """Column key -> the override that gives that cell its score."""
    section: str = ""
    """The student's section on the course's roster, if any (an LMS import groups by it)."""


@dataclass(frozen=True)
class Gradebook:
    policy: ScorePolicy
    columns: tuple[Column, ...]
    rows: tuple[GradebookRow, ...]

    def counted_scores(self, key: str) -> list[float]:
        """The score that counts in column `key` for every student with one: overrides included,
        as the gradebook and its exports show them (what a chart of the column draws)."""
        index = next(i for i, column in enumerate(self.columns) if column.key == key)
        return [score for row in self.rows if (score := row.scores[index]) is not None]

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
    overrides: Sequence[OverrideRow] = (),
    course_columns: Sequence[Column] = (),
    sections: Mapping[str, str] | None = None,
) -> Gradebook:
    """The gradebook of `students` (sorted) from every stored exercise result, quiz attempt and
    override (oldest first), with a column for each of `course_columns` and any other that has
    results. An exercise column's maximum is its latest result's, else the course's."""
    columns = _columns(exercises, quizzes, exercise_order, course_columns)
    names = [c.key for c in columns if c.kind == "exercise"]
    newest_override = {(row.student, row.exercise): row for row in overrides}

    chosen_exercises = counted_exercises(exercises, policy)
    grouped_quizzes: dict[tuple[str, str], list[QuizScoreRow]] = {}
    for quiz_row in quizzes:
        grouped_quizzes.setdefault((quiz_row.student, quiz_row.quiz), []).append(quiz_row)
    chosen_quizzes = {key: counted(group, policy) for key, group in grouped_quizzes.items()}

    rows = []
    for student in sorted(students):
        scores: list[float | None] = []
        overridden: dict[str, OverrideRow] = {}
        for column in columns:
            override = newest_override.get((student, column.key)) if column.kind == "exercise" else None
            if override is not None:
                overridden[column.key] = override
                scores.append(override.score)
                continue
            if column.kind == "exercise":
                found: ExerciseRow | QuizScoreRow | None = chosen_exercises.get((student, column.key))
            else:
                found = chosen_quizzes.get((student, column.key.removeprefix("quiz:")))
            scores.append(None if found is None else found.score)
        done = bool(names) and all(
            _full(student, c, chosen_exercises, overridden) for c in columns if c.kind == "exercise"
        )
        total = round(sum(s for s in scores if s is not None), 6)
        rows.append(GradebookRow(student, tuple(scores), total, done, overridden, (sections or {}).get(student, "")))
    return Gradebook(policy, tuple(columns), tuple(rows))


def _full(
    student: str, column: Column, chosen: Mapping[tuple[str, str], ExerciseRow], overridden: Mapping[str, OverrideRow]
) -> bool:
    """Whether the student has full marks in an exercise: in the attempt that counts, or by an override."""
    if column.key in overridden:
        return overridden[column.key].score >= column.max_score
    row = chosen.get((student, column.key))
    return row is not None and row.score >= row.max_score


def _columns(
    exercises: Sequence[ExerciseRow],
    quizzes: Sequence[QuizScoreRow],
    exercise_order: Sequence[str],
    course_columns: Sequence[Column],
) -> list[Column]:
    """The course's columns, then those of any other exercise or quiz with results."""
    latest_max = {row.exercise: row.max_score for row in exercises}
    course = {c.key for c in course_columns}
    columns = [
        Column(c.key, c.title, c.kind, latest_max.get(c.key, c.max_score)) if c.kind == "exercise" else c
        for c in course_columns
        if c.kind == "exercise"
    ]
    columns += [
        Column(name, name, "exercise", latest_max[name])
        for name in exercise_names(exercises, exercise_order)
        if name not in course
    ]
    columns += [c for c in course_columns if c.kind == "quiz"]
    quiz_titles = {row.quiz: (row.title, row.max_score) for row in quizzes}
    columns += [
        Column(f"quiz:{slug}", title, "quiz", top)
        for slug, (title, top) in sorted(quiz_titles.items())
        if f"quiz:{slug}" not in course
    ]
    return columns
