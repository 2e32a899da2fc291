"""Signing in on the web: a signed session cookie, and one-time notices after a form.

The session cookie holds the SHA-256 of the person's token (never the token) with the time it
was signed, signed with the server's secret (itsdangerous). Every request looks the hash up,
so revoking or replacing a token ends its sessions at once. Cookies are HttpOnly,
SameSite=Lax, and Secure when the page was asked for over HTTPS (behind a proxy, uvicorn
takes the scheme from X-Forwarded-Proto).

The secret is `$GRADER_SECRET_KEY`, else the file `web-secret.key` in the course folder (made
on first start, readable by its owner only), so that sessions outlive a restart and several
server processes share them. It is never in the database: a copy of the database must not
let anyone forge a session.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from grader.errors import ConfigError

SESSION_COOKIE = "grader_session"
NOTICE_COOKIE = "grader_notice"
SESSION_SECONDS = 14 * 24 * 3600
NOTICE_SECONDS = 120
SECRET_ENV = "GRADER_SECRET_KEY"
SECRET_FILE = "web-secret.key"
MIN_SECRET_CHARS = 32


class NotSignedIn(Exception):
    """The request has no valid session: the page sends the person to sign in."""


def load_secret(folder: Path | None, env: Mapping[str, str] = os.environ) -> str:
    """The signing secret: `$GRADER_SECRET_KEY`, else the course folder's key file (created
    now if missing), else (no folder: a course built in a test) a new one for this process."""
    given = env.get(SECRET_ENV, "").strip()
    if given:
        if len(given) < MIN_SECRET_CHARS:
            raise ConfigError(f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters")
        return given
    if folder is None:
        return secrets.token_urlsafe(32)
    path = folder / SECRET_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror}") from error
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {getattr(error, 'strerror', None) or error}") from error
    if len(text) < MIN_SECRET_CHARS:
        raise ConfigError(f"{path} holds no usable secret: delete it and a new one is made")
    return text


class Signer:
    """Signs what the server hands the browser: the session, notices, CSRF tokens."""

    def __init__(self, secret: str) -> None:
        self._shuffle_key = hashlib.sha256(f"grader.shuffle:{secret}".encode()).digest()
        self._session = URLSafeTimedSerializer(secret, salt="grader.session")
        self._notice = URLSafeTimedSerializer(secret, salt="grader.notice")
        self.csrf = URLSafeTimedSerializer(secret, salt="grader.csrf")

    def shuffle_seed(self, seed: int, student: str) -> int:
        """The seed of the option shuffle for a practice ticket's `seed`: the ticket travels with
        the client, which must not be able to pick or work out the order (the author's order
        often puts the right option first). The same on every server process of the course."""
        digest = hmac.new(self._shuffle_key, f"{student}\0{seed}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")

    def session_cookie(self, token_digest: str) -> str:
        return self._session.dumps({"h": token_digest})

    def token_digest(self, cookie: str | None) -> str:
        """The token hash a session cookie holds; NotSignedIn for none, a forged or an old one."""
        if not cookie:
            raise NotSignedIn
        try:
            data: Any = self._session.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:
            raise NotSignedIn from None
        if not isinstance(data, dict) or not isinstance(data.get("h"), str):
            raise NotSignedIn
        return str(data["h"])

    def notice_cookie(self, text: str) -> str:
        return self._notice.dumps(text)

    def notice(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            text: Any = self._notice.loads(cookie, max_age=NOTICE_SECONDS)
        except BadSignature:
            return None
        return text if isinstance(text, str) else None


def cookie_flags(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


def sign_in(response: Response, request: Request, signer: Signer, token_digest: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, signer.session_cookie(token_digest), max_age=SESSION_SECONDS, **cookie_flags(request)
    )


def sign_out(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, **cookie_flags(request))


def leave_notice(response: Response, request: Request, signer: Signer, text: str) -> None:
    """A line for the next page to show once ("Regraded attempt 3: 14/18")."""
    response.set_cookie(NOTICE_COOKIE, signer.notice_cookie(text), max_age=NOTICE_SECONDS, **cookie_flags(request))


def take_notice(request: Request, response: Response, signer: Signer) -> None:
    """Forget the notice the page just showed."""
    if NOTICE_COOKIE in request.cookies:
        response.delete_cookie(NOTICE_COOKIE, **cookie_flags(request))
