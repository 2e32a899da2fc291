"""Signing in and out. The instructor sends each person a link with their token
(`/login?token=...`); the page asks them to confirm, so that a link planted elsewhere cannot
sign anyone in unawares; or they paste the token once. Then a session cookie keeps them
signed in (see `grader.server.web.sessions`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grader.errors import NotAuthenticated
from grader.server.api import blocking, course_of
from grader.server.web.guard import form_of, page, viewer, web_of
from grader.server.web.sessions import NotSignedIn, leave_notice, sign_in, sign_out
from grader.server.web.templating import render

MAX_TOKEN_CHARS = 200


@page
async def home(request: Request) -> Response:
    """Where a signed-in person starts: their own work, or the class for its staff."""
    who = await viewer(request)
    return RedirectResponse("/class" if who.reads_the_class else "/me", status_code=303)


@page
async def login_page(request: Request) -> Response:
    from grader.service.enrolment import authenticate

    token = request.query_params.get("token", "").strip()[:MAX_TOKEN_CHARS]
    try:
        current = await viewer(request)
    except NotSignedIn:
        current = None
    holder, problem = None, None
    if token:
        try:
            holder = await blocking(authenticate, course_of(request).store, token)
        except NotAuthenticated:
            problem = "This link's token is not valid: it was revoked, or replaced by a newer one. Ask for a new link."
    return render(request, "login.html", who=current, token=token if holder else "", holder=holder, problem=problem)


@page
async def login(request: Request) -> Response:
    from grader.service.enrolment import authenticate, token_hash

    form = await form_of(request)
    token = str(form.get("token", "")).strip()[:MAX_TOKEN_CHARS]
    try:
        who = await blocking(authenticate, course_of(request).store, token)
    except NotAuthenticated:
        problem = "That token is not valid: check that you pasted all of it, or ask for a new one."
        return render(request, "login.html", status=401, who=None, token="", holder=None, problem=problem)
    response = RedirectResponse("/", status_code=303)
    sign_in(response, request, web_of(request).signer, token_hash(token))
    leave_notice(response, request, web_of(request).signer, f"Signed in as {who.student} ({who.role}).")
    return response


async def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    sign_out(response, request)
    leave_notice(response, request, web_of(request).signer, "Signed out.")
    return response
