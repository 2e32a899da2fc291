"""A student's own pages: their standing, every submission newest first with the feedback the
terminal printed for it, and the files they handed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from grader.errors import NotFoundError
from grader.server.api import _int, blocking, course_of
from grader.server.web.feedback import AttemptView, attempt_view
from grader.server.web.guard import page, viewer
from grader.server.web.live import tag
from grader.server.web.templating import render

if TYPE_CHECKING:
    from grader.records import QuizProgress
    from grader.server.app import Course
    from grader.service.standing import Standing
    from grader.store.changes import ReceivedRow


@dataclass(frozen=True)
class StudentWork:
    """Everything a page about one student shows, read together."""

    standing: Standing
    attempts: tuple[AttemptView, ...]
    """Newest first."""
    waiting: tuple[ReceivedRow, ...]
    quizzes: QuizProgress
    version: str


def student_work(course: Course, student: str, *, all_tests: bool = False) -> StudentWork:
    from grader.records import QuizProgress
    from grader.service.live import not_graded, student_fingerprint
    from grader.service.reports import course_columns
    from grader.service.standing import student_standing
    from grader.service.submissions import student_history

    version = tag(student_fingerprint(course.store, student))  # first: the page is at least this new
    columns = [(c.key, c.max_score) for c in course_columns()]
    standing = student_standing(course.store, course.settings, student, columns, datetime.now(UTC))
    try:
        history = student_history(course.store, student)
        attempts, quizzes = history.attempts, history.quizzes
    except NotFoundError:
        attempts, quizzes = (), QuizProgress()
    return StudentWork(
        standing=standing,
        attempts=tuple(attempt_view(a, all_tests=all_tests) for a in reversed(attempts)),
        waiting=tuple(not_graded(course.store, student)),
        quizzes=quizzes,
        version=version,
    )


@page
async def my_work(request: Request) -> Response:
    who = await viewer(request)
    work = await blocking(student_work, course_of(request), who.student)
    return render(request, "me.html", who=who, work=work, events="/events/me", version=work.version)


@page
async def my_submission(request: Request) -> Response:
    """A submission's files, for the student who made it (anyone else: not found)."""
    from grader.server.web.source import shown_files
    from grader.service.submissions import submission_snapshot
    from grader.service.uploads import view

    who = await viewer(request)
    submission_id = _int(request.path_params["submission_id"], "submission id")
    store = course_of(request).store
    seen = await blocking(view, store, who, submission_id)
    if seen.student != who.student:
        raise NotFoundError(f"no submission #{submission_id} of yours")
    found = await blocking(submission_snapshot, store, submission_id)
    files = await blocking(shown_files, found.files)
    return render(request, "source.html", who=who, snapshot=found, files=files, raw_base=None)
