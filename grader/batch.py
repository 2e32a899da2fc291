"""Grading a whole class: one folder per student, graded in parallel, each recorded like a submit.

`grade_class` runs `jobs` trusted worker processes (started with multiprocessing's
"forkserver", never forked from this process with its threads). Each grades student folders
one after another with `grade_workspace`, the same sandboxed grading as `grader submit`, and
keeps a `WorkerPool` of warm sandbox workers, forked from its own zygote, so that a student's
sandboxes start with numpy already imported. A sandbox worker serves one exercise of one student and is then killed, so
students share no process that ran student code. Results come back as plain data and the
parent records each student in its own transaction, applying the course settings.

Whatever goes wrong with one student (no such folder, no Python files, a bad name, an
attempt the course refuses, even a trusted worker process dying) is reported for that
student in `failed`; the rest of the class is graded.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import select
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.course import NO_COURSE, CourseSettings
from grader.errors import GraderError, WorkspaceError
from grader.results import GradingResult, result_from_record, result_to_record
from grader.sandbox.policy import SandboxLimits

POLL_SECONDS = 0.5

ProgressHook = Callable[[int, int, str], None]
"""Called in this process as each student is finished: (done, total, student)."""


@dataclass(frozen=True)
class GradedStudent:
    student: str
    submission_id: int
    score: float
    max_score: float


@dataclass(frozen=True)
class FailedStudent:
    student: str
    """The folder's name (it may not be a usable student name: that can be the reason)."""
    reason: str


@dataclass(frozen=True)
class BatchResult:
    students: tuple[GradedStudent, ...]
    failed: tuple[FailedStudent, ...]

    def to_dict(self) -> dict[str, Any]:
        """The `grader grade --json` object."""
        return {
            "graded": len(self.students),
            "failed": [{"student": f.student, "reason": f.reason} for f in self.failed],
            "students": [
                {
                    "student": s.student,
                    "submission_id": s.submission_id,
                    "score": s.score,
                    "max_score": s.max_score,
                }
                for s in self.students
            ],
        }


@dataclass(frozen=True)
class _Task:
    student: str
    folder: str


def grade_class(
    submissions: Path,
    *,
    db_url: str,
    jobs: int | None = None,
    limits: SandboxLimits | None = None,
    course: CourseSettings = NO_COURSE,
    on_progress: ProgressHook | None = None,
) -> BatchResult:
    """Grade every student folder in `submissions` and record each one; see the module docstring.

    `jobs` trusted worker processes grade in parallel (default: one per core). A student's
    late penalty counts from the newest modification time of their Python files.
    """
    from grader.service import check_course_allows, database_files
    from grader.store import open_store
    from grader.store.base import utcnow

    if not submissions.is_dir():
        raise WorkspaceError(f"{submissions}: no such folder of student submissions")
    if jobs is not None and jobs < 1:
        raise GraderError(f"--jobs must be 1 or more, not {jobs}")
    store = open_store(db_url)
    try:
        entries = sorted(p for p in submissions.iterdir() if not p.name.startswith("."))
        total, done = len(entries), 0
        graded: dict[str, GradedStudent] = {}
        failed: dict[str, FailedStudent] = {}

        def finish(student: str, outcome: GradedStudent | FailedStudent) -> None:
            nonlocal done
            if isinstance(outcome, GradedStudent):
                graded[student] = outcome
            else:
                failed[student] = outcome
            done += 1
            if on_progress is not None:
                on_progress(done, total, student)

        tasks: list[_Task] = []
        now = utcnow()
        for entry in entries:
            try:
                task = _task(entry)
                check_course_allows(store, course, [task.student], now)
                tasks.append(task)
            except GraderError as error:
                finish(entry.name, FailedStudent(entry.name, str(error)))

        def record(task: _Task, data: dict[str, Any]) -> None:
            try:
                graded_at = utcnow()
                submitted = _submitted_at(Path(task.folder))
                submission_id, result = store.write(
                    lambda session: _record(session, task, data, course, submitted, graded_at)
                )
                finish(
                    task.student,
                    GradedStudent(task.student, submission_id, result.score, result.max_score),
                )
            except GraderError as error:
                finish(task.student, FailedStudent(task.student, str(error)))

        def fail(task: _Task, reason: str) -> None:
            finish(task.student, FailedStudent(task.student, reason))

        workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
        if tasks:
            _run(tasks, workers, limits or SandboxLimits(), database_files(db_url), record, fail)
    finally:
        store.close()
    order = [e.name for e in entries]
    return BatchResult(
        students=tuple(graded[n] for n in order if n in graded),
        failed=tuple(failed[n] for n in order if n in failed),
    )


