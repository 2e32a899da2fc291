"""The records of grading: what a graded workspace is, and a stored attempt as read back.

One set of frozen dataclasses used everywhere: grading produces them, the store writes and
reads them, reports and renderers consume them. None has a `to_dict`: the `--json` shapes
are made in one place, `grader.contracts`. `result_to_record` / `result_from_record` are
the grader's own exchange format between its trusted processes (everything a
`GradingResult` holds, as JSON-ready data), not a contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Outcome = Literal["passed", "failed", "error", "timeout"]


@dataclass(frozen=True)
class TestOutcome:
    """One hidden test: its stable id, a readable name, what happened and what it was worth."""

    __test__ = False  # not a pytest class

    id: str
    name: str
    outcome: Outcome
    points: float
    max_points: float
    message: str = ""
    unwritten: str = ""
    """The stub function (`exercise.function`) that failed this test by raising NotImplementedError,
    if that is why it failed: lets output group "not written yet" failures (not part of `--json`)."""


@dataclass(frozen=True)
class ExerciseOutcome:
    """One exercise of a submission: the sum of its tests, and why it stands as it does."""

    name: str
    score: float
    max_score: float
    status: str
    """passed | failed | error (the module would not import) | missing (no file) | timeout."""
    message: str
    tests: tuple[TestOutcome, ...]
    suite_version: str
    output: str = ""
    """The first few KiB of what the student's code printed (not part of `--json`, not stored)."""


@dataclass(frozen=True)
class GradingResult:
    """A graded workspace, before it is stored."""

    exercises: tuple[ExerciseOutcome, ...]
    sandbox: dict[str, Any]
    suite_version: str
    duration_seconds: float
    files: dict[str, str] = field(default_factory=dict)
    """The submitted source files, path -> text, as snapshotted before grading."""
    seed: int | None = None
    """The seed of the hidden tests' random inputs in this attempt (None: graded before seeds were kept)."""

    @property
    def score(self) -> float:
        return float(round(sum(e.score for e in self.exercises), 6))

    @property
    def max_score(self) -> float:
        return float(round(sum(e.max_score for e in self.exercises), 6))

    @property
    def all_passed(self) -> bool:
        return all(t.outcome == "passed" for e in self.exercises for t in e.tests)


@dataclass(frozen=True)
class SubmitOutcome:
    """A graded attempt as recorded: its id in the database, and its number among the student's."""

    submission_id: int
    attempt: int
    """1 for the student's first submission, 2 for the second, ... (not the database id)."""
    student: str
    result: GradingResult


@dataclass(frozen=True)
class Regrade:
    """An attempt's snapshot graded again (after a suite or reference change): its own results
    for the exercises it graded, which replace the attempt's in reports."""

    submission_id: int
    created_at: datetime
    exercises: tuple[ExerciseOutcome, ...]
    suite_version: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Override:
    """An instructor's score for one exercise of one student, with the reason; the newest one
    of a (student, exercise) is the score that counts, whatever the attempts."""

    id: int
    student: str
    exercise: str
    score: float
    graded_score: float
    """What the attempt it is kept with had scored for the exercise when it was overridden."""
    reason: str
    created_at: datetime
    submission_id: int
    attempt: int


@dataclass(frozen=True)
class Attempt:
    """A stored submission as read back: what its student was told, and what was applied.

    `exercises` hold their tests only when the query asked for them (a student's history
    does, progress does not). `regrades` (oldest first) and `overrides` are kept with it;
    `current_exercises` are its results as reports count them, regrades applied.
    """

    submission_id: int
    attempt: int
    student: str
    created_at: datetime
    score: float
    max_score: float
    settings: dict[str, Any]
    exercises: tuple[ExerciseOutcome, ...]
    files: tuple[str, ...] = ()
    regrades: tuple[Regrade, ...] = ()
    overrides: tuple[Override, ...] = ()

    @property
    def current_exercises(self) -> tuple[ExerciseOutcome, ...]:
        """Each exercise's result from the newest regrade that graded it, else the attempt's own."""
        newest = {e.name: e for regrade in self.regrades for e in regrade.exercises}
        return tuple(newest.get(e.name, e) for e in self.exercises)

    @property
    def current_score(self) -> float:
        return float(round(sum(e.score for e in self.current_exercises), 6))


