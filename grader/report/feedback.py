"""The feedback of a graded exercise as lines of text: what `submit` and a student's history print.

Tests failed only because a function is still the stub's `NotImplementedError` are grouped
into one line per exercise ("not written yet"), so a workspace of stubs reads as one line
per exercise rather than a screen per test.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.records import ExerciseOutcome, TestOutcome
from grader.report.marks import MARKS, points
from grader.visible import one_line


def exercise_line(exercise: ExerciseOutcome, width: int, indent: str = "") -> str:
    """`perceptron    0/18  failed   0 of 14 tests passed`, the name padded to `width`."""
    score = f"{points(exercise.score)}/{points(exercise.max_score)}"
    return f"{indent}{exercise.name:<{width}}  {score:>7}  {exercise.status:<8} {exercise.message}"


def unwritten_line(tests: Sequence[TestOutcome], indent: str = "  ") -> str | None:
    """One line for the tests that failed only because their function is not written yet."""
    unwritten = [t for t in tests if t.outcome != "passed" and t.unwritten]
    if not unwritten:
        return None
    functions = ", ".join(dict.fromkeys(one_line(t.unwritten.split(".")[-1]) for t in unwritten))
    waiting = sum(t.max_points for t in unwritten)
    return (
        f"{indent}… not written yet (still NotImplementedError): {functions}; "
        f"{len(unwritten)} tests, {points(waiting)} points wait for them"
    )


def test_lines(test: TestOutcome, indent: str, *, worth: bool = False) -> list[str]:
    """A test's mark and name, and for a test that did not pass its message, indented below."""
    detail = ""
    if worth:
        detail = f" ({points(test.max_points)} point{'s' if test.max_points != 1 else ''}, {test.outcome})"
    lines = [f"{indent}{MARKS.get(test.outcome, '?')} {one_line(test.name)}{detail}"]
    if test.outcome != "passed" and test.message:
        lines += [f"{indent}    {line}" for line in test.message.splitlines()]
    return lines
