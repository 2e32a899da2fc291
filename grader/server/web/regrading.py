"""An instructor's regrade from the browser: `grader.service.regrade.regrade_submission`, run in
a fresh trusted process.

Regrading starts sandboxes (a zygote forks them), which must never be forked from the server's
own process with its threads; so the unit runs in a process started by multiprocessing's
forkserver, as the server's graders are, opens the database there and records the regrade.
The page waits for it (a regrade of one attempt takes seconds). Where the course grades with
a job queue and its workers are alive, the regrade is one job for them instead (the server
of such a course needs no sandbox), waited for in the same way.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.course import CourseSettings
    from grader.server.app import Course
    from grader.service.regrade import RegradeOutcome


def regrade(course: Course, submission_id: int) -> RegradeOutcome:
    """Regrade attempt `submission_id` with the course's rules; its outcome (a GraderError when
    there is nothing to regrade)."""
    from grader.service.queue import grades_through_queue, regrade_attempt_through_queue

    if grades_through_queue(course.store):
        return regrade_attempt_through_queue(course.store, submission_id)
    url = course.store.engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as pool:
        return pool.submit(_regrade, url, submission_id, course.settings).result()


def _regrade(url: str, submission_id: int, settings: CourseSettings) -> RegradeOutcome:
    from grader.service.regrade import regrade_submission
    from grader.store import open_store

    with open_store(url) as store:
        return regrade_submission(store, submission_id, course=settings)
