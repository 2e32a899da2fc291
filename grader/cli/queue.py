"""A course's grading fleet: `grader worker` grades from the queue, `grader queue` shows it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader.cli.course import course_dir_option
from grader.cli.options import database_url, json_option
from grader.cli.terminal import echo
from grader.errors import ConfigError


@click.command()
@course_dir_option
@click.option(
    "--db", "db_url", required=True, metavar="URL", callback=database_url, help="The course's PostgreSQL database URL."
)
@click.option(
    "--processes",
    type=click.IntRange(min=1),
    metavar="N",
    help="Submissions graded at once on this machine [default: one per core].",
)
def worker(course_dir: Path, db_url: str, processes: int | None) -> None:
    """Grade the course's submissions and regrades from its job queue (PostgreSQL).

    It grades with the course folder's suites, reference and course.toml. Start one on each
    grading machine; each needs only the course folder and a connection to the database. A
    worker that is killed or cut off loses nothing: its jobs go back to the queue within
    seconds and the others grade them. Stops with Ctrl-C or SIGTERM after the jobs it is
    running (twice: at once).

    Exit status: 0 once stopped, 2 for bad input (a course folder or database URL that
    cannot be used).
    """
    import logging
    import os

    from grader.queue.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    run_worker(course_dir, db_url, processes or os.cpu_count() or 1)


@click.command()
@click.option(
    "--course",
    "course_dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="The course folder (its database, when no --db is given).",
)
@click.option("--db", "db_url", metavar="URL", callback=database_url, help="The course's database URL, or a .db path.")
@json_option
def queue(course_dir: Path | None, db_url: str | None, as_json: bool) -> None:
    """How much grading waits: jobs waiting, the age of the oldest, jobs per state, and the
    workers alive. Add workers when the oldest job keeps getting older.

    On SQLite (the server's own pool) it counts the submissions waiting to be graded.

    Exit status: 0, or 2 for bad input.
    """
    from grader.service.queue import queue_state
    from grader.store import open_store

    if db_url is None:
        if course_dir is None:
            raise ConfigError("say which course: --db URL, or --course DIR for its own database")
        from grader.pack import load_pack

        db_url = load_pack(course_dir).default_db_url
    with open_store(db_url, must_exist=True) as store:
        state = queue_state(store)
    if as_json:
        from grader import contracts

        echo(json.dumps(contracts.queue_state(state)))
        return
    oldest = "" if state.oldest_seconds is None else f", the oldest for {state.oldest_seconds:.1f} s"
    kinds = ", ".join(_count(n, kind.removesuffix("s")) for kind, n in state.waiting.items() if n)
    workers = "the server's own pool" if state.workers is None else f"{_count(state.workers, 'worker')} alive"
    echo(f"queue: {state.engine} ({workers})")
    echo(f"waiting: {state.depth}{f' ({kinds})' if kinds else ''}{oldest}")
    echo(f"running: {state.running}")
    echo("jobs: " + ", ".join(f"{name} {n}" for name, n in state.jobs.items()))


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"
