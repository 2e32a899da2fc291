"""The job queue's tables on PostgreSQL: procrastinate's schema, installed and kept current,
and the few questions the grader asks of it.

Procrastinate owns `procrastinate_jobs`, `procrastinate_events` and `procrastinate_workers`
(see `grader.queue`); this module is the grader's only SQL against them. Its schema is not an
Alembic revision, because it follows the installed procrastinate, not the grader:
`ensure_queue_schema` installs it on a database that has none, and applies procrastinate's
own migration files when the installed procrastinate is newer than the one that last
installed it (recorded in `grader_queue_schema`). `grader serve` and `grader worker` run it
on every start, under an advisory lock, so that it happens once however many start at once;
on a current schema it costs two queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

QUEUE_SCHEMA_LOCK = 7_272_741  # an advisory-lock key of our own, beside the migrations' 7_272_740
FINISHED = ("succeeded", "failed", "cancelled", "aborted")
STATES = ("todo", "doing", *FINISHED)
_MIGRATION_NAME = re.compile(r"(\d+)\.(\d+)\.(\d+)_(\d+)_.*\.sql\Z")


def procrastinate_version() -> tuple[int, ...]:
    from importlib.metadata import version

    return tuple(int(part) for part in re.findall(r"\d+", version("procrastinate"))[:3])


def ensure_queue_schema(engine: Engine) -> None:
    """Install procrastinate's schema, or bring it up to the installed procrastinate; add the
    grader's index. Idempotent; one transaction."""
    current = procrastinate_version()
    with engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": QUEUE_SCHEMA_LOCK})
        connection.execute(text("CREATE TABLE IF NOT EXISTS grader_queue_schema (procrastinate text NOT NULL)"))
        recorded = connection.execute(text("SELECT procrastinate FROM grader_queue_schema")).scalar()
        if recorded is None:
            if connection.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
                _run_script(connection, _schema_sql())
            # else: installed by hand (`procrastinate schema --apply`), taken to be current
            connection.execute(
                text("INSERT INTO grader_queue_schema (procrastinate) VALUES (:v)"), {"v": _dotted(current)}
            )
        else:
            installed = tuple(int(part) for part in str(recorded).split("."))
            if installed < current:
                for script in _migrations_between(installed, current):
                    _run_script(connection, script)
                connection.execute(text("UPDATE grader_queue_schema SET procrastinate = :v"), {"v": _dotted(current)})
        # A student's unfinished jobs, counted at every upload to place the new one fairly.
        connection.execute(
            text(
                "CREATE INDEX IF NOT EXISTS grader_procrastinate_jobs_student ON procrastinate_jobs "
                "(task_name, (args->>'student')) WHERE status IN ('todo', 'doing')"
            )
        )


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def _schema_sql() -> str:
    from importlib import resources

    return (resources.files("procrastinate.sql") / "schema.sql").read_text(encoding="utf-8")


def _migrations_between(installed: tuple[int, ...], current: tuple[int, ...]) -> list[str]:
    """Procrastinate's migration scripts for the versions after `installed` up to `current`, in order."""
    from importlib import resources

    folder = resources.files("procrastinate.sql") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match is None:
            continue
        version = tuple(int(match[i]) for i in (1, 2, 3))
        if installed < version <= current:
            found.append(((*version, int(match[4])), entry.name, entry.read_text(encoding="utf-8")))
    return [script for _, _, script in sorted(found)]


def _run_script(connection: Connection, script: str) -> None:
    """Many statements at once, as psycopg runs a query without parameters (no % escapes)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(script)


# -- what the grader asks of the queue ---------------------------------------------------------


def lock_queue(session: Session) -> None:
    """Hold the queue's advisory lock until the end of `session`'s transaction."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": QUEUE_SCHEMA_LOCK})


def has_queue(session: Session) -> bool:
    """Whether procrastinate's tables are in this (PostgreSQL) database."""
    return session.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None


