"""`grader worker`: grade jobs from a course's queue, on any machine that reaches its database.

One worker process runs a procrastinate worker with `processes` jobs at a time, each graded
by a trusted grading process with warm sandboxes (`grader.grading.processes`), exactly as
the course server's own pool grades. What it needs: the course folder (its suites,
reference and course.toml) and the database URL.

Staying correct when things break:
- A worker beats every `HEARTBEAT_SECONDS`, on a connection of its own (`_beat`); one that
  cannot beat for `CUT_OFF_SECONDS` stops taking jobs until it can. Every worker sweeps every `SWEEP_SECONDS` for
  jobs held by a worker silent for `STALLED_SECONDS` (killed, its machine lost, its link
  cut) and puts them back in the queue, where they keep their place; the others poll every
  `POLL_SECONDS` besides LISTEN/NOTIFY, so a dead worker's job runs again within about
  `STALLED_SECONDS + HEARTBEAT_SECONDS + SWEEP_SECONDS + POLL_SECONDS` (13 s) when a worker
  is free to take it.
- Every run of a job that ended without a result (an error, a killed worker) counts as a
  failure of the grader's own: a job's `attempts` is exactly that count, so each run first
  raises the submission's failures to it (`uploads.count_lost_runs`); the third makes the
  submission `not_gradable`, which costs no attempt.
- Losing the database (a restart, a cut link) stops procrastinate's worker; this one starts
  it again once the database answers. Connections carry TCP keepalives and a user timeout
  so that a dead link fails in seconds, and the server ends a transaction a lost worker
  left open after `IDLE_IN_TRANSACTION_SECONDS`.
- Finished jobs are kept `KEEP_FINISHED_SECONDS` (for `grader queue` and the benchmarks),
  then pruned by whichever worker gets there first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import ConfigError, NotFoundError
from grader.queue.jobs import GRADE_TASK, QUEUE, REGRADE_TASK

if TYPE_CHECKING:
    import procrastinate
    from procrastinate.job_context import JobContext

    from grader.course import CourseSettings
    from grader.grading.processes import GradingProcesses
    from grader.records import GradingResult
    from grader.store import Store
    from grader.store.submissions import Snapshot

log = logging.getLogger("grader.worker")

HEARTBEAT_SECONDS = 1.0
BEAT_TIMEOUT_SECONDS = 1.5
CUT_OFF_SECONDS = 5.0
"""A worker that could not beat this long stops taking jobs (the others take its jobs at 10 s)."""
BACKUP_HEARTBEAT_SECONDS = 5.0
"""Procrastinate's own beat, through its pool (see `_beat`)."""
STALLED_SECONDS = 10.0
"""Ten missed beats: a worker starved of CPU on a busy machine is not taken for dead."""
SWEEP_SECONDS = 1.0
POLL_SECONDS = 1.0
"""A job put back in the queue sends no NOTIFY: idle workers look for one this often."""
FORGET_WORKERS_SECONDS = 120.0
"""A worker silent this long is removed from the list of workers (its jobs went back long before)."""
KEEP_FINISHED_SECONDS = 600.0
PRUNE_EVERY_SECONDS = 60.0
RETRY_AFTER_SECONDS = 1
RESTART_SECONDS = (1.0, 2.0, 5.0)
IDLE_IN_TRANSACTION_SECONDS = 30
REGRADE_RUNS = 3
CONNECTION_PARAMETERS = {
    "connect_timeout": "10",
    "keepalives": "1",
    "keepalives_idle": "5",
    "keepalives_interval": "2",
    "keepalives_count": "3",
    "tcp_user_timeout": "10000",
    "options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_SECONDS * 1000}",
}
"""libpq settings for every connection of a worker: a cut link fails within about ten
seconds instead of hanging, and the server drops a transaction a lost worker left open."""


class RunAgain(Exception):
    """A run of a job failed through the grader's fault, and the submission still waits."""


class GiveUp(Exception):
    """A job that is not to be run again."""


def worker_url(db_url: str) -> str:
    """`db_url` with the worker's connection settings added (those it names stay its own)."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    extra = {key: value for key, value in CONNECTION_PARAMETERS.items() if key not in url.query}
    return url.update_query_dict(extra).render_as_string(hide_password=False)


def libpq_conninfo(db_url: str) -> str:
    """A SQLAlchemy URL as the libpq connection string procrastinate's pool opens."""
    from psycopg.conninfo import make_conninfo
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    given = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        **{key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()},
    }
    return make_conninfo("", **{key: value for key, value in given.items() if value is not None})


