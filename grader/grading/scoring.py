"""Scores from test outcomes: pure functions, so every total is computed one way only."""

from __future__ import annotations

from collections.abc import Iterable

from grader.records import TestOutcome


def exercise_score(tests: Iterable[TestOutcome]) -> tuple[float, float]:
    """(score, max_score): the points of the passed tests, out of the points of all tests.

    A test that did not run or did not pass earns nothing; there is no other partial credit
    inside a test, so a suite gives partial credit by splitting an exercise into weighted tests.
    """
    tests = list(tests)
    score = sum(t.max_points for t in tests if t.outcome == "passed")
    return float(round(score, 6)), float(round(sum(t.max_points for t in tests), 6))


def exercise_status(tests: Iterable[TestOutcome]) -> str:
    """passed when every test passed; timeout when any test timed out; failed otherwise."""
    outcomes = {t.outcome for t in tests}
    if outcomes <= {"passed"} and outcomes:
        return "passed"
    if "timeout" in outcomes:
        return "timeout"
    return "failed"
