"""Trusted worker processes that grade many workspaces in parallel: for `grade` and `regrade`.

`run_tasks` runs `workers` processes (started with multiprocessing's "forkserver", never
forked from this process with its threads). Each grades workspaces one after another with
`grade_workspace`, the same sandboxed grading as `grader submit`, and keeps a `WorkerPool`
of warm sandbox workers, forked from its own zygote, so that a workspace's sandboxes start
with numpy already imported. A sandbox worker serves one exercise of one workspace and is
then killed, so workspaces share no process that ran student code. Results come back as
plain data (`result_to_record`) and the caller records each in this process.

Whatever goes wrong with one task (a grading error, even a worker process dying) is handed
to `fail` for that task; the others are graded.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.grading.exercises import CourseContent
from grader.records import result_to_record
from grader.sandbox.policy import SandboxLimits

POLL_SECONDS = 0.5


@dataclass(frozen=True)
class GradingTask:
    key: str
    """Unique among the tasks of a run: a student's name, or a submission's id."""
    folder: str
    """The workspace folder to grade; unused when `files` are given."""
    exercises: tuple[str, ...] = ()
    """The exercises to grade (all when empty)."""
    seed: int | None = None
    """The hidden inputs' seed to reuse (a regrade's attempt's); None draws a new one."""
    files: dict[str, str] | None = None
    """Files to grade from memory (a stored snapshot) instead of the folder."""


def run_tasks(
    tasks: Sequence[GradingTask],
    workers: int,
    limits: SandboxLimits,
    protected: tuple[Path, ...],
    record: Callable[[GradingTask, dict[str, Any]], None],
    fail: Callable[[GradingTask, str], None],
) -> None:
    """Feed `tasks` to `workers` processes and hand each answer to `record` or `fail`."""
    context = multiprocessing.get_context("forkserver")
    todo: Any = context.Queue()
    answers: Any = context.Queue()
    for task in tasks:
        todo.put(task)
    for _ in range(workers):
        todo.put(None)
    by_key = {task.key: task for task in tasks}
    started: dict[int, str] = {}  # worker number -> the task it is grading
    processes: dict[int, Any] = {}

    from grader.grading.exercises import active_content

    content = active_content()  # the workers grade with this process's suites and reference

    def start(number: int) -> None:
        process = context.Process(
            target=_work, args=(number, todo, answers, limits, protected, os.getpid(), content), daemon=True
        )
        process.start()
        processes[number] = process

    for number in range(workers):
        start(number)
    pending = set(by_key)
    next_number = workers
    try:
        while pending:
            try:
                kind, number, key, payload = answers.get(timeout=POLL_SECONDS)
            except queue.Empty:
                for dead in [n for n, p in processes.items() if not p.is_alive()]:
                    process = processes.pop(dead)
                    lost = started.pop(dead, None)
                    if lost is not None:  # died mid-task: its end-of-queue marker is still queued
                        pending.discard(lost)
                        fail(by_key[lost], f"the grading process stopped (exit code {process.exitcode})")
                        start(next_number)
                        next_number += 1
                if not processes:  # every worker gone with tasks left: none could start
                    for key in sorted(pending):
                        fail(by_key[key], "no grading process could start")
                    pending.clear()
                continue
            if kind == "start":
                started[number] = key
                continue
            started.pop(number, None)
            pending.discard(key)
            if kind == "done":
                record(by_key[key], payload)
            else:
                fail(by_key[key], payload)
    finally:
        for process in processes.values():
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
        todo.close()
        answers.close()


def _work(
    number: int,
    todo: Any,
    answers: Any,
    limits: SandboxLimits,
    protected: tuple[Path, ...],
    grader: int,
    content: CourseContent | None,
) -> None:
    """A trusted worker process: grade tasks until the `None` that ends the queue."""
    from grader.grading.processes import end_with

    end_with(grader)
    if content is not None:
        from grader.grading.exercises import use_course_content

        use_course_content(content)
    from grader.grading.exercises import resolve
    from grader.grading.grade import grade_files, grade_workspace
    from grader.sandbox.pool import WorkerPool
    from grader.sandbox.zygote import start_zygote

    names = [e.name for e in resolve(None)]
    with start_zygote() as zygote, WorkerPool(limits, size=len(names), zygote=zygote) as pool:
        while (task := todo.get()) is not None:
            answers.put(("start", number, task.key, None))
            try:
                wanted = task.exercises or names
                if task.files is not None:
                    result = grade_files(task.files, wanted, pool=pool, protected=protected, seed=task.seed)
                else:
                    result = grade_workspace(Path(task.folder), wanted, pool=pool, protected=protected, seed=task.seed)
            except GraderError as error:
                answers.put(("failed", number, task.key, str(error)))
            except Exception as error:  # a fault of the grader, reported for this task only
                answers.put(("failed", number, task.key, f"the grader failed: {type(error).__name__}: {error}"))
            else:
                answers.put(("done", number, task.key, result_to_record(result)))
