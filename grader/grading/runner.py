"""Runs the hidden pytest suites in this (trusted) process, against sandboxed student modules.

pytest runs here, never in a sandbox: a suite's `student` fixture is a `StudentModule` whose
calls cross into the exercise's worker and come back as plain data. A plugin object collects
the outcome of every test; the list of tests comes from collection, which is trusted, so a
test that never reports counts as failed.

Fixtures a suite can ask for:

    student    the exercise's module under test (sandboxed)
    reference  the instructors' module of the exercise (trusted, in this process)
    upstream   `upstream("activations")`: the student's module of another exercise, the one that
               exercise's own suite grades, or None when the workspace has no such file; what a
               later exercise's suite compares against, never the names the later module holds
    seed       the attempt's seed (an int, kept with the attempt)
    rng        a numpy Generator drawn from the attempt's seed and the test's id: every randomised
               input of a test comes from it, so each attempt sees new inputs and a regrade with
               the same seed sees the same ones

Messages are capped at MESSAGE_CAP characters, whatever a test or the student's code put in them.
"""

from __future__ import annotations

import importlib
import os
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np
import pytest

from grader.grading.as_graded import AsGraded, CallLedger
from grader.grading.checks import Mismatch
from grader.grading.exercises import REFERENCE_PACKAGE, SUITES_DIR, Exercise, suites_dir
from grader.grading.feedback import explain_raised
from grader.records import Outcome, TestOutcome
from grader.sandbox.errors import StudentCodeError, StudentRaised
from grader.sandbox.student import CallsByName

PYTEST_ARGS = (
    "-c",
    str(SUITES_DIR / "pytest.ini"),
    "-p",
    "no:cacheprovider",
    "-p",
    "no:terminal",
    "-p",
    "no:faulthandler",
    "-p",
    "no:stepwise",
    "-p",
    "no:doctest",
    "-p",
    "no:junitxml",
    "-p",
    "no:pastebin",
    "-p",
    "no:nose",
    "--assert=plain",
    # The suites' own arithmetic on student answers may overflow; that is for the suite to
    # judge, and must not depend on the caller's warning filters (an outer pytest's, say).
    "-W",
    "ignore",
    "-p",
    "no:capture",
    "-p",
    "no:logging",
    "-p",
    "no:debugging",
    "-p",
    "no:unittest",
    "-p",
    "no:legacypath",
    "-p",
    "no:setuponly",
    "-p",
    "no:setupplan",
    "-p",
    "no:unraisableexception",
    "-p",
    "no:threadexception",
    "-o",
    "addopts=",
)


def pytest_args() -> list[str]:
    """The arguments of every run of the suites: the built-in pytest.ini, and the folder of
    this process's suites as the root (test ids are relative to it, whichever course's)."""
    return [*PYTEST_ARGS, "--rootdir", str(suites_dir())]


MESSAGE_CAP = 4000
"""The most characters of one test's message that are kept (stored, printed, sent as JSON)."""


@dataclass
class _Planned:
    test_id: str
    name: str
    exercise: str
    points: float
    lesson: str
    outcome: Outcome = "failed"
    message: str = "this test did not run"
    unwritten: str = ""


