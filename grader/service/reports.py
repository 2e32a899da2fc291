"""An instructor's views of the class: the gradebook with where students struggle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.course import ScorePolicy

if TYPE_CHECKING:
    from grader.report.model import ClassReport
    from grader.store import Store


def class_report(store: Store, policy: ScorePolicy) -> ClassReport:
    """The gradebook, the struggles per exercise and test, and the item analysis of every quiz,
    read in one transaction so that all parts agree."""
    from grader.grading.exercises import all_exercises
    from grader.report.model import build_report
    from grader.report.struggles import counted_rows
    from grader.service.quizzes import quiz_stats_in
    from grader.store import reports

    with store.read() as session:
        students = reports.student_names(session)
        exercises = reports.exercise_rows(session)
        tests = reports.test_rows(session, counted_rows(exercises, policy))
        quizzes = reports.quiz_score_rows(session)
        stats = quiz_stats_in(session)
    order = [e.name for e in all_exercises()]
    return build_report(students, exercises, tests, quizzes, stats, policy, order)