@dataclass
class Worker:
    """The jobs' bodies, and what they grade with."""

    store: Store
    course: CourseSettings
    processes: GradingProcesses
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def grade_submission(self, context: JobContext, submission_id: int, student: str) -> str:
        """Grade a received submission once; its status after this run."""
        from grader.service.uploads import count_lost_runs, grade_received

        runs = context.job.attempts
        status = count_lost_runs(self.store, submission_id, runs)
        if status not in ("queued", "grading"):  # graded by an earlier run, or given up on now
            log.info("submission %d is %s (job %s, after %d runs)", submission_id, status, context.job.id, runs)
            return status
        log.info("grading submission %d of %s (run %d, job %s)", submission_id, student, runs + 1, context.job.id)
        processes = self.processes
        try:
            return grade_received(
                self.store, submission_id, lambda files, names, _: processes.grade(files, names), self.course
            )
        except NotFoundError:
            raise  # nothing to grade: not run again
        except Exception as error:  # the grader's own: a process lost, the database gone, a bug
            log.warning("grading submission %d failed (the grader's fault): %s", submission_id, error)
            status = count_lost_runs(self.store, submission_id, runs + 1)
            if status in ("queued", "grading"):
                raise RunAgain(f"submission {submission_id}: {type(error).__name__}: {error}") from error
            return status

    def regrade_attempt(
        self, context: JobContext, submission_id: int, student: str, exercises: list[str], key: str
    ) -> float:
        """Regrade one attempt, recorded once under `key`; its new score."""
        from grader.service.regrade import gradable_files, regrade_submission

        runs = context.job.attempts
        log.info("regrading attempt %d of %s (run %d, job %s)", submission_id, student, runs + 1, context.job.id)
        if runs >= REGRADE_RUNS:
            raise GiveUp(f"attempt {submission_id}: {runs} runs ended without a result")
        processes = self.processes

        def grade(snapshot: Snapshot, names: Any) -> GradingResult:
            return processes.grade(gradable_files(snapshot), list(names), seed=snapshot.seed)

        outcome = regrade_submission(self.store, submission_id, exercises, course=self.course, grade=grade, key=key)
        return outcome.new_score


def retry_strategy() -> procrastinate.BaseRetryStrategy:
    """Run again after a second, unless the job said not to (`GiveUp`) or there is nothing to
    grade (a NotFoundError: the attempt is gone, say). A lost database is run again; a grading
    job ends its runs itself at the grader's limit, a regrade at `REGRADE_RUNS`."""
    import procrastinate
    from procrastinate.retry import RetryDecision

    class _Again(procrastinate.BaseRetryStrategy):
        def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
            if isinstance(exception, GiveUp | NotFoundError):
                return None
            return RetryDecision(retry_in={"seconds": RETRY_AFTER_SECONDS})

    return _Again()


def build_app(worker: Worker, conninfo: str, pool_size: int) -> procrastinate.App:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo, min_size=1, max_size=pool_size))
    again = retry_strategy()
    app.task(name=GRADE_TASK, queue=QUEUE, pass_context=True, retry=again)(worker.grade_submission)
    app.task(name=REGRADE_TASK, queue=QUEUE, pass_context=True, retry=again)(worker.regrade_attempt)
    return app


def run_worker(course_dir: Path, db_url: str, processes: int, *, limits: Any = None) -> None:
    """Grade the course's jobs until SIGINT or SIGTERM (then finish the jobs running)."""
    from grader.course import load_course
    from grader.grading.exercises import use_course_content
    from grader.pack import load_pack
    from grader.queue.jobs import require_psycopg
    from grader.store import open_store
    from grader.store.jobs import ensure_queue_schema

    pack = load_pack(course_dir)
    use_course_content(pack.content)  # what exercises there are: the course folder's
    course = load_course(pack.course_file if pack.course_file.is_file() else None)
    url = worker_url(require_postgresql(db_url))
    store = open_store(url)
    try:
        require_psycopg(store.engine)
        ensure_queue_schema(store.engine)
        grading = grading_processes(pack, processes, limits)
        try:
            worker = Worker(store, course, grading)
            conninfo = libpq_conninfo(url)

            def make_app() -> procrastinate.App:
                return build_app(worker, conninfo, pool_size=processes + 4)

            asyncio.run(_run(make_app, store, worker.name, processes, conninfo))
        finally:
            grading.close()
    finally:
        store.close()


def grading_processes(pack: Any, processes: int, limits: Any) -> GradingProcesses:
    """The trusted processes that grade, with the course pack's suites and reference."""
    from grader.grading.processes import GradingProcesses

    return GradingProcesses(processes, limits, (pack.root,), pack.content)