@dataclass(frozen=True)
class ExerciseProgress:
    exercise: str
    attempts: int
    best: float
    latest: float
    max_score: float


@dataclass(frozen=True)
class QuizAttemptSummary:
    """A stored quiz attempt as a student's progress and history show it."""

    attempt_id: int
    attempt: int
    """1 for the student's first attempt at this quiz, 2 for the second, ... (not the database id)."""
    quiz: str
    title: str
    created_at: datetime
    score: float
    max_score: float
    complete: bool
    """False when the student stopped before the last question."""
    answered: int
    missed: tuple[str, ...]
    """The ids of the questions answered without full marks or left blank."""


@dataclass(frozen=True)
class QuizScores:
    """One quiz's attempts by one student: how many, the best and the latest score."""

    quiz: str
    title: str
    attempts: int
    best: float
    latest: float
    max_score: float


@dataclass(frozen=True)
class QuizProgress:
    """A student's quiz attempts, oldest first."""

    attempts: tuple[QuizAttemptSummary, ...] = ()

    @property
    def quizzes(self) -> tuple[QuizScores, ...]:
        """Per quiz, in the order first attempted: attempts, best and latest score."""
        grouped: dict[str, list[QuizAttemptSummary]] = {}
        for attempt in self.attempts:
            grouped.setdefault(attempt.quiz, []).append(attempt)
        return tuple(
            QuizScores(
                quiz, found[-1].title, len(found), max(a.score for a in found), found[-1].score, found[-1].max_score
            )
            for quiz, found in grouped.items()
        )


@dataclass(frozen=True)
class Progress:
    """A student's attempts, oldest first, and the best and latest score per exercise; and
    their quiz attempts."""

    student: str
    attempts: tuple[Attempt, ...]
    exercises: tuple[ExerciseProgress, ...]
    quizzes: QuizProgress = field(default_factory=QuizProgress)


@dataclass(frozen=True)
class History:
    """Everything a student handed in, oldest first: submissions with the feedback of every
    test, and quiz attempts."""

    student: str
    attempts: tuple[Attempt, ...]
    quizzes: QuizProgress = field(default_factory=QuizProgress)


def result_to_record(result: GradingResult) -> dict[str, Any]:
    """Everything in a `GradingResult`, as JSON-ready data (read back by `result_from_record`)."""
    return {
        "exercises": [
            {
                "name": e.name,
                "score": e.score,
                "max_score": e.max_score,
                "status": e.status,
                "message": e.message,
                "tests": [
                    {
                        "id": t.id,
                        "name": t.name,
                        "outcome": t.outcome,
                        "points": t.points,
                        "max_points": t.max_points,
                        "message": t.message,
                        "unwritten": t.unwritten,
                    }
                    for t in e.tests
                ],
                "suite_version": e.suite_version,
                "output": e.output,
            }
            for e in result.exercises
        ],
        "sandbox": result.sandbox,
        "suite_version": result.suite_version,
        "duration_seconds": result.duration_seconds,
        "files": result.files,
        "seed": result.seed,
    }


def result_from_record(record: dict[str, Any]) -> GradingResult:
    exercises = tuple(
        ExerciseOutcome(
            name=e["name"],
            score=e["score"],
            max_score=e["max_score"],
            status=e["status"],
            message=e["message"],
            tests=tuple(TestOutcome(**t) for t in e["tests"]),
            suite_version=e["suite_version"],
            output=e["output"],
        )
        for e in record["exercises"]
    )
    return GradingResult(
        exercises,
        record["sandbox"],
        record["suite_version"],
        record["duration_seconds"],
        dict(record["files"]),
        record.get("seed"),
    )
