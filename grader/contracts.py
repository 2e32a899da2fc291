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
    from grader.quiz.model import Quiz
    from grader.quiz.present import Asked
    from grader.quiz.results import AttemptResult
    from grader.quiz.stats import ItemStats, QuizStats
    from grader.quiz.verdict import Verdict
    from grader.records import Attempt, ExerciseOutcome, Override, Progress, QuizProgress, SubmitOutcome, TestOutcome
    from grader.report.gradebook import Gradebook
    from grader.report.model import ClassReport
    from grader.report.struggles import ExerciseStruggle, FailureMessage, TestStruggle
    from grader.service.batch import BatchResult
    from grader.service.queue import QueueState
    from grader.service.regrade import RegradeBatch
    from grader.store.reports import OverrideRow

JSON = dict[str, Any]


def _no_quizzes() -> QuizProgress:
    from grader.records import QuizProgress

    return QuizProgress()


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
        "seed": result.seed,
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
    seed = data.get("seed")
    result = GradingResult(exercises, dict(data["sandbox"]), "", 0.0, seed=int(seed) if seed is not None else None)
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
    """One hidden test. `unwritten` names the stub function (`exercise.function`) still raising
    NotImplementedError when that is why the test failed, else "" (added after the first six)."""
    return {
        "id": outcome.id,
        "name": outcome.name,
        "outcome": outcome.outcome,
        "points": outcome.points,
        "max_points": outcome.max_points,
        "message": outcome.message,
        "unwritten": outcome.unwritten,
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
                    {
                        "name": f.name,
                        "attempted": f.attempted,
                        "failed": f.failed,
                        "details": f.details,
                        "examples": f.examples,
                        "passed": f.passed,
                        "skipped": f.skipped,
                        "setup_failed": f.setup_failed,
                    }
                    for f in r.functions
                ],
                "examples": r.total,
                "examples_passed": r.passed_count,
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
        **quiz_progress(report.quizzes),
    }


def progress_record(data: JSON) -> Progress:
    """The record behind a `progress` object (as a course server answers it)."""
    from datetime import datetime

    from grader.records import (
        Attempt,
        ExerciseOutcome,
        ExerciseProgress,
        Progress,
        QuizAttemptSummary,
        QuizProgress,
    )

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
    quiz_attempts = tuple(
        QuizAttemptSummary(
            attempt_id=int(q["attempt_id"]),
            attempt=int(q["attempt"]),
            quiz=str(q["quiz"]),
            title=str(q["title"]),
            created_at=datetime.fromisoformat(q["created_at"]),
            score=float(q["score"]),
            max_score=float(q["max_score"]),
            complete=bool(q["complete"]),
            answered=int(q["answered"]),
            missed=tuple(str(m) for m in q["missed"]),
        )
        for q in data.get("quiz_attempts", [])
    )
    return Progress(str(data["student"]), attempts, exercises, QuizProgress(quiz_attempts))


def quiz_progress(progress: QuizProgress) -> JSON:
    """The quiz part of `grader progress --json` and `grader report --student NAME --format json`:
    `quiz_attempts` oldest first, and `quizzes` with the best and latest score of each."""
    return {
        "quiz_attempts": [
            {
                "attempt_id": a.attempt_id,
                "attempt": a.attempt,
                "quiz": a.quiz,
                "title": a.title,
                "created_at": a.created_at.isoformat(),
                "score": a.score,
                "max_score": a.max_score,
                "complete": a.complete,
                "answered": a.answered,
                "missed": list(a.missed),
            }
            for a in progress.attempts
        ],
        "quizzes": [
            {
                "quiz": q.quiz,
                "title": q.title,
                "attempts": q.attempts,
                "best": q.best,
                "latest": q.latest,
                "max_score": q.max_score,
            }
            for q in progress.quizzes
        ],
    }


