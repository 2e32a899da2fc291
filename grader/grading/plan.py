"""What each exercise is worth, read from its hidden suite without grading anything.

A gradebook lists every exercise of the course, also one that nobody has handed in yet, and
an LMS import needs its points possible. The suites are collected (not run) in this trusted
process, with the runner's own plugin, so points are counted by the one rule grading uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pytest

from grader.grading.exercises import resolve
from grader.grading.runner import _pytest_environment, _SuitePlugin, pytest_args


def max_points(names: Iterable[str] | None = None) -> dict[str, float]:
    """Exercise -> the points of all its hidden tests, for the named exercises (all when none is)."""
    return dict(_points(tuple((e.name, e.version) for e in resolve(names))))


@cache
def _points(versions: tuple[tuple[str, str], ...]) -> tuple[tuple[str, float], ...]:
    """Collected once per set of exercise versions: a changed suite is collected again."""
    exercises = resolve([name for name, _ in versions])
    plugin = _SuitePlugin({}, seed=0)  # collecting draws no inputs
    with _pytest_environment():
        code = pytest.main([*pytest_args(), "--collect-only", *(str(e.suite) for e in exercises)], plugins=[plugin])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise RuntimeError(f"the hidden suites could not be collected (pytest exit code {int(code)})")
    totals = {e.name: 0.0 for e in exercises}
    for planned in plugin.planned.values():
        totals[planned.exercise] = round(totals.get(planned.exercise, 0.0) + planned.points, 6)
    return tuple(totals.items())
