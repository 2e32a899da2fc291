"""The saved login to a course server: a URL and a token, readable by this user only."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from grader.errors import ConfigError
from grader.settings import app_folder

SERVER_ENV, TOKEN_ENV = "GRADER_SERVER", "GRADER_TOKEN"


@dataclass(frozen=True)
class Login:
    server: str
    token: str
    student: str = ""
    role: str = ""
    """Who the server said the token belongs to, when it was saved ("" if not known)."""


def login_file() -> Path:
    return app_folder() / "login.json"


def server_url(text: str) -> str:
    """A course server's base URL, checked: http(s)://host[:port][/path], without a trailing slash."""
    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"not a server URL: {text[:100]!r} (expected e.g. https://grader.example.edu)")
    return url


def saved_login() -> Login | None:
    path = login_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise ConfigError(f"{path}: cannot read the saved login ({error}); run `grader logout`") from error
    if not isinstance(data, dict) or not isinstance(data.get("server"), str) or not isinstance(data.get("token"), str):
        raise ConfigError(f"{path}: not a login the grader saved; run `grader logout`")
    return Login(data["server"], data["token"], str(data.get("student", "")), str(data.get("role", "")))


def current_login(env: Mapping[str, str], given_server: str | None = None) -> Login | None:
    """The login to use: GRADER_SERVER/GRADER_TOKEN, else the saved one; `given_server`
    (`--server URL`) picks the server, with the token from the environment or the saved login."""
    saved = saved_login()
    server = given_server or env.get(SERVER_ENV, "").strip() or (saved.server if saved else "")
    if not server:
        return None
    server = server_url(server)
    token = env.get(TOKEN_ENV, "").strip()
    if not token and saved is not None and saved.server == server:
        token = saved.token
    if not token:
        raise ConfigError(f"no token for {server}: run `grader login {server} --token TOKEN` or set {TOKEN_ENV}")
    known = saved if saved is not None and saved.server == server and saved.token == token else None
    return Login(server, token, known.student if known else "", known.role if known else "")


def save_login(login: Login) -> Path:
    """Write the login readable by this user only (mode 0600, set before anything is written)."""
    path = login_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"server": login.server, "token": login.token, "student": login.student, "role": login.role})
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(data)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)
    return path


def forget_login() -> bool:
    try:
        login_file().unlink()
    except FileNotFoundError:
        return False
    return True
