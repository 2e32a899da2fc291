"""`grader check`: the worked examples in the exercise docstrings, run against the student's code.

The examples are the `>>>` lines of each stub's docstrings, which follow the lesson's own
worked examples. They run inside the same sandbox as graded code, which sends back each
example's outcome; the counting is done here. An example counts only when it documents an
output: a setup line (`>>> import numpy as np`, `>>> x = ...`) is not an example that
passes, though one that fails is reported. A function's examples stop at its first failure
(the ones after it usually depend on it, and would only fail with a `NameError`), and the
report says how many were not run. Nothing here is scored or stored; what the worker sends
is size-capped and shown as text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.grading.exercises import resolve
from grader.grading.workspace import check_workspace, snapshot
from grader.sandbox.errors import StudentCodeError
from grader.sandbox.policy import SandboxLimits
from grader.sandbox.student import StudentModule
from grader.sandbox.text import cap

MAX_FUNCTIONS = 200
MAX_EXAMPLES = 200
OUTCOMES = ("passed", "failed", "raised", "not run")
NONE = "write `>>> ` lines in the docstrings, each followed by the output it should give"


@dataclass(frozen=True)
class FunctionExamples:
    name: str
    attempted: int
    """Examples with a documented output that ran."""
    failed: int
    """Examples that did not give their documented output, and setup lines that failed (0 or 1:
    a function's examples stop at the first failure)."""
    details: str
    examples: int = 0
    """Examples with a documented output, run or not."""
    skipped: int = 0
    """Examples with a documented output not run because an earlier line failed."""
    setup_failed: bool = False
    """The failure was a setup line (one without a documented output)."""

    @property
    def passed(self) -> int:
        return self.attempted - (self.failed if not self.setup_failed else 0)


@dataclass(frozen=True)
class ExampleReport:
    exercise: str
    functions: tuple[FunctionExamples, ...]
    message: str = ""
    """Why no example could run (no file, the module would not import, no examples); empty otherwise."""

    @property
    def total(self) -> int:
        return sum(f.examples for f in self.functions)

    @property
    def passed_count(self) -> int:
        return sum(f.passed for f in self.functions)

    @property
    def passed(self) -> bool:
        """Every example gives its documented output (and there is at least one)."""
        return not self.message and self.total > 0 and all(f.failed == 0 for f in self.functions)


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
            functions = tuple(_function(item) for item in raw[:MAX_FUNCTIONS] if isinstance(item, dict))
            if not any(f.examples for f in functions) and not any(f.failed for f in functions):
                reports.append(ExampleReport(exercise.name, (), f"no examples to run in {exercise.filename}: {NONE}"))
                continue
            reports.append(ExampleReport(exercise.name, functions))
    finally:
        for module in modules.values():
            module.close()
    return reports


def _function(item: dict[str, Any]) -> FunctionExamples:
    """One function's examples, counted from the outcome of each as the worker sent them."""
    sent = item.get("examples")
    examples = [e for e in sent[:MAX_EXAMPLES] if isinstance(e, dict)] if isinstance(sent, list) else []
    checked = [e.get("checked") is True for e in examples]
    outcomes = [e.get("outcome") if e.get("outcome") in OUTCOMES else "not run" for e in examples]
    ran = [c for c, o in zip(checked, outcomes, strict=True) if o != "not run"]
    failures = [c for c, o in zip(checked, outcomes, strict=True) if o in ("failed", "raised")]
    return FunctionExamples(
        name=cap(item.get("name"), 100),
        attempted=sum(ran),
        failed=min(1, len(failures)),
        details=str(item.get("details", ""))[:4000],
        examples=sum(checked),
        skipped=sum(c for c, o in zip(checked, outcomes, strict=True) if o == "not run"),
        setup_failed=bool(failures) and not failures[0],
    )
