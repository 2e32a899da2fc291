"""The job queue as an operator and an instructor see it: its state, and regrades through it.

`queue_state` says how much waits and for how long, so that an operator can add workers (it
is what `grader queue` prints and what a status page shows). On SQLite there is no job
queue: the server grades in its own pool, and the state is that of the submissions waiting
in the database.

`regrade_through_queue` is `grader regrade` on a course whose workers grade from the queue:
one job per attempt, behind every student's submission, recorded once each (a key per job),
and the same `RegradeBatch` as a regrade run here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.errors import GraderError
from grader.visible import one_line

if TYPE_CHECKING:
    from grader.service.regrade import ProgressHook, RegradeBatch, RegradeOutcome
    from grader.store import Store

HEARTBEAT_FRESH_SECONDS = 10.0
"""A worker whose heartbeat is older than this is taken for gone (it beats every second)."""
WAIT_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class QueueState:
    """How much grading waits, at one moment."""

    engine: str
    """"procrastinate": PostgreSQL, graded by `grader worker`s; "embedded": SQLite, graded by
    the server's own pool."""
    depth: int
    """Jobs waiting to start (submissions and regrades)."""
    running: int
    """Jobs being graded now."""
    oldest_seconds: float | None
    """How long the job waiting longest has waited; None when none waits."""
    jobs: dict[str, int]
    """Jobs per state: todo, doing, and (kept a while before they are pruned) succeeded,
    failed, cancelled, aborted."""
    waiting: dict[str, int]
    """Waiting jobs per kind: submissions, regrades."""
    workers: int | None
    """Workers alive (a fresh heartbeat); None for the embedded pool."""


def queue_state(store: Store) -> QueueState:
    """The queue of the course whose database `store` is."""
    from grader.store import jobs

    with store.read() as session:
        postgresql = store.engine.dialect.name == "postgresql"
        if not postgresql or not jobs.has_queue(session):
            queued, grading, oldest, now = jobs.received_waiting(session)
            return QueueState(
                engine="procrastinate" if postgresql else "embedded",
                depth=queued,
                running=grading,
                oldest_seconds=None if oldest is None else round(max(0.0, (now - oldest).total_seconds()), 3),
                jobs={"todo": queued, "doing": grading},
                waiting={"submissions": queued, "regrades": 0},
                workers=0 if postgresql else None,
            )
        counts = jobs.job_counts(session, HEARTBEAT_FRESH_SECONDS)
    from grader.queue.jobs import GRADE_TASK, REGRADE_TASK

    oldest_seconds = None
    if counts.oldest_waiting_since is not None:
        oldest_seconds = round(max(0.0, (counts.now - counts.oldest_waiting_since).total_seconds()), 3)
    return QueueState(
        engine="procrastinate",
        depth=counts.by_status.get("todo", 0),
        running=counts.by_status.get("doing", 0),
        oldest_seconds=oldest_seconds,
        jobs={state: counts.by_status.get(state, 0) for state in jobs.STATES},
        waiting={
            "submissions": counts.waiting_by_task.get(GRADE_TASK, 0),
            "regrades": counts.waiting_by_task.get(REGRADE_TASK, 0),
        },
        workers=counts.live_workers,
    )


def grades_through_queue(store: Store) -> bool:
    """Whether this course's grading goes through the job queue: PostgreSQL, with the queue
    installed and at least one worker alive to take the jobs."""
    if store.engine.dialect.name != "postgresql":
        return False
    from grader.store import jobs

    with store.read() as session:
        return jobs.has_queue(session) and jobs.job_counts(session, HEARTBEAT_FRESH_SECONDS).live_workers > 0


def regrade_through_queue(
    store: Store,
    exercises: Iterable[str] = (),
    students: Iterable[str] = (),
    *,
    on_progress: ProgressHook | None = None,
) -> RegradeBatch:
    """Regrade every attempt of `students` (everyone when none is named) that graded any of
    `exercises` (all when none is named) through the queue, and wait for the workers.

    Each attempt is one job, recorded once with its own key however often it runs. The
    workers grade with their course folder (its suites, reference and course.toml).
    """
    from grader.service.regrade import attempts_to_regrade

    wanted, ids = attempts_to_regrade(store, exercises, students)
    return _regrade_attempts_through_queue(store, wanted, ids, on_progress)


def regrade_attempt_through_queue(store: Store, submission_id: int) -> RegradeOutcome:
    """Regrade one attempt through the queue (an instructor's page), as `regrade_submission`
    does here: its outcome, or a GraderError when there is nothing to regrade or the workers
    could not."""
    from grader.service.regrade import _plan

    _plan(store, submission_id, ())  # nothing to regrade: the same error as `regrade_submission`
    batch = _regrade_attempts_through_queue(store, (), [submission_id], None)
    if batch.failed:
        raise GraderError(batch.failed[0].reason)
    return batch.regraded[0]


def _regrade_attempts_through_queue(
    store: Store, wanted: tuple[str, ...], ids: list[int], on_progress: ProgressHook | None
) -> RegradeBatch:
    from grader.queue.jobs import RegradeJob, defer_regrades, deferring_app
    from grader.service.regrade import FailedRegrade, RegradeBatch, _keyed, _plan
    from grader.store.jobs import FINISHED, job_statuses

    batch = uuid.uuid4().hex[:16]
    failed: dict[int, FailedRegrade] = {}
    plans = {}
    for submission_id in ids:
        try:
            plans[submission_id] = _plan(store, submission_id, wanted)
        except GraderError as error:
            failed[submission_id] = FailedRegrade(submission_id, "", one_line(str(error)))
    keys = {i: f"regrade:{batch}:{i}" for i in plans}
    todo = [RegradeJob(i, plan.snapshot.student, plan.exercises, keys[i]) for i, plan in plans.items()]
    app = deferring_app()
    job_ids = store.write(lambda session: defer_regrades(app, session, todo)) if todo else []
    pending = dict(zip(job_ids, plans, strict=True))
    done = len(failed)
    while pending:
        with store.read() as session:
            statuses = job_statuses(session, list(pending))
        for job_id, submission_id in list(pending.items()):
            status = statuses.get(job_id, "succeeded")  # a pruned job had finished
            if status not in FINISHED:
                continue
            del pending[job_id]
            done += 1
            if on_progress is not None:
                on_progress(done, len(ids), plans[submission_id].snapshot.student)
        if pending:
            time.sleep(WAIT_POLL_SECONDS)
    regraded: dict[int, RegradeOutcome] = {}
    for submission_id, plan in plans.items():
        found = _keyed(store, plan, keys[submission_id])
        if found is None:
            reason = "the workers could not regrade it (it failed on every try; see their log)"
            failed[submission_id] = FailedRegrade(submission_id, plan.snapshot.student, reason)
        else:
            regraded[submission_id] = found
    return RegradeBatch(
        regraded=tuple(regraded[i] for i in ids if i in regraded),
        failed=tuple(failed[i] for i in ids if i in failed),
    )