def received_waiting(session: Session) -> tuple[int, int, datetime | None, datetime]:
    """Received submissions not graded yet, on any engine: how many are queued, how many
    being graded, when the oldest queued one came in, and the time now (UTC)."""
    from sqlalchemy import func, select

    from grader.store.base import utcnow
    from grader.store.models import Submission

    rows = session.execute(
        select(Submission.status, func.count(Submission.id))
        .where(Submission.status.in_(("queued", "grading")))
        .group_by(Submission.status)
    )
    counts = {str(status): int(n) for status, n in rows}
    oldest = session.scalar(select(func.min(Submission.created_at)).where(Submission.status == "queued"))
    return int(counts.get("queued", 0)), int(counts.get("grading", 0)), oldest, utcnow()


def unfinished_jobs_of(session: Session, task: str, student: str) -> int:
    """How many of `student`'s `task` jobs wait or run: where a new one of theirs goes in line."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task "
                "AND args->>'student' = :student AND status IN ('todo', 'doing')"
            ),
            {"task": task, "student": student},
        ).scalar_one()
    )


def submissions_without_job(session: Session, task: str) -> list[tuple[int, str]]:
    """Received submissions, not graded yet, that no unfinished job will grade (received
    before the queue was in use): (id, student), oldest first."""
    rows = session.execute(
        text(
            "SELECT s.id, st.name FROM submissions s JOIN students st ON st.id = s.student_id "
            "WHERE s.status IN ('queued', 'grading') AND NOT EXISTS ("
            "  SELECT 1 FROM procrastinate_jobs j WHERE j.task_name = :task AND j.status IN ('todo', 'doing')"
            "  AND j.args->>'submission_id' = s.id::text) "
            "ORDER BY s.created_at, s.id"
        ),
        {"task": task},
    )
    return [(int(i), str(name)) for i, name in rows]


@dataclass(frozen=True)
class JobCounts:
    """The queue as procrastinate's tables have it, at one moment."""

    by_status: dict[str, int]
    waiting_by_task: dict[str, int]
    oldest_waiting_since: datetime | None
    """When the job waiting longest was deferred (None when none waits)."""
    live_workers: int
    now: datetime


def job_counts(session: Session, heartbeat_seconds: float) -> JobCounts:
    """Jobs per status, waiting jobs per task, the oldest waiting job, and the workers whose
    heartbeat is fresher than `heartbeat_seconds`."""
    by_status = {
        str(s): int(n)
        for n, s in session.execute(text("SELECT count(*), status FROM procrastinate_jobs GROUP BY status"))
    }
    waiting = {
        str(t): int(n)
        for n, t in session.execute(
            text("SELECT count(*), task_name FROM procrastinate_jobs WHERE status = 'todo' GROUP BY task_name")
        )
    }
    oldest = session.execute(
        text(
            "SELECT min(e.at) FROM procrastinate_jobs j JOIN procrastinate_events e "
            "ON e.job_id = j.id AND e.type = 'deferred' WHERE j.status = 'todo'"
        )
    ).scalar()
    workers = session.execute(
        text(
            "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat >= now() - make_interval(secs => :seconds)"
        ),
        {"seconds": heartbeat_seconds},
    ).scalar_one()
    now = session.execute(text("SELECT now()")).scalar_one()
    return JobCounts(by_status, waiting, oldest, int(workers), now)


def job_statuses(session: Session, job_ids: list[int]) -> dict[int, str]:
    """The status of each job still in the table (a pruned job is missing)."""
    if not job_ids:
        return {}
    rows = session.execute(
        text("SELECT id, status FROM procrastinate_jobs WHERE id = ANY(:ids)"), {"ids": list(job_ids)}
    )
    return {int(i): str(s) for i, s in rows}


def prune_finished_jobs(session: Session, older_than_seconds: float) -> int:
    """Delete jobs that finished more than `older_than_seconds` ago (their events go with
    them); return how many."""
    result: Any = session.execute(
        text(
            "DELETE FROM procrastinate_jobs j WHERE j.status IN ('succeeded', 'failed', 'cancelled', 'aborted') "
            "AND NOT EXISTS (SELECT 1 FROM procrastinate_events e WHERE e.job_id = j.id "
            "  AND e.at >= now() - make_interval(secs => :seconds))"
        ),
        {"seconds": older_than_seconds},
    )
    return int(result.rowcount)
