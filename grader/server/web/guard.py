"""Who is asking, and may they: the signed-in person of a page request, and the one place
where a page's errors become pages.

`page` wraps every page handler: a request without a valid session is sent to sign in, and a
`GraderError` becomes a page with the status the API would answer (`grader.server.errors`):
403 for a role that may not, 404 for what is not theirs to see, 422 for bad input; any other
exception is the grader's own fault, logged and shown as a page with status 500.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grader.errors import GraderError, NotAuthenticated, PermissionDenied, UploadRejected
from grader.server.api import blocking, course_of
from grader.server.errors import STATUS
from grader.server.web.sessions import SESSION_COOKIE, NotSignedIn, Signer, sign_out

if TYPE_CHECKING:
    from grader.server.web.live import ChangeFeed
    from grader.service.enrolment import Principal

Handler = Callable[[Request], Awaitable[Response]]
log = logging.getLogger("grader.server")


@dataclass
class WebState:
    """What the pages share in one server process."""

    signer: Signer
    feed: ChangeFeed
    synced_bank: dict[str, float] = field(default_factory=dict)
    """The quiz files (path -> mtime) last loaded into the database, to load them again only
    when they change."""


def web_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


async def viewer(request: Request) -> Principal:
    """The signed-in person; NotSignedIn without a valid session (or a revoked token)."""
    from grader.service.enrolment import holder_of

    digest = web_of(request).signer.token_digest(request.cookies.get(SESSION_COOKIE))
    try:
        who: Principal = await blocking(holder_of, course_of(request).store, digest)
    except NotAuthenticated:
        raise NotSignedIn from None
    request.state.who = who
    return who


async def form_of(request: Request) -> FormData:
    """The fields of a page's form (URL-encoded, as every form here is; the CSRF layer has
    capped its size already). Parsed here rather than by `request.form()`, which would need
    python-multipart for what the standard library does."""
    from urllib.parse import parse_qsl

    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        raise UploadRejected("send the page's form as it is (application/x-www-form-urlencoded)")
    body = (await request.body()).decode("utf-8", "replace")
    try:
        fields: list[tuple[str, str | UploadFile]] = list(parse_qsl(body, keep_blank_values=True, max_num_fields=200))
        return FormData(fields)
    except ValueError:
        raise UploadRejected("the form has too many fields") from None


def need_staff(who: Principal) -> None:
    if not who.reads_the_class:
        raise PermissionDenied("this page is for the course's TAs and instructors")


def need_instructor(who: Principal) -> None:
    if not who.changes_grades:
        raise PermissionDenied("only the course's instructors may do this")


def page(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        try:
            return await handler(request)
        except NotSignedIn:
            response = RedirectResponse("/login", status_code=303)
            if SESSION_COOKIE in request.cookies:
                sign_out(response, request)  # an expired or revoked session: forget it
            return response
        except GraderError as error:
            return error_page(request, error)
        except Exception:  # the grader's own fault: logged with its traceback, never shown
            log.exception("the page %s %s failed", request.method, request.url.path)
            return error_page(request, None)

    return guarded


def error_page(request: Request, error: GraderError | None) -> Response:
    """The page for `error`, or (None) for a failure of the grader's own."""
    from grader.server.web.templating import render

    if error is None:
        message, status = "the grader failed on its side; try again later", 500
        return render(request, "error.html", status=status, status_code=status, message=message, who=None)
    status = next(code for kind, code in STATUS if isinstance(error, kind))
    who = getattr(request.state, "who", None)
    return render(request, "error.html", status=status, status_code=status, message=str(error), who=who)
