"""Cross-site request forgery protection for the pages: a signed double-submit token.

A page's forms carry a hidden `csrf_token` that is the server's signature over a random value
held in the browser's `grader_csrf` cookie (HttpOnly, SameSite=Strict). Every POST (or other
unsafe method) to a page must send a token that verifies and names that cookie's value, in
the form or in an `X-CSRF-Token` header; an `Origin` header, when the browser names one, must
be this site. A forged form on another site can make the browser send the cookie, but cannot
read it or sign a token for it, so it is refused with 403 before any handler runs.

This is an ASGI middleware, separate from the pages: it buffers the (small, capped) form
body, checks it, and hands the same body to the application. The JSON API (`/api/`) is not
covered: it takes bearer tokens, which a browser never sends by itself.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from itsdangerous import BadSignature
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.server.web.sessions import SESSION_SECONDS

if TYPE_CHECKING:
    from grader.server.web.sessions import Signer

CSRF_COOKIE = "grader_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 64 * 1024
EXEMPT = ("/api/",)
_VALUE_CHARS = 43  # secrets.token_urlsafe(32)


class CSRFProtection:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        signer: Signer = scope["app"].state.web.signer
        value = request.cookies.get(CSRF_COOKIE, "")
        fresh = not _plausible(value)
        if fresh:
            value = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = signer.csrf.dumps(value)

        if scope["method"] not in SAFE_METHODS:
            refusal = _foreign_origin(request)
            body = b""
            if refusal is None:
                body, refusal = await _read_body(receive)
            if refusal is None and (fresh or not _verifies(signer, _token(request, body), value)):
                refusal = "the form has expired or did not come from this site: reload the page and try again"
            if refusal is not None:
                status = 413 if refusal.startswith("the form is larger") else 403
                await _refuse(refusal, status)(scope, receive, send)
                return
            receive = _replay(body, receive)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and fresh:
                headers = MutableHeaders(scope=message)
                secure = "; Secure" if scope.get("scheme") == "https" else ""
                headers.append("set-cookie", f"{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _plausible(value: str) -> bool:
    return len(value) == _VALUE_CHARS and all(c.isalnum() or c in "-_" for c in value)


def _verifies(signer: Signer, token: str | None, value: str) -> bool:
    if not token:
        return False
    try:
        signed = signer.csrf.loads(token, max_age=SESSION_SECONDS)
    except BadSignature:
        return False
    return isinstance(signed, str) and secrets.compare_digest(signed, value)


def _token(request: Request, body: bytes) -> str | None:
    header = request.headers.get(HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=200)
    found = fields.get(FIELD)
    return found[0] if found else None


def _foreign_origin(request: Request) -> str | None:
    origin = request.headers.get("origin")
    if origin is None or origin == "null":  # not told (pages send no referrer): the token decides
        return None
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin != own:
        return "the form came from another site"
    return None


async def _read_body(receive: Receive) -> tuple[bytes, str | None]:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return bytes(body), "the browser went away"
        body += message.get("body", b"")
        if len(body) > MAX_FORM_BYTES:
            return b"", f"the form is larger than {MAX_FORM_BYTES // 1024} KiB"
        if not message.get("more_body", False):
            return bytes(body), None


def _replay(body: bytes, then: Receive) -> Receive:
    """The body read already, then whatever the connection says next (its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive


def _refuse(reason: str, status: int) -> Response:
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Refused</title>'
        '<link rel="stylesheet" href="/static/grader.css"></head><body><main id="main">'
        f'<h1>Refused</h1><p>{escape(reason)}.</p><p><a href="/">Back to the course</a></p></main></body></html>'
    )
    return HTMLResponse(page, status_code=status)
