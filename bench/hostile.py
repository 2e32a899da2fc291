"""How long grading takes when every call of every exercise hangs, with the default limits.

    python bench/hostile.py [--hang spin|sleep|both]
    python bench/load.py --hogs 16 -- python bench/hostile.py     # the same on a busy machine

Two ways to hang: every call spins (computes for ever) or sleeps (waits for ever). The README's
bound: a spinning exercise stops when its calls have used its CPU budget, so a submission whose
every call spins uses at most 4 x `exercise_seconds` of CPU in the sandboxes (on a busy machine
that takes longer in wall-clock time, in proportion to the CPU share it gets); a sleeping
exercise stops when its calls have been blocked for `blocked_seconds` in all, so a submission
whose every call sleeps ends after about 4 x `blocked_seconds` of wall-clock time, busy machine
or not. Prints the wall-clock time, the CPU time and the time blocked that grading charged,
and the outcomes; no assertion.
"""

from __future__ import annotations

import argparse
import ast
import os
import tempfile
import time
from pathlib import Path

HANGS = {
    "spin": "def _hang(*args, **kwargs):\n    while True:\n        pass\n",
    "sleep": "import time\n\ndef _hang(*args, **kwargs):\n    time.sleep(10_000)\n",
}


def hanging_workspace(folder: Path, hang: str) -> Path:
    """Every function of every exercise's stub replaced by one that hangs."""
    from grader.grading.exercises import all_exercises

    stubs = Path(__file__).resolve().parent.parent / "exercises"
    for exercise in all_exercises():
        tree = ast.parse((stubs / exercise.filename).read_text())
        names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
        (folder / exercise.filename).write_text(HANGS[hang] + "".join(f"{name} = _hang\n" for name in names))
    return folder


def grade(hang: str) -> None:
    from grader.grading.grade import grade_workspace
    from grader.sandbox.policy import SandboxLimits
    from grader.sandbox.student import StudentModule

    charged: list[tuple[float, float]] = []
    close = StudentModule.close

    def record(module: StudentModule) -> None:  # what each exercise was charged, as it ends
        charged.append((module.spent_cpu_seconds, module.blocked_seconds))
        close(module)

    StudentModule.close = record  # type: ignore[method-assign, assignment]
    limits = SandboxLimits()
    with tempfile.TemporaryDirectory() as tmp:
        folder = hanging_workspace(Path(tmp), hang)
        started = time.perf_counter()
        result = grade_workspace(folder, limits=limits)
        elapsed = time.perf_counter() - started
    StudentModule.close = close  # type: ignore[method-assign]
    outcomes: dict[str, int] = {}
    for exercise in result.exercises:
        for test in exercise.tests:
            outcomes[test.outcome] = outcomes.get(test.outcome, 0) + 1
    cpu = sum(c for c, _ in charged)
    blocked = sum(b for _, b in charged)
    exercises = len(result.exercises)
    print(f"every call {'spins' if hang == 'spin' else 'sleeps'}: {exercises} exercises, test outcomes {outcomes}")
    print(
        f"  graded in {elapsed:.1f} s wall-clock; charged {cpu:.1f} s of CPU "
        f"(bound {exercises} x {limits.exercise_seconds:g} s = {exercises * limits.exercise_seconds:g} s) "
        f"and {blocked:.1f} s blocked (bound {exercises} x {limits.blocked_seconds:g} s = "
        f"{exercises * limits.blocked_seconds:g} s); load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hang", choices=("spin", "sleep", "both"), default="both")
    args = parser.parse_args()
    for hang in ("spin", "sleep") if args.hang == "both" else (args.hang,):
        grade(hang)


if __name__ == "__main__":
    main()
