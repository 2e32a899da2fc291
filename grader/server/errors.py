"""The one place where the grader's errors become HTTP answers: a status and `{"error": "one line"}`."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grader.errors import (
    AlreadyAnswered,
    AttemptsUsedUp,
    CoolingDown,
    DatabaseError,
    GraderError,
    NotAuthenticated,
    NotFoundError,
    PermissionDenied,
    TooFast,
    UploadRejected,
    UploadTooLarge,
)

log = logging.getLogger("grader.server")

STATUS = (
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (AttemptsUsedUp, 403),
    (NotFoundError, 404),
    (AlreadyAnswered, 409),
    (UploadTooLarge, 413),
    (UploadRejected, 422),
    (TooFast, 429),
    (CoolingDown, 429),
    (DatabaseError, 503),  # the server's database, not the request: try again shortly
    (GraderError, 422),
)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error as JSON; a lone surrogate a request smuggled into the message is escaped, since
    it is not UTF-8 and would otherwise fail the answer itself."""
    readable = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse({"error": readable}, status_code=status, headers=headers)


async def grader_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, GraderError)
    status = next(code for kind, code in STATUS if isinstance(error, kind))
    headers = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="grader"'
    if isinstance(error, TooFast):
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    if status == 503:
        headers["Retry-After"] = "5"
    return error_response(status, str(error), headers)


async def server_fault(request: Request, error: Exception) -> Response:
    """Anything else is the server's own fault: logged with its traceback, never shown."""
    log.exception("the server failed on %s %s", request.method, request.url.path)
    return error_response(500, "the grader failed on its side; try again later")
