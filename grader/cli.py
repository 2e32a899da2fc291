"""The `grader` command line: parse options, call one library function, print.

Every `GraderError` raised below becomes `Error: <message>` on stderr with exit status 2.
Heavy modules (numpy, pytest, SQLAlchemy, rich) are imported inside the commands that use
them, so `grader --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from grader.errors import GraderError
from grader.settings import default_db_url, default_student


class BadInput(click.ClickException):
    """A `GraderError` on its way out: one line, exit status 2."""

    exit_code = 2


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as error:
            raise BadInput(str(error)) from None


db_option = click.option("--db", "db_url", metavar="URL",
                         help="SQLAlchemy database URL [default: $GRADER_DB, else grader.db in your app folder].")
student_option = click.option("--student", metavar="NAME", help="Who is submitting [default: $GRADER_STUDENT, else your login].")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
workspace_option = click.option(
    "--workspace", type=click.Path(path_type=Path), default=Path("exercises"), show_default=True,
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
@json_option
def submit(exercises: tuple[str, ...], workspace: Path, student: str | None, db_url: str | None, as_json: bool) -> None:
    """Grade your exercises (all, or those named) and record the attempt.

    Exit status: 0 when every test passed, 1 when some failed, 2 for bad input.
    """
    from grader.service import submit_workspace

    outcome = submit_workspace(workspace, exercises, student=student or default_student(), db_url=db_url or default_db_url())
    if as_json:
        click.echo(json.dumps(outcome.to_dict()))
    else:
        from grader.render import format_sandbox_warning, format_submission

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
    from grader.examples import check_examples

    reports = check_examples(workspace, exercises)
    if as_json:
        click.echo(json.dumps({"exercises": [r.to_dict() for r in reports]}))
    else:
        from grader.render import format_examples

        click.echo(format_examples(reports))
    sys.exit(0 if all(r.passed for r in reports) else 1)


@main.command()
@student_option
@db_option
@json_option
def progress(student: str | None, db_url: str | None, as_json: bool) -> None:
    """Show a student's attempts and the best and latest score per exercise."""
    from grader.service import student_progress

    report = student_progress(student or default_student(), db_url or default_db_url())
    if as_json:
        click.echo(json.dumps(report.to_dict()))
    else:
        from grader.render import format_progress

        click.echo(format_progress(report))


def _register_subcommands() -> None:
    from grader.quiz_cli import quiz

    main.add_command(quiz)


_register_subcommands()
