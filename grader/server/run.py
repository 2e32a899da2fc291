"""`grader serve`: open the course, build the application, and run it under uvicorn.

On SQLite the server grades in its own pool (`grading.EmbeddedGrading`), so it is one
process. On PostgreSQL it stores and queues (`queued.QueuedGrading`) and `grader worker`s
grade, so several server processes (`workers`) can answer behind one reverse proxy; uvicorn
starts each from `app_from_environment`, which reads the course and database from the
environment this module sets.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from grader.errors import ConfigError
from grader.server.app import Course, Grading, create_app

COURSE_ENV, DB_ENV = "GRADER_SERVE_COURSE", "GRADER_SERVE_DB"
# Live pages keep a stream open: on shutdown, wait a few seconds for them, not for ever.
UVICORN_OPTIONS: dict[str, Any] = {"log_level": "info", "access_log": True, "timeout_graceful_shutdown": 5}


def open_course(
    course_dir: Path, *, db_url: str | None = None, jobs: int | None = None, own_content: bool = False
) -> Course:
    """The course in `course_dir` with its store open and its graders ready to start; they grade
    with the pack's suites and reference. With `own_content`, this process too reads the pack's
    (what exercises there are, their points): for a process that serves only this course."""
    from grader.course import load_course
    from grader.grading.exercises import resolve, use_course_content
    from grader.pack import load_pack
    from grader.store import open_store

    pack = load_pack(course_dir)
    if own_content:
        use_course_content(pack.content)
    settings = load_course(pack.course_file if pack.course_file.is_file() else None)
    store = open_store(db_url or pack.default_db_url)
    grading: Grading
    if store.engine.dialect.name == "postgresql":
        from grader.queue.jobs import require_psycopg
        from grader.server.queued import QueuedGrading

        try:
            require_psycopg(store.engine)
            if jobs is not None:
                raise ConfigError(
                    "--jobs sizes the server's own pool (SQLite); with PostgreSQL, "
                    "`grader worker --processes N` grades, on as many machines as needed"
                )
        except ConfigError:
            store.close()
            raise
        grading = QueuedGrading(store)
    else:
        from grader.server.grading import EmbeddedGrading

        grading = EmbeddedGrading(
            store, settings, jobs=jobs or os.cpu_count() or 1, content=pack.content, protected=(pack.root,)
        )
    files = {e.name: e.filename for e in resolve(None)}
    return Course(
        store=store,
        settings=settings,
        grading=grading,
        files_by_exercise=files,
        quizzes_dir=pack.quizzes_dir,
        folder=pack.root,
    )


def run_server(
    course_dir: Path, *, db_url: str | None, host: str, port: int, jobs: int | None, workers: int = 1
) -> None:
    import uvicorn

    _check_address(host, port)
    course = open_course(course_dir, db_url=db_url, jobs=jobs, own_content=True)
    _logging()
    if workers == 1:
        try:
            uvicorn.run(create_app(course), host=host, port=port, **UVICORN_OPTIONS)
        finally:
            course.store.close()
        return
    postgresql = course.store.engine.dialect.name == "postgresql"
    url = course.store.engine.url.render_as_string(hide_password=False)
    course.store.close()
    if not postgresql:
        raise ConfigError(
            "--workers above 1 needs a PostgreSQL --db: on SQLite each process would grade in a pool of its own"
        )
    os.environ[COURSE_ENV] = str(course_dir.resolve())
    os.environ[DB_ENV] = url
    uvicorn.run(
        "grader.server.run:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **UVICORN_OPTIONS,
    )


def _check_address(host: str, port: int) -> None:
    """Fail in one line, before anything starts, when `host:port` cannot be listened on (another
    server holds the port, or the address is not this machine's): uvicorn would log its start-up
    and then an error, and exit with status 3."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConfigError(f"cannot listen on {host}: {error.strerror}") from error
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {error.strerror} (another grader serve? choose another --port)"
            ) from error


def app_from_environment() -> Any:
    """The application of one of several server processes (`grader serve --workers N`)."""
    _logging()
    return create_app(open_course(Path(os.environ[COURSE_ENV]), db_url=os.environ[DB_ENV], own_content=True))


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)  # not a line per deferred job
