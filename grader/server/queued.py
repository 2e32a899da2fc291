"""Grading through the job queue (a course on PostgreSQL): the server only stores and defers.

Each upload's grading job is deferred in the upload's own transaction (`on_stored`), so the
submission and its job commit together; `grader worker` processes, on any machines, grade
them (`grader.queue`). The server needs no sandbox at all. At start it installs or upgrades
the queue's schema and defers a job for any submission that waits without one (received
before the course used the queue).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.store import Store

if TYPE_CHECKING:
    import procrastinate

    from grader.service.queue import QueueState

log = logging.getLogger("grader.server")


@dataclass
class QueuedGrading:
    """The `Grading` of a course whose workers grade from the queue."""

    store: Store
    _app: procrastinate.App | None = None

    def start(self) -> None:
        from grader.queue.jobs import deferring_app, requeue_waiting
        from grader.store.jobs import ensure_queue_schema, lock_queue

        ensure_queue_schema(self.store.engine)
        app = self._app = deferring_app()

        def requeue(session: Any) -> int:
            lock_queue(session)  # several server processes start at once: one of them requeues
            return requeue_waiting(app, session)

        found = self.store.write(requeue)
        if found:
            log.info("deferred grading for %d submissions received without a job", found)

    def stop(self) -> None:
        """Nothing runs here: jobs wait in the database for the workers."""

    def on_stored(self, session: Any, submission_id: int) -> None:
        """Defer the grading job in the upload's transaction."""
        from grader.queue.jobs import defer_grading
        from grader.store.submissions import received

        found = received(session, submission_id)
        assert found is not None and self._app is not None
        defer_grading(self._app, session, submission_id, found.student)

    def submitted(self, submission_id: int, student: str) -> None:
        """The job is committed with the upload; NOTIFY wakes an idle worker at the commit."""

    def queue_state(self) -> QueueState:
        """What the instructors' page shows of the queue (`grader.server.web.queue`)."""
        from grader.service.queue import queue_state

        return queue_state(self.store)

    def state(self) -> dict[str, int]:
        now = self.queue_state()
        return {
            "waiting": now.depth,
            "running": now.running,
            "workers": now.workers or 0,
            "oldest_seconds": round(now.oldest_seconds or 0),
        }