def history(student: str, attempts: Sequence[Attempt], quizzes: QuizProgress | None = None) -> JSON:
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
                "exercises": [_history_exercise(e) for e in a.exercises],
                "attempt": a.attempt,
                "regrades": [
                    {
                        "submission_id": r.submission_id,
                        "created_at": r.created_at.isoformat(),
                        "suite_version": r.suite_version,
                        "exercises": [_history_exercise(e) for e in r.exercises],
                    }
                    for r in a.regrades
                ],
                "overrides": [override(o) for o in a.overrides],
            }
            for a in attempts
        ],
        **quiz_progress(quizzes or _no_quizzes()),
    }


def _history_exercise(e: ExerciseOutcome) -> JSON:
    return {
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


def override(o: Override) -> JSON:
    """`grader override --json`, and each override in a student's history."""
    return {
        "student": o.student,
        "exercise": o.exercise,
        "score": o.score,
        "graded_score": o.graded_score,
        "reason": o.reason,
        "created_at": o.created_at.isoformat(),
        "submission_id": o.submission_id,
        "attempt": o.attempt,
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
                "folder": s.folder,
            }
            for s in result.students
        ],
        "not_enrolled": list(result.not_enrolled),
    }


def regrade(result: RegradeBatch) -> JSON:
    """`grader regrade --json`."""
    return {
        "regraded": [
            {
                "submission_id": r.submission_id,
                "regrade_id": r.regrade_id,
                "student": r.student,
                "attempt": r.attempt,
                "exercises": list(r.exercises),
                "old_score": r.old_score,
                "new_score": r.new_score,
                "max_score": r.max_score,
            }
            for r in result.regraded
        ],
        "failed": [{"submission_id": f.submission_id, "student": f.student, "reason": f.reason} for f in result.failed],
    }


def queue_state(state: QueueState) -> JSON:
    """`grader queue --json`: what an operator scales workers on."""
    return {
        "queue": state.engine,
        "depth": state.depth,
        "oldest_seconds": state.oldest_seconds,
        "running": state.running,
        "workers": state.workers,
        "jobs": dict(state.jobs),
        "waiting": dict(state.waiting),
    }


def class_report(report: ClassReport) -> JSON:
    """`grader report --format json`."""
    return {
        "policy": report.policy,
        "gradebook": gradebook(report.gradebook),
        "exercises": [exercise_struggle(e) for e in report.exercises],
        "quizzes": [quiz_stats(q) for q in report.quizzes],
    }


def class_report_document(report: ClassReport, fmt: str, width: int = 100) -> str:
    """`grader report --format FMT` as text: the JSON contract here, every other format from
    `grader.report.formats` (CSV and LMS files, HTML, the terminal's table)."""
    import json

    from grader.report.formats import format_class_report

    if fmt == "json":
        return json.dumps(class_report(report), indent=2) + "\n"
    return format_class_report(report, fmt, width)  # type: ignore[arg-type]  # checked by the caller


def gradebook(book: Gradebook) -> JSON:
    return {
        "policy": book.policy,
        "columns": [{"key": c.key, "title": c.title, "kind": c.kind, "max_score": c.max_score} for c in book.columns],
        "max_total": book.max_total,
        "total_counts": "every exercise and quiz score of the row, in points",
        "students": [
            {
                "student": r.student,
                "scores": dict(zip((c.key for c in book.columns), r.scores, strict=True)),
                "total": r.total,
                "done": r.done,
                "overrides": {key: _override_row(o) for key, o in r.overrides.items()},
            }
            for r in book.rows
        ],
    }


def _override_row(o: OverrideRow) -> JSON:
    return {
        "score": o.score,
        "graded_score": o.graded_score,
        "reason": o.reason,
        "created_at": o.created_at.isoformat(),
        "submission_id": o.submission_id,
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


def quiz_list(quizzes: Sequence[Quiz]) -> JSON:
    """`grader quiz list --json`."""
    return {"quizzes": [{"id": q.id, "title": q.title, "questions": len(q.questions)} for q in quizzes]}


def quiz_attempt(result: AttemptResult) -> JSON:
    """`grader quiz take --json`: `attempt_id` is the database id, `attempt` the student's own
    count at this quiz; `complete` is false when the student stopped midway."""
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
        "attempt": result.attempt,
        "complete": result.complete,
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
        "values": [{"value": v.value, "correct": v.correct, "chosen": v.chosen} for v in item.values],
    }


