"""What grading produces: frozen records, and the one function that turns them into `--json`."""

from __future__ import annotations

from dataclasses import dataclass, field
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "outcome": self.outcome,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message,
        }


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
    """The first few KiB of what the student's code printed (not part of `--json`)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "message": self.message,
            "tests": [t.to_dict() for t in self.tests],
        }


@dataclass(frozen=True)
class GradingResult:
    """A graded workspace, before it is stored."""

    exercises: tuple[ExerciseOutcome, ...]
    sandbox: dict[str, Any]
    suite_version: str
    duration_seconds: float
    files: dict[str, str] = field(default_factory=dict)
    """The submitted source files, path -> text, as snapshotted before grading."""

    @property
    def score(self) -> float:
        return float(round(sum(e.score for e in self.exercises), 6))

    @property
    def max_score(self) -> float:
        return float(round(sum(e.max_score for e in self.exercises), 6))

    @property
    def all_passed(self) -> bool:
        return all(t.outcome == "passed" for e in self.exercises for t in e.tests)


def result_to_record(result: GradingResult) -> dict[str, Any]:
    """Everything in a `GradingResult`, as JSON-ready data (for `result_from_record`)."""
    return {
        "exercises": [
            {
                **e.to_dict(),
                "tests": [{**t.to_dict(), "unwritten": t.unwritten} for t in e.tests],
                "suite_version": e.suite_version,
                "output": e.output,
            }
            for e in result.exercises
        ],
        "sandbox": result.sandbox,
        "suite_version": result.suite_version,
        "duration_seconds": result.duration_seconds,
        "files": result.files,
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
        exercises, record["sandbox"], record["suite_version"], record["duration_seconds"], dict(record["files"])
    )


def submission_to_dict(submission_id: int | None, student: str, result: GradingResult) -> dict[str, Any]:
    """The `grader submit --json` object: a contract that scripts depend on; add, never rename."""
    return {
        "submission_id": submission_id,
        "student": student,
        "score": result.score,
        "max_score": result.max_score,
        "sandbox": result.sandbox,
        "exercises": [e.to_dict() for e in result.exercises],
    }