def _task(entry: Path) -> _Task:
    """The student folder `entry` as a task, or a GraderError saying why it cannot be graded."""
    from grader.service import check_student_name

    if entry.is_symlink():
        raise WorkspaceError("a symbolic link, not a student folder")
    if not entry.is_dir():
        raise WorkspaceError("a file, not a student folder")
    name = check_student_name(entry.name)
    if not any(p.is_file() for p in entry.glob("*.py")):
        raise WorkspaceError("no Python files in the folder")
    return _Task(name, str(entry.resolve()))


def _submitted_at(folder: Path) -> datetime:
    """When the student last changed a Python file of theirs."""
    times = [p.stat().st_mtime for p in folder.glob("*.py") if p.is_file() and not p.is_symlink()]
    return datetime.fromtimestamp(max(times), UTC) if times else datetime.now(UTC)


def _record(
    session: Any,
    task: _Task,
    data: dict[str, Any],
    course: CourseSettings,
    submitted: datetime,
    now: datetime,
) -> tuple[int, GradingResult]:
    from grader.service import record_graded

    return record_graded(
        session,
        task.student,
        task.folder,
        result_from_record(data),
        course,
        submitted_at=submitted,
        now=now,
    )


# -- the trusted worker processes -----------------------------------------------------------------


def _run(
    tasks: Sequence[_Task],
    workers: int,
    limits: SandboxLimits,
    protected: tuple[Path, ...],
    record: Callable[[_Task, dict[str, Any]], None],
    fail: Callable[[_Task, str], None],
) -> None:
    """Feed `tasks` to `workers` processes and hand each answer to `record` or `fail`."""
    context = multiprocessing.get_context("forkserver")
    todo: Any = context.Queue()
    answers: Any = context.Queue()
    for task in tasks:
        todo.put(task)
    for _ in range(workers):
        todo.put(None)
    by_student = {task.student: task for task in tasks}
    started: dict[int, str] = {}  # worker number -> the student it is grading
    processes: dict[int, Any] = {}

    def start(number: int) -> None:
        process = context.Process(
            target=_work, args=(number, todo, answers, limits, protected, os.getpid()), daemon=True
        )
        process.start()
        processes[number] = process

    for number in range(workers):
        start(number)
    pending = set(by_student)
    next_number = workers
    try:
        while pending:
            try:
                kind, number, student, payload = answers.get(timeout=POLL_SECONDS)
            except queue.Empty:
                for dead in [n for n, p in processes.items() if not p.is_alive()]:
                    process = processes.pop(dead)
                    lost = started.pop(dead, None)
                    if lost is not None:  # died mid-student: its end-of-queue marker is still queued
                        pending.discard(lost)
                        fail(
                            by_student[lost],
                            f"the grading process stopped (exit code {process.exitcode})",
                        )
                        start(next_number)
                        next_number += 1
                if not processes:  # every worker gone with students left: none could start
                    for student in sorted(pending):
                        fail(by_student[student], "no grading process could start")
                    pending.clear()
                continue
            if kind == "start":
                started[number] = student
                continue
            started.pop(number, None)
            pending.discard(student)
            if kind == "done":
                record(by_student[student], payload)
            else:
                fail(by_student[student], payload)
    finally:
        for process in processes.values():
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        todo.close()
        answers.close()


def _end_with(pid: int) -> None:
    """End this process when the grader `pid` ends, even killed with SIGKILL: its zygote and
    sandboxes then end with it, and no student is graded for nobody. A forkserver's worker is
    not the grader's child, so a parent-death signal cannot do this."""
    try:
        watched = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd on this system
        return

    def watch() -> None:
        select.select([watched], [], [])
        os._exit(1)

    threading.Thread(target=watch, name="end-with-the-grader", daemon=True).start()


def _work(
    number: int, todo: Any, answers: Any, limits: SandboxLimits, protected: tuple[Path, ...], grader: int
) -> None:
    """A trusted worker process: grade tasks until the `None` that ends the queue."""
    _end_with(grader)
    from grader.exercises import resolve
    from grader.grading import grade_workspace
    from grader.sandbox.pool import WorkerPool
    from grader.sandbox.zygote import start_zygote

    names = [e.name for e in resolve(None)]
    with start_zygote() as zygote, WorkerPool(limits, size=len(names), zygote=zygote) as pool:
        while (task := todo.get()) is not None:
            answers.put(("start", number, task.student, None))
            try:
                result = grade_workspace(Path(task.folder), names, pool=pool, protected=protected)
            except GraderError as error:
                answers.put(("failed", number, task.student, str(error)))
            except Exception as error:  # a fault of the grader, reported for this student only
                answers.put(
                    (
                        "failed",
                        number,
                        task.student,
                        f"the grader failed: {type(error).__name__}: {error}",
                    )
                )
            else:
                answers.put(("done", number, task.student, result_to_record(result)))
