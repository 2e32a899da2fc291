"""Settings resolved once, at the edge, and passed down explicitly.

A command (or a web request) turns its options and the environment into one `Settings`;
everything below takes plain values from it. Each default reads its environment variable
when it is resolved (not at import), so tests and wrappers can set them per invocation.
Only click and the standard library are imported: `grader --help` must stay fast.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.errors import ConfigError, DatabaseError
from grader.students import student_name

if TYPE_CHECKING:
    from grader.course import CourseSettings

APP_NAME = "grader"
IN_MEMORY_SQLITE = re.compile(r"sqlite(\+\w+)?://(/(:memory:)?)?(\?.*)?\Z")
DB_ENV, STUDENT_ENV, QUIZZES_ENV = "GRADER_DB", "GRADER_STUDENT", "GRADER_QUIZZES"


def app_folder() -> Path:
    """The user's application folder (`~/.config/grader` on Linux), for the default database."""
    return Path(click.get_app_dir(APP_NAME))


@dataclass(frozen=True)
class Settings:
    """What a command was given, with every default filled in.

    Only what the command asked for is resolved: `student` is None for a command that acts
    for nobody in particular, so that a missing login name is not an error there.
    """

    db_url: str = ""
    db_chosen: bool = False
    """The database was chosen (--db, GRADER_DB or a course folder), not the default in the user's folder."""
    student: str | None = None
    student_given: bool = False
    """The student was named with --student (not a default): a course server then acts for them."""
    course: CourseSettings | None = None
    quizzes_dir: Path | None = None
    debug: bool = False
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def resolve(
        cls,
        *,
        db_url: str | None = None,
        student: str | None = None,
        course_file: Path | None = None,
        quizzes_dir: Path | None = None,
        want: frozenset[str] = frozenset(),
        debug: bool = False,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Settings:
        """Resolve the settings named in `want` ("db", "student", "course", "quizzes")."""
        env = dict(os.environ if env is None else env)
        cwd = cwd or Path.cwd()
        course = None
        folder = None
        if "course" in want:
            from grader.course import COURSE_ENV, find_course_file, load_course

            given = course_file or (Path(env[COURSE_ENV]) if env.get(COURSE_ENV, "").strip() else None)
            if given is not None and given.is_dir():
                folder = use_course_folder(given)
                course = load_course(folder / "course.toml" if (folder / "course.toml").is_file() else None)
            else:
                course = load_course(find_course_file(course_file, env, cwd))
        return cls(
            db_url=resolve_db_url(db_url, env, folder) if "db" in want else "",
            db_chosen=bool((db_url or "").strip() or env.get(DB_ENV, "").strip() or folder),
            student=resolve_student(student, env) if "student" in want else None,
            student_given=student is not None,
            course=course,
            quizzes_dir=resolve_quizzes_dir(quizzes_dir, env, cwd) if "quizzes" in want else None,
            debug=debug,
            env=env,
        )

    def need_student(self) -> str:
        if self.student is None:
            raise ConfigError("this needs a student name: use --student NAME or set GRADER_STUDENT")
        return self.student


def use_course_folder(given: Path) -> Path:
    """A course folder given as --course: checked, and its suites and reference made the ones
    this process grades with (a command serves one course)."""
    from grader.grading.exercises import use_course_content
    from grader.pack import load_pack

    pack = load_pack(given)
    use_course_content(pack.content)
    return pack.root


def resolve_db_url(given: str | None, env: Mapping[str, str], course_folder: Path | None = None) -> str:
    """`--db`, else `GRADER_DB`, else the course folder's `grader.db`, else `grader.db` in the
    user's app folder (created if need be). A plain file path stands for a SQLite file.

    An in-memory database is refused: an attempt recorded there would be lost at exit.
    """
    url = (given if given is not None else env.get(DB_ENV, "")).strip()
    if url:
        if IN_MEMORY_SQLITE.match(url):
            raise DatabaseError(f"{url!r} is an in-memory database, lost when the command ends: give a file")
        if "://" not in url and url.endswith((".db", ".sqlite", ".sqlite3")):
            return f"sqlite:///{Path(url).expanduser().resolve()}"
        return url
    if course_folder is not None:
        return f"sqlite:///{course_folder / 'grader.db'}"
    folder = app_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseError(f"cannot create the grader's folder {folder}: {error.strerror}") from error
    return f"sqlite:///{folder / 'grader.db'}"


def resolve_student(given: str | None, env: Mapping[str, str]) -> str:
    """`--student` (an empty one is an error), else `GRADER_STUDENT`, else the login name."""
    if given is not None:
        return student_name(given)
    configured = env.get(STUDENT_ENV, "").strip()
    if configured:
        return student_name(configured)
    try:
        return student_name(getpass.getuser())
    except (OSError, KeyError) as error:
        raise ConfigError("cannot tell who you are: use --student NAME or set GRADER_STUDENT") from error


def resolve_quizzes_dir(given: Path | None, env: Mapping[str, str], cwd: Path) -> Path:
    """`--quizzes`, else `GRADER_QUIZZES`, else `./quizzes` if there is one, else the bank
    installed with the grader."""
    if given is not None:
        return given
    configured = env.get(QUIZZES_ENV, "").strip()
    if configured:
        return Path(configured)
    local = cwd / "quizzes"
    if local.is_dir():
        return local
    return bundled_quizzes_dir()


def bundled_quizzes_dir() -> Path:
    """The quiz bank installed with the grader: the package data of `grader.quizzes` (the
    repository's quizzes/ folder, which an editable install maps to the same name)."""
    from importlib.util import find_spec

    spec = find_spec("grader.quizzes")
    if spec is None or not spec.submodule_search_locations:
        # an editable install made before the bank became package data: the repository's folder
        return Path(__file__).resolve().parent.parent / "quizzes"
    return Path(next(iter(spec.submodule_search_locations))).resolve()
