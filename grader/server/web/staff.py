"""The pages of a course's TAs and instructors: the class's gradebook (live) with where
students struggle, a student's page with every attempt and its code, and the instructors'
tools: regrade, override, extend a deadline, export. TAs read; only instructors change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grader.errors import ConfigError, NotFoundError, UploadRejected
from grader.report.marks import points
from grader.server.api import blocking, course_of, whole_number
from grader.server.web.guard import form_of, need_instructor, need_staff, page, viewer, web_of
from grader.server.web.live import tag
from grader.server.web.sessions import leave_notice
from grader.server.web.templating import render, report_fragment, segment

if TYPE_CHECKING:
    from grader.report.model import ClassReport
    from grader.server.app import Course
    from grader.server.web.queue import QueueState
    from grader.server.web.source import ShownFile
    from grader.server.web.student import StudentWork
    from grader.store.extensions import ExtensionRow

EXPORTS = {
    "csv": ("text/csv", "gradebook.csv"),
    "canvas": ("text/csv", "gradebook-canvas.csv"),
    "moodle": ("text/csv", "gradebook-moodle.csv"),
    "json": ("application/json", "report.json"),
    "html": ("text/html", "report.html"),
}
MOST_FAILED = 10


@dataclass(frozen=True)
class ClassView:
    report: ClassReport
    charts: tuple[Markup, ...]
    most_failed: Markup | None
    quizzes: tuple[Markup, ...]
    version: str
    queue: QueueState | None
    pool: dict[str, int]


def class_view(course: Course) -> ClassView:
    from grader.report.charts import failed_bars, histogram
    from grader.report.page import quiz_html
    from grader.report.struggles import most_failed
    from grader.server.web.queue import pool_state, queue_state
    from grader.server.web.quizzes import bank_of
    from grader.service.live import class_fingerprint
    from grader.service.reports import class_report

    version = tag(class_fingerprint(course.store))
    report = class_report(course.store, course.settings.score_policy, bank_of(course))
    return ClassView(
        report=report,
        charts=tuple(
            report_fragment(histogram(s.exercise, report.gradebook.counted_scores(s.exercise), s.max_score))
            for s in report.exercises
        ),
        most_failed=report_fragment(failed_bars(most_failed(report.exercises, MOST_FAILED)))
        if report.exercises
        else None,
        quizzes=tuple(report_fragment(quiz_html(q)) for q in report.quizzes if q.students),
        version=version,
        queue=queue_state(course.grading),
        pool=pool_state(course.grading),
    )


@page
async def class_page(request: Request) -> Response:
    who = await viewer(request)
    need_staff(who)
    view = await blocking(class_view, course_of(request))
    return render(
        request, "class.html", who=who, view=view, events="/events/class", version=view.version, exports=list(EXPORTS)
    )


@dataclass(frozen=True)
class StudentPage:
    student: str
    work: StudentWork
    sources: dict[int, list[ShownFile]]
    extensions: tuple[ExtensionRow, ...]
    course_extensions: dict[str, datetime]
    deadlines: dict[str, datetime]
    exercises: tuple[str, ...]
    version: str
    """Of the class: the page listens to the class's changes."""


def student_page_view(course: Course, name: str) -> StudentPage:
    from grader.server.web.source import shown_files
    from grader.server.web.student import student_work
    from grader.service.extensions import stored_extensions
    from grader.service.live import class_fingerprint
    from grader.service.standing import is_student
    from grader.service.submissions import submission_snapshot
    from grader.students import student_name

    version = tag(class_fingerprint(course.store))
    student = student_name(name)
    if not is_student(course.store, student):
        raise NotFoundError(f"no student {student!r} in the course")
    work = student_work(course, student, all_tests=True)
    sources = {
        a.submission_id: shown_files(submission_snapshot(course.store, a.submission_id).files) for a in work.attempts
    }
    return StudentPage(
        student=student,
        work=work,
        sources=sources,
        extensions=tuple(stored_extensions(course.store, student)),
        course_extensions=dict(course.settings.extensions.get(student, {})),
        deadlines=dict(course.settings.deadlines),
        exercises=tuple(course.files_by_exercise),
        version=version,
    )


@page
async def student_page(request: Request) -> Response:
    who = await viewer(request)
    need_staff(who)
    view = await blocking(student_page_view, course_of(request), request.path_params["student"])
    return render(request, "student.html", who=who, view=view, events="/events/class", version=view.version)


@page
async def submission_page(request: Request) -> Response:
    """One attempt's files, highlighted, with a link to each raw file."""
    from grader.server.web.source import shown_files
    from grader.service.submissions import submission_snapshot

    who = await viewer(request)
    need_staff(who)
    submission_id = whole_number(request.path_params["submission_id"], "submission id")
    found = await blocking(submission_snapshot, course_of(request).store, submission_id)
    files = await blocking(shown_files, found.files)
    return render(
        request,
        "source.html",
        who=who,
        snapshot=found,
        files=files,
        raw_base=f"/class/submissions/{found.submission_id}/files/",
    )


