"""`grader check`: the worked examples in the exercise docstrings, run against the student's code.

The examples are the `>>>` lines of each stub's docstrings, which follow the lesson's own
worked examples. They run inside the same sandbox as graded code; since nothing here is
scored or stored, the report is taken as the worker sends it (size-capped and shown as text).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.exercises import resolve
from grader.sandbox.errors import StudentCodeError
from grader.sandbox.policy import SandboxLimits
from grader.sandbox.student import StudentModule
from grader.sandbox.text import cap
from grader.workspace import check_workspace, snapshot


@dataclass(frozen=True)
class FunctionExamples:
    name: str
    attempted: int
    failed: int
    details: str


@dataclass(frozen=True)
class ExampleReport:
    exercise: str
    functions: tuple[FunctionExamples, ...]
    message: str = ""
    """Why no example could run (no file, the module would not import); empty otherwise."""

    @property
    def total(self) -> int:
        return sum(f.attempted for f in self.functions)

    @property
    def passed_count(self) -> int:
        return sum(f.attempted - f.failed for f in self.functions)

    @property
    def passed(self) -> bool:
        return not self.message and all(f.failed == 0 for f in self.functions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.exercise,
            "passed": self.passed,
            "message": self.message,
            "functions": [
                {"name": f.name, "attempted": f.attempted, "failed": f.failed, "details": f.details}
                for f in self.functions
            ],
        }


def check_examples(
    workspace: Path, exercise_names: Iterable[str] = (), *, limits: SandboxLimits | None = None
) -> list[ExampleReport]:
    """Run every documented example of the named exercises (all when none is named)."""
    folder = check_workspace(workspace)
    exercises = resolve(exercise_names)
    limits = limits or SandboxLimits()
    taken = snapshot(folder)  # the examples run on the same in-memory snapshot as grading
    modules = {
        e.name: StudentModule(e.name, taken.files, limits, skipped=taken.skipped)
        for e in exercises
        if e.filename in taken.files
    }
    reports = []
    try:
        for exercise in exercises:
            module = modules.get(exercise.name)
            if module is None:
                why = taken.skipped.get(exercise.filename)
                message = (
                    f"{exercise.filename} was not read: {why}" if why else f"{exercise.filename} is not in {folder}"
                )
                reports.append(ExampleReport(exercise.name, (), message))
                continue
            try:
                raw = module.run_examples()
            except StudentCodeError as error:
                reports.append(ExampleReport(exercise.name, (), error.feedback))
                continue
            reports.append(
                ExampleReport(exercise.name, tuple(_function(item) for item in raw if isinstance(item, dict)))
            )
    finally:
        for module in modules.values():
            module.close()
    return reports


def _function(item: dict[str, Any]) -> FunctionExamples:
    def count(key: str) -> int:
        value = item.get(key)
        return value if isinstance(value, int) and value >= 0 else 0

    return FunctionExamples(
        cap(item.get("name"), 100), count("attempted"), count("failed"), str(item.get("details", ""))[:4000]
    )