class _SuitePlugin:
    """Hands each suite its exercise's sandboxed module and records what every test did."""

    def __init__(
        self, students: Mapping[str, Any], seed: int, upstream: Callable[[str], Any | None] | None = None
    ) -> None:
        self._students = students
        self._seed = seed
        self._open_upstream = upstream if upstream is not None else students.get
        self._references: dict[str, ModuleType] = {}
        self._ledger = CallLedger()
        self._as_graded: dict[str, Any] = {}
        self.planned: dict[str, _Planned] = {}

    @pytest.fixture
    def student(self, request: pytest.FixtureRequest) -> Any:
        return self._students[_exercise_of(request.node)]

    @pytest.fixture
    def upstream(self) -> Callable[[str], Any | None]:
        return self._upstream

    def _upstream(self, name: str) -> Any | None:
        """Another exercise's module; once its own tests ran, as they graded it (`AsGraded`)."""
        module = self._open_upstream(name)
        if module is None or not self._ledger.graded(name):
            return module
        if name not in self._as_graded:
            reference = self._reference_of(name)
            self._as_graded[name] = AsGraded(module, reference, self._ledger)
        return self._as_graded[name]

    def _reference_of(self, name: str) -> ModuleType:
        if name not in self._references:
            self._references[name] = importlib.import_module(f"{REFERENCE_PACKAGE}.{name}")
        return self._references[name]

    @pytest.fixture
    def seed(self) -> int:
        return self._seed

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        return attempt_rng(self._seed, f"{_exercise_of(request.node)}::{request.node.name}")

    @pytest.fixture
    def reference(self, request: pytest.FixtureRequest) -> ModuleType:
        return self._reference_of(_exercise_of(request.node))

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            exercise = _exercise_of(item)
            points = item.get_closest_marker("points")
            lesson = item.get_closest_marker("lesson")
            self.planned[item.nodeid] = _Planned(
                test_id=f"{exercise}::{item.name}",
                name=_readable_name(item),
                exercise=exercise,
                points=float(points.args[0]) if points else 1.0,
                lesson=str(lesson.args[0]) if lesson else "",
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
        """Record the outcome and answer with a bare report.

        pytest's own report would render a traceback with the suite's source for every
        failure: slow (it parses the source) and never shown, since students see only our
        message. Answering first skips it.
        """
        planned = self.planned.get(item.nodeid)
        if planned is not None and call.when == "setup":  # what earlier tests called is theirs
            for module in self._students.values():
                _take_called(module)
        if planned is not None and call.when != "teardown":
            if call.excinfo is None:
                if call.when == "call":
                    planned.outcome, planned.message = "passed", ""
            else:
                error = call.excinfo.value
                planned.outcome, planned.message = _classify(error, planned, self._students)
                planned.message = cap_message(planned.message)
                if isinstance(error, StudentRaised) and error.not_written:
                    planned.unwritten = error.function
            if call.when == "call" or call.excinfo is not None:
                module = self._students.get(planned.exercise)
                called, forgiven = _take_called(module)
                self._ledger.record(planned.exercise, called - forgiven, planned.outcome == "passed")
                self._ledger.record(planned.exercise, forgiven, passed=False)
        outcome: Literal["passed", "failed", "skipped"] = "passed" if call.excinfo is None else "failed"
        return pytest.TestReport(
            item.nodeid,
            item.location,
            {},
            outcome,
            None if outcome == "passed" else "see the grader's record",
            call.when,  # type: ignore[arg-type]  # never "collect" here
            duration=call.duration,
            start=call.start,
            stop=call.stop,
        )


def _take_called(module: Any) -> tuple[set[str], set[str]]:
    """The functions `module` was asked for since the last look, and those of them that passed
    a check only with a helper forgiven (none for a missing module)."""
    if not isinstance(module, CallsByName):
        return set(), set()
    return module.take_called(), module.take_forgiven()


def _classify(error: BaseException, planned: _Planned, students: Mapping[str, Any]) -> tuple[Outcome, str]:
    lesson = f"\nlesson: {planned.lesson}" if planned.lesson else ""
    if isinstance(error, StudentRaised):
        explained = explain_raised(error.message, planned.exercise)
        if explained is not None:
            hint, section = explained
            return "error", f"{error.feedback}\nhint: {hint}\nlesson: {section or planned.lesson}"
    if isinstance(error, StudentCodeError):
        outcome: Outcome = "timeout" if error.outcome == "timeout" else "error"
        return outcome, error.feedback + lesson
    if isinstance(error, Mismatch):
        return "failed", str(error) + lesson
    if isinstance(error, AssertionError):
        return "failed", (str(error) or "the result did not pass this check") + lesson
    if isinstance(error, pytest.skip.Exception):
        return "failed", "this test was skipped"
    student = students.get(planned.exercise)
    last = getattr(student, "last_call", "") or "your function"
    return "error", f"the grader could not check what {last} returned ({type(error).__name__})" + lesson


def attempt_rng(seed: int, test_id: str) -> np.random.Generator:
    """The random inputs of test `test_id` in the attempt with `seed`: independent of the order
    in which tests run and of which other tests exist."""
    return np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, zlib.crc32(test_id.encode())])


def cap_message(message: str) -> str:
    """`message` cut to MESSAGE_CAP characters, saying that it was cut."""
    if len(message) <= MESSAGE_CAP:
        return message
    return message[: MESSAGE_CAP - 40] + f"\n… (cut: {len(message)} characters in all)"


def _exercise_of(node: pytest.Item | pytest.Collector | Any) -> str:
    module = getattr(node, "module", None)
    declared = getattr(module, "EXERCISE", None)
    if isinstance(declared, str):
        return declared
    return Path(str(node.path)).stem.removeprefix("test_")


def _readable_name(item: pytest.Item) -> str:
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip()
    name = doc.splitlines()[0].rstrip(".") if doc else item.name.removeprefix("test_").replace("_", " ")
    params = getattr(item, "callspec", None)
    return f"{name} [{params.id}]" if params is not None and doc else name


@contextmanager
def _pytest_environment() -> Iterator[None]:
    """Shield the suites from pytest settings in the environment (PYTEST_ADDOPTS, plugins)."""
    saved = {key: os.environ.get(key) for key in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    os.environ.pop("PYTEST_ADDOPTS", None)
    os.environ.pop("PYTEST_PLUGINS", None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_suites(
    exercises: Sequence[Exercise],
    students: Mapping[str, Any],
    *,
    seed: int,
    upstream: Callable[[str], Any | None] | None = None,
    plugins: Sequence[object] = (),
) -> dict[str, list[TestOutcome]]:
    """Run the suites of `exercises` with the attempt's `seed`; `students` maps each exercise name
    to its student module, and `upstream(name)` opens the module of any exercise a suite asks for
    (by default, those in `students`). `plugins` are more pytest plugins (a course test's probe)."""
    plugin = _SuitePlugin(students, seed, upstream)
    with _pytest_environment():
        code = pytest.main([*pytest_args(), *(str(e.suite) for e in exercises)], plugins=[plugin, *plugins])
    if code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        raise RuntimeError(f"the hidden suites could not be run (pytest exit code {int(code)})")
    results: dict[str, list[TestOutcome]] = {e.name: [] for e in exercises}
    for planned in plugin.planned.values():
        points = planned.points if planned.outcome == "passed" else 0.0
        results.setdefault(planned.exercise, []).append(
            TestOutcome(
                planned.test_id,
                planned.name,
                planned.outcome,
                points,
                planned.points,
                planned.message,
                planned.unwritten,
            )
        )
    return results
