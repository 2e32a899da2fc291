"""How long recording one graded submission takes: the store's bulk write against the ORM's
unit of work (the baseline, as the store wrote submissions before), side by side.

A realistic submission: the four exercises with the hidden suites' number of tests (the
reference graded once), written to a fresh SQLite file each time. Prints figures; no
assertions. Run: python bench/store_write.py [--runs 30]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from pathlib import Path


def orm_write(session, student: str, result) -> int:  # type: ignore[no-untyped-def]
    """The baseline: every test row through the ORM's unit of work."""
    from grader.store.models import ExerciseResult, SourceFile, Submission, TestResult
    from grader.store.students import student_named

    submission = Submission(
        student=student_named(session, student),
        workspace="/ws",
        score=result.score,
        max_score=result.max_score,
        suite_version=result.suite_version,
        sandbox=result.sandbox,
        settings={},
        duration_seconds=result.duration_seconds,
    )
    for position, exercise in enumerate(result.exercises):
        row = ExerciseResult(
            position=position,
            exercise=exercise.name,
            score=exercise.score,
            max_score=exercise.max_score,
            status=exercise.status,
            message=exercise.message,
            suite_version=exercise.suite_version,
        )
        row.tests = [
            TestResult(
                position=i,
                test_id=t.id,
                name=t.name,
                outcome=t.outcome,
                points=t.points,
                max_points=t.max_points,
                message=t.message,
            )
            for i, t in enumerate(exercise.tests)
        ]
        submission.exercises.append(row)
    submission.files = [
        SourceFile(path=p, content=text, sha256=hashlib.sha256(text.encode()).hexdigest())
        for p, text in result.files.items()
    ]
    session.add(submission)
    session.flush()
    return submission.id


def timed(write, result, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    from grader.store import open_store

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(f"sqlite:///{Path(tmp) / 'bench.db'}") as store:
            for run in range(runs):
                started = time.perf_counter()
                store.write(lambda session, run=run: write(session, f"student{run % 5}", result))
                times.append(time.perf_counter() - started)
    return times


def cold(kind: str, record: str) -> float:
    """The first write in a fresh process, as `grader submit` makes it (mappers configured and
    statements compiled on first use): milliseconds, measured in a child process."""
    import subprocess
    import sys

    command = [sys.executable, __file__, "--cold", kind, record]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def write_once(kind: str, record: str) -> None:
    """In the child of `cold`: one write of the recorded result, timed."""
    import json

    from grader.records import result_from_record
    from grader.store import open_store
    from grader.store.submissions import record_submission

    result = result_from_record(json.loads(Path(record).read_text()))
    with tempfile.TemporaryDirectory() as tmp, open_store(f"sqlite:///{tmp}/cold.db") as store:
        started = time.perf_counter()
        if kind == "orm":
            store.write(lambda s: orm_write(s, "ada", result))
        else:
            store.write(lambda s: record_submission(s, "ada", "/ws", result))
        print((time.perf_counter() - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cold", nargs=2, metavar=("KIND", "RECORD"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.cold:
        write_once(*arguments.cold)
        return
    runs = arguments.runs

    from grader.grading.exercises import write_reference_workspace
    from grader.grading.grade import grade_workspace
    from grader.store.submissions import record_submission

    with tempfile.TemporaryDirectory() as tmp:
        result = grade_workspace(write_reference_workspace(Path(tmp) / "ws"))
    tests = sum(len(e.tests) for e in result.exercises)
    import json

    from grader.records import result_to_record

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(result_to_record(result), handle)
    cold_orm = statistics.median(cold("orm", handle.name) for _ in range(5))
    cold_bulk = statistics.median(cold("bulk", handle.name) for _ in range(5))
    Path(handle.name).unlink()
    bulk = timed(lambda s, student, r: record_submission(s, student, "/ws", r), result, runs)
    orm = timed(orm_write, result, runs)
    print(f"one submission: {len(result.exercises)} exercises, {tests} test rows, {len(result.files)} files")
    print(f"ORM unit of work (baseline), median of {runs}: {statistics.median(orm) * 1000:7.1f} ms")
    print(f"bulk insert (the store now), median of {runs}:  {statistics.median(bulk) * 1000:7.1f} ms")
    print(f"speed-up, warm: {statistics.median(orm) / statistics.median(bulk):.1f}x")
    print("first write in a fresh process (as `grader submit` does), median of 5:")
    print(f"  ORM unit of work (baseline): {cold_orm:7.1f} ms")
    print(f"  bulk insert (the store now): {cold_bulk:7.1f} ms")


if __name__ == "__main__":
    main()
