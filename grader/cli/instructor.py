"""An instructor's commands: `grader grade` a class and `grader report` on it."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli.options import json_option, uses
from grader.cli.remote import grade_remotely, report_remotely, server_options, staff_login
from grader.errors import InputFileError
from grader.settings import Settings

if TYPE_CHECKING:
    from grader.course import ScorePolicy
    from grader.store import Store


@click.command()
@click.argument("submissions", type=click.Path(path_type=Path))
@uses("db", "course")
@click.option(
    "--jobs", type=click.IntRange(min=1), metavar="N", help="Students graded at once [default: one per core]."
)
@server_options
@json_option
def grade(
    submissions: Path, settings: Settings, jobs: int | None, server: str | None, local: bool, as_json: bool
) -> None:
    """Grade a class: every folder in SUBMISSIONS is one student's workspace, named after them.

    Each student is graded and recorded exactly as `grader submit` would: here, or on the
    course server (`--server URL`, or logged in as an instructor). Exit status: 0 when every
    student was graded, 1 when some could not be (listed at the end), 2 for bad input, 3 when
    the server cannot be reached.
    """
    from grader.course import NO_COURSE
    from grader.service.batch import grade_class
    from grader.store import open_store

    session = staff_login(server, local)
    if session is not None:
        result = grade_remotely(session, submissions)
    else:
        with open_store(settings.db_url) as store, _progress_bar("grading") as hook:
            result = grade_class(store, submissions, jobs=jobs, course=settings.course or NO_COURSE, on_progress=hook)
    if as_json:
        from grader import contracts

        click.echo(json.dumps(contracts.batch(result)))
    else:
        from grader.cli.render import format_batch

        click.echo(format_batch(result))
    sys.exit(1 if result.failed else 0)


@click.command()
@uses("db", "course")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "html"]),
    default="table",
    show_default=True,
    help="csv is for an LMS gradebook import; html is one page with charts.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write to FILE instead of the terminal.",
)
@click.option(
    "--policy",
    type=click.Choice(["best", "latest"]),
    help="Which attempt counts [default: the course file's `score`, else best].",
)
@click.option("--student", metavar="NAME", help="Instead: every attempt of NAME with its per-test feedback.")
@click.option("--source", type=int, metavar="ID", help="Instead: the files submitted in attempt ID.")
@click.option("--file", "path", metavar="NAME", help="With --source: only this file, exactly as submitted.")
@server_options
def report(
    settings: Settings,
    fmt: str,
    output: Path | None,
    policy: str | None,
    student: str | None,
    source: int | None,
    path: str | None,
    server: str | None,
    local: bool,
) -> None:
    """The class gradebook, where students struggle (exercises, hidden tests, quiz questions),
    or one student's history: from this machine's database, or the course server's
    (`--server URL`, or logged in as a TA or instructor).

    Exit status: 0, 2 for bad input (an unknown student or submission, say), 3 when the server
    cannot be reached.
    """
    from grader.store import open_store

    session = staff_login(server, local)
    if session is not None:
        text = report_remotely(
            session, fmt=fmt, policy=policy, width=_width(), student=student, source=source, path=path
        )
        _write(text, output)
        return
    with open_store(settings.db_url) as store:
        if source is not None:
            text = _source(store, source, path)
        elif student is not None:
            text = _history(store, student, fmt)
        else:
            chosen: ScorePolicy = policy or (settings.course.score_policy if settings.course else "best")  # type: ignore[assignment]  # a Choice
            text = _class_report(store, chosen, fmt)
    _write(text, output)


def _source(store: Store, submission_id: int, path: str | None) -> str:
    from grader.report.history import format_source
    from grader.service.submissions import submission_source

    _, files = submission_source(store, submission_id, path)
    return format_source(files, path)


def _history(store: Store, student: str, fmt: str) -> str:
    from grader.report.history import format_history
    from grader.service.submissions import student_history

    attempts = student_history(store, student)
    name = attempts[0].student
    if fmt == "json":
        from grader import contracts

        return json.dumps(contracts.history(name, attempts), indent=2)
    return format_history(name, attempts)


def _class_report(store: Store, policy: ScorePolicy, fmt: str) -> str:
    from grader.report.formats import format_class_report
    from grader.service.reports import class_report

    return format_class_report(class_report(store, policy), fmt, _width())  # type: ignore[arg-type]  # a Choice


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar on stderr while the block runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total, student: bar.update(
            task, completed=done, total=total, description=f"{label} {student}"
        )


def _width() -> int:
    return max(80, shutil.get_terminal_size((100, 24)).columns)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputFileError(output, f"cannot write the report: {error.strerror or error}") from error
    click.echo(f"Wrote {output}", err=True)
