"""The feedback of an attempt arranged for a page, in the terminal's own words.

Every line comes from the functions `grader submit` and `grader report --student` print with
(`grader.report.feedback`): the exercise's score and status, the "not written yet" line that
groups the tests of unwritten functions, and each failed test's mark, name, worth and
message (the call, expected against got, the hint, the lesson section). The page only lays
them out: a heading per test and its message as preformatted text, exactly as printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grader.records import Attempt, ExerciseOutcome, Override
from grader.report.feedback import test_lines, unwritten_line
from grader.report.marks import points

DETAIL_KINDS = (("expected:", "expected"), ("got:", "got"), ("hint:", "hint"), ("lesson:", "lesson"))


@dataclass(frozen=True)
class MessageLine:
    text: str
    kind: str
    """expected | got | hint | lesson | "" (for styling only; the text is as printed)."""


@dataclass(frozen=True)
class TestView:
    __test__ = False  # not a pytest class

    outcome: str
    heading: str
    message: tuple[MessageLine, ...]


@dataclass(frozen=True)
class ExerciseView:
    name: str
    score: str
    status: str
    message: str
    unwritten: str | None
    tests: tuple[TestView, ...]
    """The tests that did not pass (those not written yet are in `unwritten`)."""
    passed: tuple[str, ...]
    """With `all_tests`: a line for each test that passed, as `grader report --student` lists them."""
    full: bool


@dataclass(frozen=True)
class RegradeView:
    submission_id: int
    created_at: object
    score: str
    exercises: tuple[ExerciseView, ...]


@dataclass(frozen=True)
class AttemptView:
    submission_id: int
    attempt: int
    created_at: object
    score: str
    """As graded then; `current` is what counts now, after regrades."""
    current: str
    exercises: tuple[ExerciseView, ...]
    regrades: tuple[RegradeView, ...]
    overrides: tuple[Override, ...]
    files: tuple[str, ...]


def attempt_view(attempt: Attempt, *, all_tests: bool = False) -> AttemptView:
    """An attempt with the feedback `grader submit` printed for it (`all_tests`: every test,
    passed ones too, as `grader report --student` lists them)."""
    top = points(attempt.max_score)
    return AttemptView(
        submission_id=attempt.submission_id,
        attempt=attempt.attempt,
        created_at=attempt.created_at,
        score=f"{points(attempt.score)}/{top}",
        current=f"{points(attempt.current_score)}/{top}",
        exercises=tuple(exercise_view(e, all_tests=all_tests) for e in attempt.exercises),
        regrades=tuple(
            RegradeView(
                r.submission_id,
                r.created_at,
                f"{points(sum(e.score for e in r.exercises))}/{points(sum(e.max_score for e in r.exercises))}",
                tuple(exercise_view(e, all_tests=False) for e in r.exercises),
            )
            for r in attempt.regrades
        ),
        overrides=attempt.overrides,
        files=attempt.files,
    )


def exercise_view(exercise: ExerciseOutcome, *, all_tests: bool = False) -> ExerciseView:
    score = f"{points(exercise.score)}/{points(exercise.max_score)}"
    full = exercise.score >= exercise.max_score
    if exercise.status in ("missing", "error") and all(t.outcome != "passed" for t in exercise.tests):
        # the exercise's own message says why every test failed, as in the terminal
        return ExerciseView(exercise.name, score, exercise.status, exercise.message, None, (), (), full)
    tests, passed = [], []
    for test in exercise.tests:
        if test.outcome == "passed" and all_tests:
            passed.append(test_lines(test, "")[0])
        elif test.outcome != "passed" and not test.unwritten:
            heading, *rest = test_lines(test, "", worth=not all_tests)
            tests.append(TestView(test.outcome, heading, _message([line.removeprefix("    ") for line in rest])))
    return ExerciseView(
        exercise.name,
        score,
        exercise.status,
        exercise.message,
        unwritten_line(exercise.tests, ""),
        tuple(tests),
        tuple(passed),
        full,
    )


def _message(lines: Sequence[str]) -> tuple[MessageLine, ...]:
    found = []
    for line in lines:
        start = line.lstrip()
        kind = next((name for prefix, name in DETAIL_KINDS if start.startswith(prefix)), "")
        found.append(MessageLine(line, kind))
    return tuple(found)
