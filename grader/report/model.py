"""The class report: the gradebook, the struggles per exercise and test, and quiz item analysis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.course import ScorePolicy
from grader.quiz.stats import QuizStats
from grader.report.gradebook import Column, Gradebook, build_gradebook
from grader.report.struggles import ExerciseStruggle, find_struggles
from grader.store.reports import ExerciseRow, OverrideRow, QuizScoreRow, TestRow


@dataclass(frozen=True)
class ClassReport:
    gradebook: Gradebook
    exercises: tuple[ExerciseStruggle, ...]
    quizzes: tuple[QuizStats, ...]

    @property
    def policy(self) -> ScorePolicy:
        return self.gradebook.policy


def build_report(
    students: Sequence[str],
    exercises: Sequence[ExerciseRow],
    tests: Sequence[TestRow],
    quiz_scores: Sequence[QuizScoreRow],
    quiz_stats: Sequence[QuizStats],
    policy: ScorePolicy,
    exercise_order: Sequence[str] = (),
    overrides: Sequence[OverrideRow] = (),
    course_columns: Sequence[Column] = (),
    sections: Mapping[str, str] | None = None,
) -> ClassReport:
    return ClassReport(
        gradebook=build_gradebook(
            students, exercises, quiz_scores, policy, exercise_order, overrides, course_columns, sections
        ),
        exercises=find_struggles(exercises, tests, policy, exercise_order),
        quizzes=tuple(quiz_stats),
    )