@page
async def raw_file(request: Request) -> Response:
    """A submitted file byte for byte, as a download (never shown as a page)."""
    from grader.service.submissions import submission_snapshot

    who = await viewer(request)
    need_staff(who)
    submission_id = whole_number(request.path_params["submission_id"], "submission id")
    path = request.path_params["path"]
    found = await blocking(submission_snapshot, course_of(request).store, submission_id, path)
    return _download(
        found.files[path].encode("utf-8"), "text/plain; charset=utf-8", f"{found.student}-{found.attempt}-{path}"
    )


@page
async def export(request: Request) -> Response:
    from grader.contracts import class_report_document
    from grader.server.web.quizzes import bank_of
    from grader.service.reports import class_report

    who = await viewer(request)
    need_instructor(who)
    course = course_of(request)
    fmt = request.query_params.get("format", "csv")
    policy = request.query_params.get("policy") or course.settings.score_policy
    if fmt not in EXPORTS or policy not in ("best", "latest"):
        raise UploadRejected(f"the format must be one of {', '.join(EXPORTS)}, the policy best or latest")
    report = await blocking(class_report, course.store, policy, bank_of(course))
    text = class_report_document(report, fmt)
    media, name = EXPORTS[fmt]
    return _download(text.encode("utf-8"), f"{media}; charset=utf-8", name)


@page
async def regrade(request: Request) -> Response:
    from grader.server.web import regrading

    who = await viewer(request)
    need_instructor(who)
    submission_id = whole_number(request.path_params["submission_id"], "submission id")
    done = await blocking(regrading.regrade, course_of(request), submission_id)
    change = "unchanged" if done.new_score == done.old_score else f"was {points(done.old_score)}"
    return _back(
        request,
        done.student,
        f"Regraded attempt {done.attempt} of {done.student} (#{done.submission_id}): "
        f"{points(done.new_score)}/{points(done.max_score)} ({change}) for {', '.join(done.exercises)}; "
        "no attempt was spent.",
        f"attempt-{done.submission_id}",
    )


@page
async def override(request: Request) -> Response:
    from grader.service.overrides import override_score

    course, form = await _instructors_form(request)
    name = request.path_params["student"]
    score = _score(str(form.get("score", "")))
    kept = await blocking(
        override_score,
        course.store,
        name,
        str(form.get("exercise", "")),
        score,
        str(form.get("reason", "")),
        policy=course.settings.score_policy,
    )
    return _back(
        request,
        kept.student,
        f"{kept.student}'s {kept.exercise} now counts {points(kept.score)} points "
        f"(graded {points(kept.graded_score)}; kept with attempt {kept.attempt}). Reason: {kept.reason}",
        "overrides",
    )


@page
async def extend(request: Request) -> Response:
    from grader.service.extensions import extend_deadline

    who = await viewer(request)
    course, form = await _instructors_form(request)
    exercise = str(form.get("exercise", ""))
    deadline = _deadline(str(form.get("deadline", "")), course.settings.deadlines.get(exercise))
    kept = await blocking(
        extend_deadline,
        course.store,
        course.settings,
        request.path_params["student"],
        exercise,
        deadline,
        reason=str(form.get("reason", "")),
        granted_by=who.student,
    )
    return _back(
        request,
        kept.student,
        f"{kept.student}'s deadline for {kept.exercise} is now {_shown(deadline)}; "
        "it counts for attempts graded from now on (regrade earlier attempts to apply it to them).",
        "extensions",
    )


async def _instructors_form(request: Request) -> tuple[Course, FormData]:
    """The course and the form sent, once the sender is known to be an instructor."""
    need_instructor(await viewer(request))
    return course_of(request), await form_of(request)


def _back(request: Request, student: str, notice: str, anchor: str) -> Response:
    response = RedirectResponse(f"/class/students/{segment(student)}#{anchor}", status_code=303)
    leave_notice(response, request, web_of(request).signer, notice)
    return response


def _download(body: bytes, media: str, filename: str) -> Response:
    from urllib.parse import quote

    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)
    disposition = f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


def _score(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"the score must be a number of points, not {text[:40]!r}") from None


def _deadline(text: str, course_deadline: datetime | None) -> datetime:
    """A `datetime-local` field's value, in the time zone of the exercise's course deadline."""
    try:
        given = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError("the new deadline must be a date and time, e.g. 2025-03-08T23:59") from None
    if given.tzinfo is None:
        if course_deadline is None:
            raise ConfigError("that exercise has no deadline in the course to extend")
        given = given.replace(tzinfo=course_deadline.tzinfo)
    return given


def _shown(moment: datetime) -> str:
    from grader.server.web.templating import moment as shown

    return shown(moment)
