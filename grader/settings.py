"""Settings resolved once, at the command line's edge, and passed down explicitly.

Each default reads its environment variable when a command runs (not at import), so tests
and wrappers can set them per invocation. Only click and the standard library are imported:
`grader --help` must stay fast.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from grader.errors import ConfigError


def default_db_url() -> str:
    """`GRADER_DB`, else a SQLite file in the user's application folder."""
    url = os.environ.get("GRADER_DB", "").strip()
    if url:
        return url
    return f"sqlite:///{Path(click.get_app_dir('grader')) / 'grader.db'}"


def default_student() -> str:
    """`GRADER_STUDENT`, else the login name."""
    name = os.environ.get("GRADER_STUDENT", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError) as error:
        raise ConfigError("cannot tell who you are: use --student NAME or set GRADER_STUDENT") from error


def default_quizzes_dir() -> Path:
    """`GRADER_QUIZZES`, else `./quizzes` if there is one, else the bank beside the package."""
    configured = os.environ.get("GRADER_QUIZZES", "").strip()
    if configured:
        return Path(configured)
    local = Path.cwd() / "quizzes"
    if local.is_dir():
        return local
    return Path(__file__).resolve().parent.parent / "quizzes"
