"""What the sandbox costs: a trivial call against the raw pipe floor, and a whole submission.

    python bench/sandbox_cost.py [--calls 2000] [--rounds 5]

Prints, side by side from one run:
- the floor: the round trip of a few bytes between two forked Python processes over a pair of
  pipes (nothing on top: no framing, no JSON, no isolation);
- the sandbox's round trip of a trivial call (`f(1)` returning 1) through `StudentModule`;
- a whole submission of the reference (every exercise, every hidden test) graded the way
  `grader submit` grades it (a zygote, warm workers, one sandbox per exercise), against the
  same hidden suites run in this process on the student's module imported here, unsandboxed;
  wall and CPU time (the CPU of the sandboxes included), medians of `--rounds` alternating runs.
No assertion; the figures are for reading.
"""

from __future__ import annotations

import argparse
import copy
import os
import resource
import statistics
import sys
import tempfile
import time
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _median_ms(times: list[float]) -> str:
    times = sorted(times)
    return f"median {statistics.median(times) * 1e3:7.3f} ms, p90 {times[int(len(times) * 0.9)] * 1e3:7.3f} ms"


def pipe_floor(calls: int) -> list[float]:
    """Round trips of a few bytes between this process and a forked one."""
    request_read, request_write = os.pipe()
    answer_read, answer_write = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(request_write)
        os.close(answer_read)
        while data := os.read(request_read, 64):
            os.write(answer_write, data)
        os._exit(0)
    os.close(request_read)
    os.close(answer_write)
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        os.write(request_write, b"ping")
        os.read(answer_read, 64)
        times.append(time.perf_counter() - started)
    os.close(request_write)
    os.waitpid(child, 0)
    os.close(answer_read)
    return times


def sandbox_round_trip(calls: int, folder: Path) -> list[float]:
    """Round trips of `f(1)` through a sandboxed worker forked from a zygote."""
    from grader.sandbox.policy import SandboxLimits
    from grader.sandbox.pool import WorkerPool
    from grader.sandbox.student import StudentModule
    from grader.sandbox.zygote import start_zygote

    (folder / "perceptron.py").write_text("def f(x):\n    return x\n")
    limits = SandboxLimits()
    with start_zygote() as zygote, WorkerPool(limits, size=1, refill=False, zygote=zygote) as pool:
        student = StudentModule("perceptron", folder, limits, pool=pool)
        try:
            student.f(1)
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                student.f(1)
                times.append(time.perf_counter() - started)
        finally:
            student.close()
    return times


class InProcessModule:
    """The student's module imported into this process: the suites' `student`, unsandboxed.

    Arguments are copied (as the wire would) and errors become the same `StudentRaised`
    the suites expect, so the suites take the same paths; nothing else is added.
    """

    def __init__(self, exercise: str, source: str) -> None:
        from grader.feedback import CallDescription

        self.exercise = exercise
        self.module = types.ModuleType(exercise)
        exec(compile(source, f"{exercise}.py", "exec"), self.module.__dict__)
        self.last_call: Any = CallDescription("")
        self.last_warnings: list[str] = []
        self.import_error = None
        self.output = ""
        self.isolation_reports: list[dict[str, Any]] = []

    def call(self, function: str, *args: Any, _readonly: bool = False, _timeout: float | None = None, **kw: Any) -> Any:
        from grader.feedback import CallDescription
        from grader.sandbox.errors import MissingFunction, StudentRaised

        self.last_call = CallDescription((f"{self.exercise}.{function}", args, kw))
        target = self.module.__dict__.get(function)
        if not callable(target):
            raise MissingFunction(f"{self.exercise}.py has no function {function}()")
        args, kw = copy.deepcopy(args), copy.deepcopy(kw)
        if _readonly:
            for value in (*args, *kw.values()):
                if isinstance(value, np.ndarray):
                    value.flags.writeable = False
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = target(*args, **kw)
        except Exception as error:
            name = type(error).__name__
            raise StudentRaised(f"{self.last_call} raised {name}", name, str(error), "") from error
        self.last_warnings = [f"{w.category.__name__}: {w.message}" for w in caught[:5]]
        return result

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    @property
    def readonly(self) -> Any:
        module = self

        class View:
            def __getattr__(self, name: str) -> Callable[..., Any]:
                return lambda *args, **kwargs: module.call(name, *args, _readonly=True, **kwargs)

        return View()

    def close(self) -> None:
        pass


def _cpu() -> float:
    own = os.times()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.user + own.system + children.ru_utime + children.ru_stime


def sandboxed_submission(folder: Path) -> tuple[float, float, float]:
    """Grade the reference as `grader submit` does (less the database): wall, CPU, score."""
    from grader.exercises import all_exercises
    from grader.grading import grade_workspace
    from grader.sandbox.policy import SandboxLimits
    from grader.sandbox.pool import WorkerPool
    from grader.sandbox.zygote import start_zygote

    names = [e.name for e in all_exercises()]
    cpu, started = _cpu(), time.perf_counter()
    with (
        start_zygote() as zygote,
        WorkerPool(SandboxLimits(), size=len(names), refill=False, zygote=zygote) as pool,
    ):
        result = grade_workspace(folder, names, pool=pool)
    return time.perf_counter() - started, _cpu() - cpu, result.score


def in_process_submission(folder: Path) -> tuple[float, float, float]:
    """The same hidden suites, run here against the student's modules imported here."""
    from grader import scoring
    from grader.exercises import all_exercises
    from grader.runner import run_suites

    exercises = all_exercises()
    cpu, started = _cpu(), time.perf_counter()
    sys.path.insert(0, str(folder))  # the modules import each other (forward imports activations)
    try:
        students = {e.name: InProcessModule(e.name, (folder / e.filename).read_text()) for e in exercises}
        tests = run_suites(exercises, students)
    finally:
        sys.path.remove(str(folder))
    score = sum(scoring.exercise_score(t)[0] for t in tests.values())
    return time.perf_counter() - started, _cpu() - cpu, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from grader.exercises import write_reference_workspace

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        floor = pipe_floor(args.calls)
        trivial = sandbox_round_trip(args.calls, Path(tmp))
        print(f"raw pipe ping-pong (floor):   {_median_ms(floor)}")
        ratio = statistics.median(trivial) / statistics.median(floor)
        print(f"sandbox trivial call:         {_median_ms(trivial)}  ({ratio:.1f}x the floor)")

        reference = write_reference_workspace(Path(tmp) / "ws")
        in_process_submission(reference)  # warm both paths once (imports, suite collection)
        sandboxed_submission(reference)
        sandboxed, plain = [], []
        for _ in range(args.rounds):
            plain.append(in_process_submission(reference))
            sandboxed.append(sandboxed_submission(reference))
    for label, runs in (("in-process, unsandboxed", plain), ("sandboxed (as submit)  ", sandboxed)):
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        score = runs[0][2]
        print(f"reference submission, {label}: {wall * 1e3:6.0f} ms wall, {cpu * 1e3:6.0f} ms CPU, score {score:g}")
    wall_ratio = statistics.median(r[0] for r in sandboxed) / statistics.median(r[0] for r in plain)
    cpu_ratio = statistics.median(r[1] for r in sandboxed) / statistics.median(r[1] for r in plain)
    print(f"sandboxed / in-process: {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (goal: at most 1.1x)")


if __name__ == "__main__":
    main()
