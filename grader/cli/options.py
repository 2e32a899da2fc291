"""Options that several commands share, declared once, and the `Settings` they resolve to.

A command asks for settings with `@uses("db", "student", ...)`: the matching options are
added with one help text each, and the command receives a resolved `settings` argument
instead of the raw option values. `--json` and `--workspace` are plain options.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from grader.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def database_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A `--db` value as a URL: a plain path ending in .db stands for a SQLite file, as in every
    command that takes `--db`."""
    from grader.settings import resolve_db_url

    return resolve_db_url(value, {}) if value else value


_OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "db": (
        ("--db", "db_url"),
        {"metavar": "URL", "help": "SQLAlchemy database URL [default: $GRADER_DB, else grader.db in your app folder]."},
    ),
    "student": (
        ("--student",),
        {"metavar": "NAME", "help": "The student to act for [default: $GRADER_STUDENT, else your login name]."},
    ),
    "course": (
        ("--course", "course_file"),
        {
            "type": click.Path(path_type=Path),
            "metavar": "FILE|DIR",
            "help": "Course settings (deadlines, attempts), or a course folder (`grader course init`): its "
            "course.toml, suites and reference, and its grader.db unless --db is given "
            "[default: $GRADER_COURSE, else ./course.toml if there is one].",
        },
    ),
    "quizzes": (
        ("--quizzes", "quizzes_dir"),
        {
            "type": click.Path(path_type=Path),
            "metavar": "DIR",
            "help": "Folder of quiz files [default: $GRADER_QUIZZES, else ./quizzes, else the grader's own bank].",
        },
    ),
}
_PARAMETERS = {"db": "db_url", "student": "student", "course": "course_file", "quizzes": "quizzes_dir"}

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
workspace_option = click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    default=Path("exercises"),
    show_default=True,
    help="The folder holding your exercise files.",
)


def uses(*names: str, helps: Mapping[str, str] | None = None) -> Callable[[F], F]:
    """Add the shared options `names` to a command and hand it `settings: Settings` instead.

    `helps` words an option's help for this command (the default after it stays the same):
    `uses("student", helps={"student": "Whose progress to show"})`.
    """
    unknown = set(names) - set(_OPTIONS) | set(helps or {}) - set(names)
    if unknown:
        raise ValueError(f"no shared option {sorted(unknown)}")

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            given = {_PARAMETERS[name]: kwargs.pop(_PARAMETERS[name]) for name in names}
            debug = bool(click.get_current_context().find_root().params.get("debug"))
            kwargs["settings"] = Settings.resolve(**given, want=frozenset(names), debug=debug)
            return command(*args, **kwargs)

        for name in reversed(names):
            declarations, attributes = _OPTIONS[name]
            if helps and name in helps:
                default = attributes["help"][attributes["help"].index(" [default") :]
                attributes = {**attributes, "help": helps[name] + default}
            wrapper = click.option(*declarations, **attributes)(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate
