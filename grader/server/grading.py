"""Grading received submissions inside the server (the embedded default, on SQLite).

The database is the record of what waits: a submission is stored as "queued" before the
server acknowledges it, so this module only decides the order of the work in memory. At
start it queues every submission that is not graded yet (a server killed with `kill -9` picks
up where it stopped); then each upload is queued as it arrives. `jobs` threads each hand one
submission at a time to a trusted grading process (`grader.grading.processes`).

The order is fair: interactive submissions before regrades, and within each, students take
turns, so one student with fifty queued attempts does not hold up the others.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import NO_COURSE, CourseSettings
from grader.grading.exercises import CourseContent
from grader.grading.processes import GradingProcesses
from grader.sandbox.policy import SandboxLimits
from grader.store import Store

log = logging.getLogger("grader.server")

INTERACTIVE, REGRADE = 0, 1


class FairQueue:
    """Submission ids waiting for a grader: by priority, then one student after another."""

    def __init__(self) -> None:
        self._levels: tuple[OrderedDict[str, deque[int]], ...] = (OrderedDict(), OrderedDict())
        self._queued: set[int] = set()
        self._ready = threading.Condition()
        self._closed = False

    def put(self, submission_id: int, student: str, priority: int = INTERACTIVE) -> None:
        with self._ready:
            if submission_id in self._queued:
                return
            self._queued.add(submission_id)
            self._levels[priority].setdefault(student, deque()).append(submission_id)
            self._ready.notify()

    def get(self) -> int | None:
        """The next submission to grade; None once the queue is closed."""
        with self._ready:
            while not self._closed:
                for level in self._levels:
                    if level:
                        student, waiting = next(iter(level.items()))
                        submission_id = waiting.popleft()
                        del level[student]
                        if waiting:
                            level[student] = waiting  # to the back of the line
                        self._queued.discard(submission_id)
                        return submission_id
                self._ready.wait()
            return None

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def __len__(self) -> int:
        with self._ready:
            return len(self._queued)


@dataclass
class EmbeddedGrading:
    """The server's own graders: `start` them, `submitted` for each new upload, `stop` at exit."""

    store: Store
    course: CourseSettings = NO_COURSE
    jobs: int = 2
    limits: SandboxLimits | None = None
    content: CourseContent | None = None
    """The course pack's suites and reference to grade with (None: the installed ones)."""
    protected: tuple[Path, ...] = ()
    """More paths no sandbox may read (the course folder)."""
    queue: FairQueue = field(default_factory=FairQueue)
    _threads: list[threading.Thread] = field(default_factory=list)
    _processes: GradingProcesses | None = None

    def start(self) -> None:
        from grader.store import submissions
        from grader.store.files import database_files

        protected = (*database_files(self.store.url), *self.protected)
        self._processes = GradingProcesses(self.jobs, self.limits, protected, self.content)
        with self.store.read() as session:
            waiting = [(i, submissions.received(session, i)) for i in submissions.waiting_submissions(session)]
        for submission_id, found in waiting:
            if found is not None:
                self.queue.put(submission_id, found.student)
        if waiting:
            log.info("grading %d submissions received before the server stopped", len(waiting))
        for number in range(self.jobs):
            thread = threading.Thread(target=self._grade_forever, name=f"grader-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def on_stored(self, session: object, submission_id: int) -> None:
        """Nothing to add to the upload's transaction: its row is this pool's record of the work."""

    def submitted(self, submission_id: int, student: str, priority: int = INTERACTIVE) -> None:
        self.queue.put(submission_id, student, priority)

    def stop(self) -> None:
        self.queue.close()
        if self._processes is not None:
            self._processes.close()

    def state(self) -> dict[str, int]:
        return {"waiting": len(self.queue), "graders": self.jobs}

    def _grade_forever(self) -> None:
        from grader.service.uploads import grade_received

        processes = self._processes
        assert processes is not None
        while (submission_id := self.queue.get()) is not None:
            try:
                grade_received(
                    self.store, submission_id, lambda files, names, _: processes.grade(files, names), self.course
                )
            except Exception:
                log.exception("grading submission %d failed (the grader's fault)", submission_id)
                self._retry_if_waiting(submission_id)

    def _retry_if_waiting(self, submission_id: int) -> None:
        from grader.store import submissions

        try:
            with self.store.read() as session:
                found = submissions.received(session, submission_id)
        except Exception:
            log.exception("cannot read submission %d back", submission_id)
            return
        if found is not None and found.status == "queued":
            self.queue.put(submission_id, found.student)
