"""The `/api/v1` handlers: authenticate, call one service function, answer with a contract.

Handlers are async; the service functions are not, so each runs in Starlette's thread pool.
Every answer is JSON (reports as the text of the format asked for, inside JSON), and every
error goes through `grader.server.errors`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grader import contracts
from grader.errors import NotFoundError, PermissionDenied, UploadRejected, UploadTooLarge
from grader.service import enrolment, uploads

if TYPE_CHECKING:
    from grader.server.app import Course
    from grader.service.enrolment import Principal

T = TypeVar("T")

SHORT_WAIT_SECONDS = 3.0
"""How long POST /submissions waits for the grade before answering 202."""
MAX_WAIT_SECONDS = 60.0
POLL_SECONDS = (0.05, 0.1, 0.2, 0.3)
BODY_SLACK_BYTES = 64 * 1024
"""Room for JSON escapes and field names around the upload limit, before the body is refused."""


async def blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await run_in_threadpool(function, *args, **kwargs)


def course_of(request: Request) -> Course:
    course: Course = request.app.state.course
    return course


async def principal_of(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    given = token.strip() if scheme.lower() == "bearer" else None
    return await blocking(enrolment.authenticate, course_of(request).store, given)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def course_info(request: Request) -> Response:
    """What the course grades: its exercises and the file each one is."""
    await principal_of(request)
    files = course_of(request).files_by_exercise
    return JSONResponse({"exercises": [{"name": name, "file": file} for name, file in files.items()]})


async def me(request: Request) -> Response:
    who = await principal_of(request)
    return JSONResponse({"student": who.student, "role": who.role})


async def post_submission(request: Request) -> Response:
    """Receive an upload, store it, and answer 202 with its id (200 with the grade if it is
    ready within a short wait). The same Idempotency-Key returns the same submission."""
    who = await principal_of(request)
    return await _receive(request, who, who.student)


async def post_class_submission(request: Request) -> Response:
    """An instructor submits on a student's behalf (`grader grade --server`): the body names
    the student."""
    who = await principal_of(request)
    if not who.changes_grades:
        raise PermissionDenied("only an instructor may submit for someone else")
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("student"), str):
        raise UploadRejected('the body must name the "student" it is for')
    from grader.students import student_name

    student = student_name(body.pop("student"))
    return await _receive(request, who, student, body)


async def _receive(request: Request, who: Principal, student: str, body: object = None) -> Response:
    course = course_of(request)
    course.rate.check(who.student)
    if body is None:
        body = await json_body(request)
    upload = uploads.check_upload(body, course.files_by_exercise)
    key = uploads.check_key(request.headers.get("idempotency-key"))
    submission_id, new = await blocking(
        uploads.receive,
        course.store,
        student,
        upload,
        key=key,
        course=course.settings,
        now=datetime.now(UTC),
        on_stored=course.grading.on_stored,
    )
    if new:
        course.grading.submitted(submission_id, student)
    wait = min(_float(request.query_params.get("wait", str(SHORT_WAIT_SECONDS)), "wait"), MAX_WAIT_SECONDS)
    view = await _wait_for(request, who, submission_id, wait)
    if view.status == "graded":
        return JSONResponse(_view_json(view), status_code=200)
    return JSONResponse({"submission_id": submission_id, "status": view.status}, status_code=202)


async def get_submission(request: Request) -> Response:
    who = await principal_of(request)
    submission_id = whole_number(request.path_params["submission_id"], "submission id")
    wait = min(_float(request.query_params.get("wait", "0"), "wait"), MAX_WAIT_SECONDS)
    view = await _wait_for(request, who, submission_id, wait)
    return JSONResponse(_view_json(view))


async def get_source(request: Request) -> Response:
    """The files of a submission, exactly as submitted: for its student and the course's staff."""
    from grader.service.submissions import submission_source

    who = await principal_of(request)
    submission_id = whole_number(request.path_params["submission_id"], "submission id")
    await blocking(uploads.view, course_of(request).store, who, submission_id)  # 404 unless theirs to see
    student, files = await blocking(
        submission_source, course_of(request).store, submission_id, request.query_params.get("file")
    )
    return JSONResponse({"submission_id": submission_id, "student": student, "files": files})