# -- a quiz taken through a course server --------------------------------------------------------
# A question goes out without its answer (the correct options, the explanation); the verdict
# on an answer comes back with all of it, as `grader quiz take` shows it.


def asked_question(asked: Asked, *, numbered: bool = False) -> JSON:
    """A question as it is put to the student: options in the order shown, nothing that tells
    which are right; `numbered` keys the options by their number as shown ("1", "2", ...)
    instead of the author's keys."""
    question = asked.presented.question
    options = asked.presented.options
    return {
        "label": asked.label,
        "id": question.id,
        "type": question.type,
        "prompt": question.prompt,
        "options": [{"key": str(n) if numbered else o.key, "text": o.text} for n, o in enumerate(options, 1)],
    }


def asked_from(data: JSON) -> Asked:
    from grader.quiz.model import Option, Question, question_type
    from grader.quiz.present import Asked, Presented

    options = tuple(Option(str(o["key"]), str(o["text"]), False) for o in data["options"])
    question = Question(str(data["id"]), question_type(str(data["type"])), str(data["prompt"]), options, "", ())
    return Asked(Presented(question, options), str(data["label"]))


def quiz_verdict(verdict: Verdict) -> JSON:
    """The verdict on one answer: the question in full (right options, explanation) and the score."""
    question, score = verdict.question, verdict.score
    return {
        "label": verdict.label,
        "question": {
            "id": question.id,
            "type": question.type,
            "prompt": question.prompt,
            "explanation": question.explanation,
            "answer": question.answer,
            "tolerance": question.tolerance,
            "tags": list(question.tags),
            "options": [{"key": o.key, "text": o.text, "correct": o.correct} for o in question.options],
        },
        "shown": [o.key for o in verdict.options],
        "chosen": list(score.chosen),
        "correct": score.correct,
        "points": score.points,
        "max_points": score.max_points,
        "next_due": verdict.next_due.isoformat() if verdict.next_due else None,
    }


def verdict_from(data: JSON) -> Verdict:
    from grader.quiz.model import Option, Question, question_type
    from grader.quiz.scoring import QuestionScore
    from grader.quiz.verdict import Verdict

    q = data["question"]
    options = tuple(Option(str(o["key"]), str(o["text"]), bool(o["correct"])) for o in q["options"])
    answer = q.get("answer")
    question = Question(
        str(q["id"]),
        question_type(str(q["type"])),
        str(q["prompt"]),
        options,
        str(q["explanation"]),
        tuple(str(t) for t in q.get("tags", [])),
        float(answer) if answer is not None else None,
        float(q.get("tolerance", 0.0)),
    )
    by_key = {o.key: o for o in options}
    shown = tuple(by_key[str(k)] for k in data.get("shown", []) if str(k) in by_key) or options
    score = QuestionScore(
        question.id,
        tuple(str(k) for k in data["chosen"]),
        bool(data["correct"]),
        float(data["points"]),
        float(data["max_points"]),
    )
    from datetime import datetime

    next_due = data.get("next_due")
    when = datetime.fromisoformat(next_due) if isinstance(next_due, str) else None
    return Verdict(question, score, shown, str(data.get("label", "")), when)


def attempt_result_from(data: JSON, title: str, verdicts: Sequence[Verdict]) -> AttemptResult:
    """The record behind a `quiz_attempt` object, with the verdicts the student was shown:
    for the command line to end a quiz taken on a server as it ends one taken locally."""
    from grader.quiz.results import AttemptResult
    from grader.quiz.scoring import QuestionScore, QuizScore

    questions = tuple(
        QuestionScore(str(q["id"]), (), bool(q["correct"]), float(q["points"]), float(q["max_points"]))
        for q in data["questions"]
    )
    return AttemptResult(
        int(data["attempt_id"]),
        int(data["attempt"]),
        str(data["quiz"]),
        title,
        str(data["student"]),
        QuizScore(str(data["quiz"]), questions),
        tuple(verdicts),
        bool(data.get("complete", True)),
    )
