"""Every `--json` shape of the command line, in one module: contracts that scripts depend on.

Each function turns records into JSON-ready data. The shapes are documented in the README
and pinned by tests; a key may be added, never renamed or removed. The course server
answers with the same functions, so a script reads the same object from either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.grading.examples import ExampleReport
    from grader.quiz.stats import ItemStats, QuizStats
    from grader.records import Attempt, ExerciseOutcome, Progress, SubmitOutcome, TestOutcome
    from grader.report.gradebook import Gradebook
    from grader.report.model import ClassReport
    from grader.report.struggles import ExerciseStruggle, FailureMessage, TestStruggle
    from grader.service.batch import BatchResult
    from grader.service.quizzes import AttemptResult

JSON = dict[str, Any]


# -- a student's attempts ------------------------------------------------------------------------


def submission(outcome: SubmitOutcome) -> JSON:
    """`grader submit --json`."""
    result = outcome.result
    return {
        "submission_id": outcome.submission_id,
        "student": outcome.student,
        "score": result.score,
        "max_score": result.max_score,
        "sandbox": result.sandbox,
        "exercises": [exercise_result(e) for e in result.exercises],
        "attempt": outcome.attempt,
    }


def submission_outcome(data: JSON) -> SubmitOutcome:
    """The record behind a `submission` object (as a course server answers it), for the
    command line to print exactly what a local `grader submit` prints."""
    from grader.records import ExerciseOutcome, GradingResult, SubmitOutcome, TestOutcome

    exercises = tuple(
        ExerciseOutcome(
            name=str(e["name"]),
            score=float(e["score"]),
            max_score=float(e["max_score"]),
            status=str(e["status"]),
            message=str(e["message"]),
            tests=tuple(
                TestOutcome(
                    str(t["id"]),
                    str(t["name"]),
                    t["outcome"],
                    float(t["points"]),
                    float(t["max_points"]),
                    str(t["message"]),
                    str(t.get("unwritten", "")),
                )
                for t in e["tests"]
            ),
            suite_version="",
        )
        for e in data["exercises"]
    )
    result = GradingResult(exercises, dict(data["sandbox"]), "", 0.0)
    return SubmitOutcome(int(data["submission_id"]), int(data["attempt"]), str(data["student"]), result)


def exercise_result(outcome: ExerciseOutcome) -> JSON:
    return {
        "name": outcome.name,
        "score": outcome.score,
        "max_score": outcome.max_score,
        "status": outcome.status,
        "message": outcome.message,
        "tests": [hidden_test(t) for t in outcome.tests],
    }


def hidden_test(outcome: TestOutcome) -> JSON:
    return {
        "id": outcome.id,
        "name": outcome.name,
        "outcome": outcome.outcome,
        "points": outcome.points,
        "max_points": outcome.max_points,
        "message": outcome.message,
    }


def examples(reports: Sequence[ExampleReport]) -> JSON:
    """`grader check --json`."""
    return {
        "exercises": [
            {
                "name": r.exercise,
                "passed": r.passed,
                "message": r.message,
                "functions": [
                    {"name": f.name, "attempted": f.attempted, "failed": f.failed, "details": f.details}
                    for f in r.functions
                ],
            }
            for r in reports
        ]
    }


def progress(report: Progress) -> JSON:
    """`grader progress --json`."""
    return {
        "student": report.student,
        "attempts": [
            {
                "submission_id": a.submission_id,
                "created_at": a.created_at.isoformat(),
                "score": a.score,
                "max_score": a.max_score,
                "exercises": [e.name for e in a.exercises],
                "attempt": a.attempt,
            }
            for a in report.attempts
        ],
        "exercises": [
            {
                "name": e.exercise,
                "attempts": e.attempts,
                "best": e.best,
                "latest": e.latest,
                "max_score": e.max_score,
            }
            for e in report.exercises
        ],
    }


def progress_record(data: JSON) -> Progress:
    """The record behind a `progress` object (as a course server answers it)."""
    from datetime import datetime

    from grader.records import Attempt, ExerciseOutcome, ExerciseProgress, Progress

    attempts = tuple(
        Attempt(
            submission_id=int(a["submission_id"]),
            attempt=int(a.get("attempt", 0)),
            student=str(data["student"]),
            created_at=datetime.fromisoformat(a["created_at"]),
            score=float(a["score"]),
            max_score=float(a["max_score"]),
            settings={},
            exercises=tuple(ExerciseOutcome(str(name), 0.0, 0.0, "", "", (), "") for name in a["exercises"]),
        )
        for a in data["attempts"]
    )
    exercises = tuple(
        ExerciseProgress(
            str(e["name"]), int(e["attempts"]), float(e["best"]), float(e["latest"]), float(e["max_score"])
        )
        for e in data["exercises"]
    )
    return Progress(str(data["student"]), attempts, exercises)


def history(student: str, attempts: Sequence[Attempt]) -> JSON:
    """`grader report --student NAME --format json`."""
    return {
        "student": student,
        "attempts": [
            {
                "submission_id": a.submission_id,
                "created_at": a.created_at.isoformat(),
                "score": a.score,
                "max_score": a.max_score,
                "settings": a.settings,
                "files": list(a.files),
                "exercises": [
                    {
                        "name": e.name,
                        "score": e.score,
                        "max_score": e.max_score,
                        "status": e.status,
                        "message": e.message,
                        "tests": [
                            {
                                "name": t.name,
                                "outcome": t.outcome,
                                "points": t.points,
                                "max_points": t.max_points,
                                "message": t.message,
                            }
                            for t in e.tests
                        ],
                    }
                    for e in a.exercises
                ],
                "attempt": a.attempt,
            }
            for a in attempts
        ],
    }


# -- an instructor's views -----------------------------------------------------------------------


def batch(result: BatchResult) -> JSON:
    """`grader grade --json`."""
    return {
        "graded": len(result.students),
        "failed": [{"student": f.student, "reason": f.reason} for f in result.failed],
        "students": [
            {
                "student": s.student,
                "submission_id": s.submission_id,
                "score": s.score,
                "max_score": s.max_score,
            }
            for s in result.students
        ],
    }


def class_report(report: ClassReport) -> JSON:
    """`grader report --format json`."""
    return {
        "policy": report.policy,
        "gradebook": gradebook(report.gradebook),
        "exercises": [exercise_struggle(e) for e in report.exercises],
        "quizzes": [quiz_stats(q) for q in report.quizzes],
    }


def gradebook(book: Gradebook) -> JSON:
    return {
        "policy": book.policy,
        "columns": [{"key": c.key, "title": c.title, "kind": c.kind, "max_score": c.max_score} for c in book.columns],
        "max_total": book.max_total,
        "students": [
            {
                "student": r.student,
                "scores": dict(zip((c.key for c in book.columns), r.scores, strict=True)),
                "total": r.total,
                "done": r.done,
            }
            for r in book.rows
        ],
    }


def exercise_struggle(item: ExerciseStruggle) -> JSON:
    return {
        "exercise": item.exercise,
        "max_score": item.max_score,
        "students": item.students,
        "failing": item.failing,
        "share_failing": item.share,
        "scores": list(item.scores),
        "messages": _messages(item.messages),
        "tests": [struggle_of_test(t) for t in item.tests],
    }


def struggle_of_test(item: TestStruggle) -> JSON:
    return {
        "id": item.test_id,
        "name": item.name,
        "students": item.students,
        "failing": item.failing,
        "share_failing": item.share,
        "messages": _messages(item.messages),
    }


def _messages(messages: Sequence[FailureMessage]) -> list[JSON]:
    return [{"message": m.message, "students": m.students} for m in messages]


# -- quizzes -------------------------------------------------------------------------------------


def quiz_attempt(result: AttemptResult) -> JSON:
    """`grader quiz take --json`."""
    return {
        "attempt_id": result.attempt_id,
        "quiz": result.quiz_id,
        "student": result.student,
        "score": result.score.score,
        "max_score": result.score.max_score,
        "questions": [
            {"id": q.question_id, "correct": q.correct, "points": q.points, "max_points": q.max_points}
            for q in result.score.questions
        ],
    }


def quiz_stats_list(results: Sequence[QuizStats]) -> JSON:
    """`grader quiz stats --json`."""
    return {"quizzes": [quiz_stats(r) for r in results]}


def quiz_stats(stats: QuizStats) -> JSON:
    return {
        "id": stats.quiz_id,
        "title": stats.title,
        "students": stats.students,
        "questions": [item_stats(item) for item in stats.questions],
    }


def item_stats(item: ItemStats) -> JSON:
    return {
        "id": item.question_id,
        "answered": item.answered,
        "blank": item.blank,
        "facility": item.facility,
        "discrimination": item.discrimination,
        "options": [{"key": o.key, "text": o.text, "correct": o.correct, "chosen": o.chosen} for o in item.options],
    }
