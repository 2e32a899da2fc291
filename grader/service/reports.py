"""An instructor's views of the class: the gradebook with where students struggle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course import ScorePolicy

if TYPE_CHECKING:
    from grader.report.gradebook import Column
    from grader.report.model import ClassReport
    from grader.store import Store


def class_report(store: Store, policy: ScorePolicy, quizzes: Sequence[Path] = ()) -> ClassReport:
    """The gradebook, the struggles per exercise and test, and the item analysis of every quiz,
    read in one transaction so that all parts agree. The gradebook has a column for every
    exercise of the course and every quiz under `quizzes`, whether or not anyone took it."""
    from grader.grading.exercises import all_exercises
    from grader.report.model import build_report
    from grader.report.struggles import counted_rows
    from grader.service.quizzes import quiz_stats_in
    from grader.store import reports
    from grader.store.enrolments import sections

    with store.read() as session:
        students = reports.student_names(session)
        roster_sections = sections(session)
        exercises = reports.exercise_rows(session)
        tests = reports.test_rows(session, counted_rows(exercises, policy))
        quiz_scores = reports.quiz_score_rows(session)
        overrides = reports.override_rows(session)
        stats = quiz_stats_in(session)
    order = [e.name for e in all_exercises()]
    columns = course_columns(quizzes, graded={row.exercise: row.max_score for row in exercises})
    return build_report(
        students, exercises, tests, quiz_scores, stats, policy, order, overrides, columns, roster_sections
    )


def course_columns(quizzes: Sequence[Path] = (), graded: Mapping[str, float] | None = None) -> list[Column]:
    """A gradebook column for every exercise of the course and every quiz of the bank under
    `quizzes`, each with the points it is worth: from `graded` (exercise -> the maximum of a
    stored result) where given, else counted from its suite."""
    from grader.grading.exercises import all_exercises
    from grader.grading.plan import max_points
    from grader.quiz.bank import read_bank
    from grader.quiz.scoring import score_quiz
    from grader.report.gradebook import Column

    known = dict(graded or {})
    names = [e.name for e in all_exercises()]
    missing = [name for name in names if name not in known]
    known.update(max_points(missing) if missing else {})
    columns = [Column(name, name, "exercise", known[name]) for name in names]
    if quizzes:
        for quiz in read_bank(list(quizzes))[0]:  # a quiz file with a problem has no column until fixed
            columns.append(Column(f"quiz:{quiz.id}", quiz.title, "quiz", score_quiz(quiz, {}).max_score))
    return columns
