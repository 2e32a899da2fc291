"""How fast the grader answers: `grader --help`, and a full submission of the reference.

Prints figures (median of several runs); no assertions. Run: python bench/speed.py
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GRADER = [sys.executable, "-m", "grader"]


def timed(command: list[str], runs: int, **kwargs: object) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    from grader.grading.exercises import all_exercises, write_reference_workspace
    from grader.grading.grade import grade_workspace

    with tempfile.TemporaryDirectory() as tmp:
        workspace = write_reference_workspace(Path(tmp) / "ws")
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        names = [e.name for e in all_exercises()]
        help_times = timed([*GRADER, "--help"], 10)
        submit_times = timed([*GRADER, "submit", "--workspace", str(workspace), "--db", db, "--student", "bench"], 7)
        grade_workspace(workspace)  # warm the in-process caches once
        in_process = []
        for _ in range(7):
            started = time.perf_counter()
            result = grade_workspace(workspace)
            in_process.append(time.perf_counter() - started)
        print(f"exercises graded:                       {', '.join(names)} ({result.score:g}/{result.max_score:g})")
        print(f"grader --help (process, median of 10):  {statistics.median(help_times) * 1000:.0f} ms")
        print(f"grader submit, reference (process, median of 7): {statistics.median(submit_times) * 1000:.0f} ms")
        print(f"grade_workspace in-process (median of 7):         {statistics.median(in_process) * 1000:.0f} ms")
        shutil.rmtree(workspace, ignore_errors=True)


if __name__ == "__main__":
    main()