async def get_progress(request: Request) -> Response:
    from grader.service.submissions import student_progress

    who = await principal_of(request)
    student = _whose(who, request.query_params.get("student"))
    report = await blocking(student_progress, course_of(request).store, student)
    return JSONResponse(contracts.progress(report))


async def get_history(request: Request) -> Response:
    from grader.report.history import format_history
    from grader.service.submissions import student_history

    who = await principal_of(request)
    student = _whose(who, request.path_params["student"])
    found = await blocking(student_history, course_of(request).store, student)
    if request.query_params.get("format", "json") == "json":
        return JSONResponse(contracts.history(found.student, found.attempts, found.quizzes))
    return JSONResponse({"text": format_history(found.student, found.attempts, found.quizzes)})


async def get_report(request: Request) -> Response:
    """The class report in any format of `grader report`, for TAs and instructors."""
    from grader.report.formats import FORMATS
    from grader.service.reports import class_report

    who = await principal_of(request)
    if not who.reads_the_class:
        raise PermissionDenied("the class report is for the course's TAs and instructors")
    course = course_of(request)
    fmt = request.query_params.get("format", "json")
    policy = request.query_params.get("policy") or course.settings.score_policy
    if fmt not in FORMATS or policy not in ("best", "latest"):
        raise UploadRejected(f"format must be one of {', '.join(FORMATS)} and policy best or latest")
    width = max(60, min(whole_number(request.query_params.get("width", "100"), "width"), 400))
    quizzes = [course.quizzes_dir] if course.quizzes_dir is not None else []
    report = await blocking(class_report, course.store, policy, quizzes)
    if fmt == "json":
        return JSONResponse(contracts.class_report(report))
    return JSONResponse({"format": fmt, "text": contracts.class_report_document(report, fmt, width)})


async def _wait_for(request: Request, who: Principal, submission_id: int, seconds: float) -> uploads.SubmissionView:
    """The submission once graded (or not gradable), or as it stands after `seconds`."""
    store = course_of(request).store
    deadline = time.monotonic() + seconds
    polls = 0
    while True:
        view = await blocking(uploads.view, store, who, submission_id)
        if view.status in ("graded", "not_gradable") or time.monotonic() >= deadline:
            return view
        await asyncio.sleep(min(POLL_SECONDS[min(polls, len(POLL_SECONDS) - 1)], max(0.0, deadline - time.monotonic())))
        polls += 1


def _view_json(view: uploads.SubmissionView) -> dict[str, Any]:
    if view.outcome is not None:
        return {**contracts.submission(view.outcome), "status": view.status}
    return {"submission_id": view.submission_id, "student": view.student, "status": view.status}


def _whose(who: Principal, asked: str | None) -> str:
    if asked is None or asked == who.student:
        return who.student
    if not who.reads_the_class:
        raise NotFoundError(f"no student {asked[:100]!r} that you may see")
    return asked


async def json_body(request: Request) -> object:
    from grader.service.uploads import MAX_FILE_BYTES, MAX_UPLOAD_BYTES

    limit = MAX_UPLOAD_BYTES + BODY_SLACK_BYTES
    too_large = f"the upload is over the limits: {MAX_UPLOAD_BYTES} bytes in all, {MAX_FILE_BYTES} a file"
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise UploadTooLarge(too_large)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise UploadTooLarge(too_large)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UploadRejected("the body is not JSON") from None


def whole_number(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise UploadRejected(f"the {what} must be a whole number")
    return int(text)


def _float(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UploadRejected(f"{what} must be a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise UploadRejected(f"{what} must be a number of seconds, 0 or more")
    return value
