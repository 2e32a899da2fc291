"""The `grader` command line: parse options, call one library function, print.

Every `GraderError` raised below becomes `Error: <message>` on stderr with exit status 2.
Heavy modules (numpy, pytest, SQLAlchemy, rich) are imported inside the commands that use
them, so `grader --help` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grader.errors import GraderError
from grader.settings import default_db_url, default_student

if TYPE_CHECKING:
    from grader.course import CourseSettings


class BadInput(click.ClickException):
    """A `GraderError` on its way out: one line, exit status 2."""

    exit_code = 2


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as error:
            raise BadInput(str(error)) from None


db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="SQLAlchemy database URL [default: $GRADER_DB, else grader.db in your app folder].",
)
student_option = click.option(
    "--student", metavar="NAME", help="Who is submitting [default: $GRADER_STUDENT, else your login]."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
course_option = click.option(
    "--course",
    "course_file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Course settings (deadlines, attempts) [default: $GRADER_COURSE, else ./course.toml if there is one].",
)
workspace_option = click.option(
    "--workspace",
    type=click.Path(path_type=Path),
    default=Path("exercises"),
    show_default=True,
    help="The folder holding your exercise files.",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nn-grader", prog_name="grader")
def main() -> None:
    """Auto-graded numpy exercises and quizzes for Neural Networks Fundamentals.

    Edit the files in exercises/, try the lesson's examples with `grader check`, then
    `grader submit` to be graded by the hidden tests.
    """


@main.command()
@click.argument("exercises", nargs=-1)
@workspace_option
@student_option
@db_option
@course_option
@json_option
def submit(
    exercises: tuple[str, ...],
    workspace: Path,
    student: str | None,
    db_url: str | None,
    course_file: Path | None,
    as_json: bool,
) -> None:
    """Grade your exercises (all, or those named) and record the attempt.

    Exit status: 0 when every test passed, 1 when some failed, 2 for bad input.
    """
    from grader.service.submissions import submit_workspace

    outcome = submit_workspace(
        workspace,
        exercises,
        student=student or default_student(),
        db_url=db_url or default_db_url(),
        course=_course(course_file),
    )
    if as_json:
        click.echo(json.dumps(outcome.to_dict()))
    else:
        from grader.cli.render import format_sandbox_warning, format_submission

        warning = format_sandbox_warning(outcome.result.sandbox)
        if warning:
            click.echo(warning, err=True)
        click.echo(format_submission(outcome))
    sys.exit(0 if outcome.result.all_passed else 1)


@main.command()
@click.argument("exercises", nargs=-1)
@workspace_option
@json_option
def check(exercises: tuple[str, ...], workspace: Path, as_json: bool) -> None:
    """Run the worked examples from your files' docstrings; nothing is graded or recorded.

    Exit status: 0 when every example gives the documented output, 1 otherwise.
    """
    from grader.grading.examples import check_examples

    reports = check_examples(workspace, exercises)
    if as_json:
        click.echo(json.dumps({"exercises": [r.to_dict() for r in reports]}))
    else:
        from grader.cli.render import format_examples

        click.echo(format_examples(reports))
    sys.exit(0 if all(r.passed for r in reports) else 1)


@main.command()
@student_option
@db_option
@json_option
def progress(student: str | None, db_url: str | None, as_json: bool) -> None:
    """Show a student's attempts and the best and latest score per exercise."""
    from grader.service.submissions import student_progress

    report = student_progress(student or default_student(), db_url or default_db_url())
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        from grader.cli.render import format_progress

        click.echo(format_progress(report))


@main.command()
@click.argument("submissions", type=click.Path(path_type=Path))
@db_option
@click.option(
    "--jobs", type=click.IntRange(min=1), metavar="N", help="Students graded at once [default: one per core]."
)
@course_option
@json_option
def grade(submissions: Path, db_url: str | None, jobs: int | None, course_file: Path | None, as_json: bool) -> None:
    """Grade a class: every folder in SUBMISSIONS is one student's workspace, named after them.

    Each student is graded and recorded exactly as `grader submit` would. Exit status: 0 when
    every student was graded, 1 when some could not be (listed at the end), 2 for bad input.
    """
    from grader.service.batch import grade_class

    with _progress("grading") as hook:
        result = grade_class(
            submissions, db_url=db_url or default_db_url(), jobs=jobs, course=_course(course_file), on_progress=hook
        )
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        from grader.report.summary import format_batch

        click.echo(format_batch(result))
    sys.exit(1 if result.failed else 0)


@main.command()
@db_option
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
@course_option
def report(
    db_url: str | None,
    fmt: str,
    output: Path | None,
    policy: str | None,
    student: str | None,
    source: int | None,
    path: str | None,
    course_file: Path | None,
) -> None:
    """The class gradebook, where students struggle (exercises, hidden tests, quiz questions),
    or one student's history."""
    from grader.report import history
    from grader.report.formats import format_class_report
    from grader.service import submissions as service

    db = db_url or default_db_url()
    if source is not None:
        text = history.format_source(service.submission_source(source, db, path)[1], path)
    elif student is not None:
        attempts = service.student_history(student, db)
        text = (
            json.dumps(history.history_to_dict(student.strip(), attempts), indent=2)
            if fmt == "json"
            else history.format_history(student.strip(), attempts)
        )
    else:
        chosen = policy or _course(course_file).score_policy
        text = format_class_report(service.class_report(db, chosen), fmt, _width())  # type: ignore[arg-type]
    _write(text, output)


def _course(course_file: Path | None) -> CourseSettings:
    from grader.course import find_course_file, load_course

    return load_course(find_course_file(course_file, os.environ, Path.cwd()))


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar on stderr while the block runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total, student: bar.update(
            task, completed=done, total=total, description=f"{label} {student}"
        )


def _width() -> int:
    import shutil

    return max(80, shutil.get_terminal_size((100, 24)).columns)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        from grader.errors import InputFileError

        raise InputFileError(output, f"cannot write the report: {error.strerror or error}") from error
    click.echo(f"Wrote {output}", err=True)


def _register_subcommands() -> None:
    from grader.cli.quiz import quiz

    main.add_command(quiz)


_register_subcommands()