def require_postgresql(db_url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(db_url).get_backend_name()
    except ArgumentError:
        raise ConfigError(f"not a database URL: {db_url!r}") from None
    if backend != "postgresql":
        raise ConfigError(
            "grader worker grades from a PostgreSQL queue: give --db postgresql+psycopg://...; "
            "on SQLite, grader serve grades in its own pool"
        )
    return db_url


async def _run(
    make_app: Callable[[], procrastinate.App], store: Store, name: str, processes: int, conninfo: str
) -> None:
    """Run procrastinate's worker, with a new app (and pool) each time it has to start again."""
    from procrastinate.worker import Worker as ProcrastinateWorker

    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=processes + 4, thread_name_prefix="grader-job"))
    stopping = asyncio.Event()
    current: list[asyncio.Task[Any]] = []

    def stop() -> None:
        if stopping.is_set():
            log.warning("stopping now; the jobs running go back to the queue")
            os._exit(1)
        log.info("stopping: finishing the jobs running (again to stop at once)")
        stopping.set()
        for task in current:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    failures = 0
    while not stopping.is_set():
        app = make_app()
        try:
            async with app.open_async():
                worker = ProcrastinateWorker(
                    app=app,
                    queues=[QUEUE],
                    name=name,
                    concurrency=processes,
                    install_signal_handlers=False,
                    update_heartbeat_interval=BACKUP_HEARTBEAT_SECONDS,
                    stalled_worker_timeout=FORGET_WORKERS_SECONDS,
                    fetch_job_polling_interval=POLL_SECONDS,
                    abort_job_polling_interval=POLL_SECONDS * 5,
                    delete_jobs="never",
                )
                run = asyncio.create_task(worker.run())  # type: ignore[no-untyped-call]
                beat = asyncio.create_task(_beat(worker, conninfo))
                sweeper = asyncio.create_task(_sweep(app, store))
                current[:] = [run]
                log.info("worker %s grading from the queue, %d at a time", name, processes)
                failures = 0
                try:
                    await asyncio.wait({run, beat}, return_when=asyncio.FIRST_COMPLETED)
                    if beat.done():  # cut off: take no more jobs, finish those running, start again
                        run.cancel()
                        await asyncio.gather(run, return_exceptions=True)
                        beat.result()
                    run.result()
                except asyncio.CancelledError:
                    if not stopping.is_set():
                        raise
                finally:
                    for side in (beat, sweeper):
                        side.cancel()
                    current.clear()
        except Exception as error:  # the database went away: start again once it is back
            if stopping.is_set():
                break
            wait = RESTART_SECONDS[min(failures, len(RESTART_SECONDS) - 1)]
            failures += 1
            log.warning("the queue stopped (%s: %s); starting again in %.0f s", type(error).__name__, error, wait)
            try:
                await asyncio.wait_for(stopping.wait(), timeout=wait)
            except TimeoutError:
                pass
            continue
        if not stopping.is_set():  # procrastinate's worker stopped by itself (a lost connection)
            await asyncio.sleep(RESTART_SECONDS[0])
    log.info("worker %s stopped", name)


class CutOff(Exception):
    """This worker could not beat for `CUT_OFF_SECONDS`: the others will take its jobs."""


async def _beat(worker: Any, conninfo: str) -> None:
    """The worker's heartbeat, on a connection of its own with a timeout on every step.

    Procrastinate beats too, through its pool; but a pool that lost its server can leave
    that beat waiting for ever while jobs are still fetched, and the others would then take
    every job this worker starts. This beat cannot hang: when it has failed for
    `CUT_OFF_SECONDS`, it raises `CutOff` and the worker stops taking jobs until it can
    start again.
    """
    import psycopg

    loop = asyncio.get_running_loop()
    connection: Any = None
    last = loop.time()
    try:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            if worker.worker_id is None:  # not registered yet
                last = loop.time()
                continue
            try:
                if connection is None:
                    connection = await asyncio.wait_for(
                        psycopg.AsyncConnection.connect(conninfo, autocommit=True), BEAT_TIMEOUT_SECONDS
                    )
                await asyncio.wait_for(
                    connection.execute("SELECT procrastinate_update_heartbeat_v1(%s)", (worker.worker_id,)),
                    BEAT_TIMEOUT_SECONDS,
                )
                last = loop.time()
            except Exception as error:
                await _close(connection)
                connection = None
                if loop.time() - last > CUT_OFF_SECONDS:
                    raise CutOff(f"no heartbeat for {loop.time() - last:.0f} s ({type(error).__name__})") from error
    finally:
        await _close(connection)


async def _close(connection: Any) -> None:
    if connection is not None:
        try:
            await asyncio.wait_for(connection.close(), 1.0)
        except Exception:
            pass


async def _sweep(app: procrastinate.App, store: Store) -> None:
    """Put back in the queue the jobs of workers gone silent; now and then forget such
    workers and prune finished jobs."""
    manager = app.job_manager
    next_prune = asyncio.get_running_loop().time() + random.uniform(0, PRUNE_EVERY_SECONDS)
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_SECONDS):
                try:
                    await manager.retry_job(job)
                except Exception:  # another worker put it back first
                    continue
                log.warning("job %s (%s) was held by a worker gone silent: back in the queue", job.id, job.task_name)
            if asyncio.get_running_loop().time() >= next_prune:
                next_prune += PRUNE_EVERY_SECONDS
                await manager.prune_stalled_workers(FORGET_WORKERS_SECONDS)
                pruned = await asyncio.to_thread(_prune, store)
                if pruned:
                    log.info("pruned %d finished jobs", pruned)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("sweeping the queue failed (%s: %s)", type(error).__name__, error)


def _prune(store: Store) -> int:
    from grader.store.jobs import prune_finished_jobs

    return store.write(lambda session: prune_finished_jobs(session, KEEP_FINISHED_SECONDS))
