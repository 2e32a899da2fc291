"""`grader serve`: open the course, build the application, and run it under uvicorn."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from grader.server.app import Course, create_app


def open_course(
    course_dir: Path, *, db_url: str | None = None, jobs: int | None = None, own_content: bool = False
) -> Course:
    """The course in `course_dir` with its store open and its graders ready to start; they grade
    with the pack's suites and reference. With `own_content`, this process too reads the pack's
    (what exercises there are, their points): for a process that serves only this course."""
    from grader.course import load_course
    from grader.grading.exercises import resolve, use_course_content
    from grader.pack import load_pack
    from grader.server.grading import EmbeddedGrading
    from grader.store import open_store

    pack = load_pack(course_dir)
    if own_content:
        use_course_content(pack.content)
    settings = load_course(pack.course_file if pack.course_file.is_file() else None)
    store = open_store(db_url or pack.default_db_url)
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


def run_server(course_dir: Path, *, db_url: str | None, host: str, port: int, jobs: int | None) -> None:
    import uvicorn

    course = open_course(course_dir, db_url=db_url, jobs=jobs, own_content=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        # live pages keep a stream open: on shutdown, wait a few seconds for them, not for ever
        uvicorn.run(
            create_app(course), host=host, port=port, log_level="info", access_log=True, timeout_graceful_shutdown=5
        )
    finally:
        course.store.close()
