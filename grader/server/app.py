"""The ASGI application of `grader serve`: one course, one database, its graders.

`create_app(course)` returns a Starlette application; uvicorn (or any ASGI server) runs it.
The course's store opens when the application starts and its graders start with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.course import CourseSettings
from grader.errors import GraderError
from grader.server import api, practice_api, quiz_api
from grader.server.errors import grader_error, server_fault
from grader.server.limits import SubmissionRate
from grader.server.web import pages as web
from grader.server.web.csrf import CSRFProtection
from grader.store import Store


class Grading(Protocol):
    """What grades received submissions: the server's own pool, or a job queue's workers."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def on_stored(self, session: Any, submission_id: int) -> None:
        """In the upload's transaction (a queue defers its job here, atomically)."""

    def submitted(self, submission_id: int, student: str) -> None:
        """After the upload committed."""

    def state(self) -> dict[str, int]: ...


@dataclass
class Course:
    """Everything a request needs: the course's store, its settings, its graders and limits."""

    store: Store
    settings: CourseSettings
    grading: Grading
    files_by_exercise: dict[str, str]
    quizzes_dir: Path | None = None
    """The course's question bank: the report has a column for each of its quizzes."""
    folder: Path | None = None
    """The course folder: it keeps the web pages' signing secret (see grader.server.web.sessions)."""
    rate: SubmissionRate = field(default_factory=lambda: SubmissionRate(per_minute=20))


def routes() -> list[Route]:
    return [
        Route("/api/v1/health", api.health),
        Route("/api/v1/me", api.me),
        Route("/api/v1/course", api.course_info),
        Route("/api/v1/submissions", api.post_submission, methods=["POST"]),
        Route("/api/v1/submissions/{submission_id}", api.get_submission),
        Route("/api/v1/submissions/{submission_id}/source", api.get_source),
        Route("/api/v1/class/submissions", api.post_class_submission, methods=["POST"]),
        Route("/api/v1/progress", api.get_progress),
        Route("/api/v1/students/{student}/history", api.get_history),
        Route("/api/v1/report", api.get_report),
        Route("/api/v1/quizzes", quiz_api.list_quizzes),
        Route("/api/v1/quizzes/{quiz_id}/sittings", quiz_api.start_sitting, methods=["POST"]),
        Route("/api/v1/quizzes/{quiz_id}/attempts", quiz_api.post_attempt, methods=["POST"]),
        Route("/api/v1/quiz-sittings/{sitting_id}/answers", quiz_api.answer_sitting, methods=["POST"]),
        Route("/api/v1/quiz-sittings/{sitting_id}/stop", quiz_api.stop_sitting, methods=["POST"]),
        Route("/api/v1/practice", practice_api.practice_state),
        Route("/api/v1/practice/answers", practice_api.practice_answer, methods=["POST"]),
        Route("/api/v1/openapi.json", openapi),
    ]


async def openapi(request: Any) -> Any:
    from starlette.responses import JSONResponse

    from grader.server.openapi import document

    return JSONResponse(document())


CONTENT_SECURITY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Pages load scripts, styles and images from this server only, run no inline script, and are
never framed; student text that escaped its escaping still could not run."""


class SecurityHeaders:
    """Answers are data or pages never to sniff, frame, cache or send a referrer from."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                    (b"content-security-policy", CONTENT_SECURITY.encode()),
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(course: Course) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        course.grading.start()
        try:
            yield
        finally:
            course.grading.stop()

    app = Starlette(
        routes=[*routes(), *web.page_routes()],
        lifespan=lifespan,
        exception_handlers={GraderError: grader_error, Exception: server_fault},
        middleware=[Middleware(SecurityHeaders), Middleware(CSRFProtection)],
    )
    app.state.course = course
    app.state.web = web.web_state(course)
    return app
