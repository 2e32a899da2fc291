"""Trusted grading processes for a long-running grader: the course server's own pool.

Each process starts a sandbox zygote and a pool of warm sandboxes once, then grades one set of
files after another, exactly as `grader submit` grades a workspace. The processes start with
multiprocessing's "forkserver" (never forked from a server with threads running). A process
that dies (killed, out of memory) breaks only the grading it was doing: `grade` raises
`GraderFault` for it, and the next call starts fresh processes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from grader.errors import GraderFault
from grader.grading.exercises import CourseContent
from grader.records import GradingResult, result_from_record
from grader.sandbox.policy import SandboxLimits


class GradingProcesses:
    """`jobs` trusted processes that grade files; `grade` blocks until its result is back."""

    def __init__(
        self,
        jobs: int,
        limits: SandboxLimits | None = None,
        protected: tuple[Path, ...] = (),
        content: CourseContent | None = None,
    ) -> None:
        self.jobs = jobs
        self._limits = limits or SandboxLimits()
        self._protected = protected
        if content is None:
            from grader.grading.exercises import active_content

            content = active_content()  # grade with this process's suites and reference
        self._content = content
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def grade(self, files: Mapping[str, str], names: Sequence[str], *, seed: int | None = None) -> GradingResult:
        """Grade `files` (`seed` repeats an attempt's hidden inputs; None draws new ones)."""
        executor = self._current()
        try:
            record = executor.submit(_grade_files, dict(files), list(names), seed).result()
        except BrokenProcessPool as error:
            self._replace(executor)
            raise GraderFault("a grading process stopped while grading (killed, or out of memory?)") from error
        return result_from_record(record)

    def close(self) -> None:
        """End the processes: gradings not yet begun are dropped, one in progress is finished.

        Waiting for them lets multiprocessing release its queue's semaphores; a server that
        left without it printed a "leaked semaphore objects" warning at every stop."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _current(self) -> ProcessPoolExecutor:
        import multiprocessing

        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.jobs,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_start_sandboxes,
                    initargs=(self._limits, self._protected, os.getpid(), self._content),
                )
            return self._executor

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = None


def end_with(pid: int) -> None:
    """End this process when the process `pid` (the grader that started it) ends, even killed
    with SIGKILL: its zygote and sandboxes then end with it, and nobody is graded for a grader
    that is gone. A forkserver's child is not the grader's child, so a parent-death signal
    cannot do this; a pidfd can."""
    import os
    import select

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


_SANDBOXES: dict[str, Any] = {}
"""In each grading process: its zygote, its warm worker pool, and what to fence off."""


def _start_sandboxes(
    limits: SandboxLimits, protected: tuple[Path, ...], grader: int, content: CourseContent | None
) -> None:
    end_with(grader)
    if content is not None:
        from grader.grading.exercises import use_course_content

        use_course_content(content)
    from grader.grading.exercises import all_exercises
    from grader.sandbox.pool import WorkerPool
    from grader.sandbox.zygote import start_zygote

    zygote = start_zygote()
    _SANDBOXES.update(
        zygote=zygote,
        pool=WorkerPool(limits, size=len(all_exercises()), zygote=zygote),
        protected=protected,
    )


def _grade_files(files: dict[str, str], names: list[str], seed: int | None) -> dict[str, Any]:
    from grader.grading.grade import grade_files
    from grader.records import result_to_record

    result = grade_files(files, names, pool=_SANDBOXES["pool"], protected=_SANDBOXES["protected"], seed=seed)
    return result_to_record(result)
