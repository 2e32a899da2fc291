"""Deferring grading jobs: inside the caller's transaction, in a fair order.

A job is deferred with procrastinate's own "external connection" support
(`configure(connection=...)`, procrastinate 3.8+): its INSERT runs on the psycopg connection
under the caller's SQLAlchemy session, so it commits or rolls back with the submission row.
Procrastinate builds the job and calls its own versioned SQL function; the grader writes no
SQL against procrastinate's tables to defer. (The alternatives: procrastinate's SQLAlchemy
connector speaks psycopg2 only, and a second connection could commit a job whose submission
then rolled back.)

The order comes from priorities (procrastinate runs the highest first, then the oldest):
a submission's priority is minus the number of its student's jobs already waiting or
running, so everyone's first job goes before anyone's second; regrades sit a whole band
below every submission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.errors import ConfigError

if TYPE_CHECKING:
    import procrastinate
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

QUEUE = "grading"
GRADE_TASK = "grade_submission"
REGRADE_TASK = "regrade_attempt"
BAND = 100_000
"""Priorities of one kind of job: a student's k-th waiting job gets -k (k below BAND)."""
REGRADE_BAND = -2 * BAND


def submission_priority(waiting_of_student: int) -> int:
    return -min(waiting_of_student, BAND - 1)


def regrade_priority(waiting_of_student: int) -> int:
    return REGRADE_BAND - min(waiting_of_student, BAND - 1)


def deferring_app() -> procrastinate.App:
    """A procrastinate App that only defers, on connections it is handed (it opens none)."""
    try:
        import procrastinate
    except ImportError:
        raise ConfigError(
            "grading on PostgreSQL uses a job queue: install it with pip install 'nn-grader[postgres]'"
        ) from None
    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


def require_psycopg(engine: Engine) -> None:
    """The queue defers on the grader's own connections: they must be psycopg 3's."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        raise ConfigError(
            f"the job queue needs PostgreSQL through psycopg 3: write the database URL as "
            f"postgresql+psycopg://... (not {engine.url.drivername}://...)"
        )


def driver_connection(session: Session) -> Any:
    """The psycopg 3 connection under `session`, in the session's transaction."""
    connection = session.connection()
    require_psycopg(connection.engine)
    return connection.connection.driver_connection


def defer_grading(app: procrastinate.App, session: Session, submission_id: int, student: str) -> int:
    """Defer grading submission `submission_id` of `student` in `session`'s transaction;
    return the job's id."""
    from grader.store.jobs import unfinished_jobs_of

    priority = submission_priority(unfinished_jobs_of(session, GRADE_TASK, student))
    return int(
        app.configure_task(GRADE_TASK, queue=QUEUE, priority=priority, connection=driver_connection(session)).defer(
            submission_id=submission_id, student=student
        )
    )


@dataclass(frozen=True)
class RegradeJob:
    submission_id: int
    student: str
    exercises: tuple[str, ...]
    key: str
    """Recorded with the regrade: a job run twice finds it and records nothing more."""


def defer_regrades(app: procrastinate.App, session: Session, wanted: Sequence[RegradeJob]) -> list[int]:
    """Defer one regrade job per attempt in one statement, behind every submission and in
    turns between students; return the job ids, in order."""
    import procrastinate.jobs

    from grader.store.jobs import unfinished_jobs_of

    waiting: dict[str, int] = {}
    jobs = []
    for item in wanted:
        if item.student not in waiting:
            waiting[item.student] = unfinished_jobs_of(session, REGRADE_TASK, item.student)
        jobs.append(
            procrastinate.jobs.Job(
                queue=QUEUE,
                lock=None,
                queueing_lock=None,
                task_name=REGRADE_TASK,
                priority=regrade_priority(waiting[item.student]),
                task_kwargs={
                    "submission_id": item.submission_id,
                    "student": item.student,
                    "exercises": list(item.exercises),
                    "key": item.key,
                },
            )
        )
        waiting[item.student] += 1
    deferred = app.job_manager.batch_defer_jobs(jobs, connection=driver_connection(session))
    return [int(job.id or 0) for job in deferred]


def requeue_waiting(app: procrastinate.App, session: Session) -> int:
    """Defer grading for every received submission that no job will grade (received before
    the queue was used, say by the server's own pool on this database); return how many."""
    from grader.store.jobs import submissions_without_job

    orphans = submissions_without_job(session, GRADE_TASK)
    for submission_id, student in orphans:
        defer_grading(app, session, submission_id, student)
    return len(orphans)
