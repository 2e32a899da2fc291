"""Grading: snapshot a workspace once, start one sandbox per exercise on that snapshot, run the suites.

`grade_workspace` is what `grader submit` and `grader grade` call, `grade_files` what a server
grading uploaded files (that never touch a disk) calls; both return a `GradingResult` and store
nothing (see `grader.store.submissions` for that). The result's `files` are exactly the texts
the sandboxes imported.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from grader.grading import scoring
from grader.grading.exercises import Exercise, resolve, suite_version
from grader.grading.stand_ins import stand_in_finder
from grader.grading.workspace import Snapshot, check_workspace, snapshot, snapshot_of
from grader.records import ExerciseOutcome, GradingResult, TestOutcome
from grader.sandbox.errors import StudentCodeError
from grader.sandbox.policy import Layers, SandboxLimits
from grader.sandbox.pool import WorkerPool
from grader.sandbox.report import describe_isolation
from grader.sandbox.student import StudentModule


class MissingExercise:
    """Stands in for the module of an exercise whose file is not in the snapshot."""

    def __init__(self, exercise: Exercise, why: str | None = None) -> None:
        self.exercise = exercise.name
        self.last_call = ""
        self.isolation_reports: list[dict[str, object]] = []
        self.feedback = (
            f"{exercise.filename} was not graded: {why}" if why else f"{exercise.filename} is not in the workspace"
        )

    def call(self, function: str, *args: object, **kwargs: object) -> object:
        raise StudentCodeError(self.feedback)

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name)

    @property
    def readonly(self) -> MissingExercise:
        return self

    def close(self) -> None:
        pass


def grade_workspace(
    workspace: Path,
    exercise_names: Iterable[str] | None = None,
    *,
    limits: SandboxLimits | None = None,
    protected: tuple[Path, ...] = (),
    layers: Layers = Layers(),
    pool: WorkerPool | None = None,
    seed: int | None = None,
) -> GradingResult:
    """Grade the exercises of `workspace` (all of them when none is named), from one snapshot of it.

    `protected` adds paths the sandboxes must not read (the database file, say) to those
    that are always fenced off: the grader package, the reference and site-packages.
    A `pool` of warm workers (see `grader.sandbox.pool`) saves their start-up when grading
    many workspaces in a row; its limits and layers then apply.
    `seed` decides the hidden tests' random inputs; None chooses a new one, which the result
    keeps, so that grading the snapshot again with it repeats exactly the same inputs.
    """
    started = time.monotonic()
    taken = snapshot(check_workspace(workspace))
    return _grade(taken, exercise_names, limits, protected, layers, pool, started, seed)


def grade_files(
    files: Mapping[str, str],
    exercise_names: Iterable[str] | None = None,
    *,
    limits: SandboxLimits | None = None,
    protected: tuple[Path, ...] = (),
    layers: Layers = Layers(),
    pool: WorkerPool | None = None,
    seed: int | None = None,
) -> GradingResult:
    """Grade files given in memory (file name -> text, as `perceptron.py`), under the same rules
    as a workspace's files: names must be module names, sizes within the snapshot's caps.
    `seed` as for `grade_workspace`."""
    started = time.monotonic()
    return _grade(snapshot_of(files), exercise_names, limits, protected, layers, pool, started, seed)


def _grade(
    taken: Snapshot,
    exercise_names: Iterable[str] | None,
    limits: SandboxLimits | None,
    protected: tuple[Path, ...],
    layers: Layers,
    pool: WorkerPool | None,
    started: float,
    seed: int | None,
) -> GradingResult:
    from grader.grading.runner import run_suites

    exercises = resolve(exercise_names)
    limits = pool.limits if pool is not None else limits or SandboxLimits()
    seed = choose_seed() if seed is None else seed
    students: dict[str, StudentModule | MissingExercise] = {}
    requested = frozenset(e.name for e in exercises)

    def open_module(exercise: Exercise) -> StudentModule | MissingExercise:
        if exercise.name not in students:
            if exercise.filename in taken.files:
                students[exercise.name] = StudentModule(
                    exercise.name,
                    taken.files,
                    limits,
                    skipped=taken.skipped,
                    protected=protected,
                    layers=layers,
                    pool=pool,
                    stand_in=stand_in_finder(exercise.name, requested, taken.files, imports),
                )
            else:
                students[exercise.name] = MissingExercise(exercise, taken.skipped.get(exercise.filename))
        return students[exercise.name]

    def imports(name: str) -> bool:
        """Whether exercise `name`'s own module can be imported (a stand-in's condition)."""
        (exercise,) = resolve([name])
        module = open_module(exercise)
        return isinstance(module, StudentModule) and module.imports()

    def upstream(name: str) -> StudentModule | None:
        """Another exercise's module, opened on first use (a later suite compares with it)."""
        (exercise,) = resolve([name])
        module = open_module(exercise)
        return module if isinstance(module, StudentModule) else None

    try:
        graded = {exercise.name: open_module(exercise) for exercise in exercises}
        tests = run_suites(exercises, graded, seed=seed, upstream=upstream)
    finally:
        for module in students.values():  # all at once, then wait for each
            if isinstance(module, StudentModule):
                module.signal_end()
        for module in students.values():
            module.close()
    outcomes = tuple(_exercise_outcome(e, tests.get(e.name, []), students[e.name]) for e in exercises)
    reports = [r for m in students.values() for r in m.isolation_reports]
    return GradingResult(
        exercises=outcomes,
        sandbox=describe_isolation(reports, limits, taken.notes()).to_dict(),
        suite_version=suite_version(exercises),
        duration_seconds=time.monotonic() - started,
        files=taken.files,
        seed=seed,
    )


def choose_seed() -> int:
    """A new attempt's seed: unpredictable, so that no student can know the inputs in advance."""
    return secrets.randbits(63)


def _exercise_outcome(
    exercise: Exercise, tests: list[TestOutcome], module: StudentModule | MissingExercise
) -> ExerciseOutcome:
    score, max_score = scoring.exercise_score(tests)
    passed = sum(t.outcome == "passed" for t in tests)
    import_error = module.import_error if isinstance(module, StudentModule) else None
    if isinstance(module, MissingExercise):
        status, message = "missing", module.feedback
    elif import_error is not None:
        status, message = "error", import_error.feedback
    elif not tests:
        status, message = "error", "the hidden suite has no tests (a problem of the course, not of your code)"
    else:
        status, message = scoring.exercise_status(tests), f"{passed} of {len(tests)} tests passed"
        if isinstance(module, StudentModule) and module.stood_in:
            message += "; " + "; ".join(module.stood_in)
    output = module.output if isinstance(module, StudentModule) else ""
    return ExerciseOutcome(exercise.name, score, max_score, status, message, tuple(tests), exercise.version, output)
