"""How long grading takes when every call of every exercise hangs, with the default limits.

The promise: such a submission finishes grading within 60 seconds (each exercise stops at
its time budget). Prints the figure; no assertion. Run: python bench/hostile.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

HANG = """
import time

def __getattr__(name):
    raise AttributeError(name)

def _hang(*args, **kwargs):
    time.sleep(10_000)
"""


def main() -> None:
    from grader.grading.exercises import all_exercises
    from grader.grading.grade import grade_workspace
    from grader.sandbox.policy import SandboxLimits

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for exercise in all_exercises():
            import ast

            stub = (Path(__file__).resolve().parent.parent / "exercises" / exercise.filename).read_text()
            names = [n.name for n in ast.parse(stub).body if isinstance(n, ast.FunctionDef)]
            (folder / exercise.filename).write_text(HANG + "".join(f"{n} = _hang\n" for n in names))
        limits = SandboxLimits()
        started = time.perf_counter()
        result = grade_workspace(folder, limits=limits)
        elapsed = time.perf_counter() - started
    outcomes: dict[str, int] = {}
    for exercise in result.exercises:
        for test in exercise.tests:
            outcomes[test.outcome] = outcomes.get(test.outcome, 0) + 1
    print(f"limits: {limits.call_seconds:g} s per call, {limits.exercise_seconds:g} s per exercise")
    print(f"exercises: {len(result.exercises)}, test outcomes: {outcomes}")
    print(f"every call hangs: graded in {elapsed:.1f} s (promise: under 60 s)")


if __name__ == "__main__":
    main()
