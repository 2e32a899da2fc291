"""A student's commands: `grader submit`, `grader check` and `grader progress`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader.cli.options import json_option, uses, workspace_option
from grader.cli.remote import chosen_login, progress_remotely, server_options, submit_remotely
from grader.cli.terminal import echo
from grader.errors import ConfigError
from grader.settings import Settings


@click.command(short_help="Grade your exercises with the hidden tests and record the attempt.")
@click.argument("exercises", nargs=-1)
@workspace_option
@uses("student", "db", "course")
@server_options
@click.option("--resend", is_flag=True, help="Only send again uploads that got no answer from the server.")
@json_option
def submit(
    exercises: tuple[str, ...],
    workspace: Path,
    settings: Settings,
    server: str | None,
    local: bool,
    resend: bool,
    as_json: bool,
) -> None:
    """Grade your exercises (all, or those named) and record the attempt: on the course server
    when you are logged in to one, else on this machine.

    Exit status: 0 when every test passed, 1 when some failed, 2 for bad input, 3 when the
    course server cannot be reached (nothing was sent) or does not answer in time (the upload
    is kept and sent again by the next `grader submit`, never counted twice).
    """
    session = chosen_login(server, local)
    if session is not None:
        submit_remotely(session, workspace, exercises, resend_only=resend, as_json=as_json)
        return
    if resend:
        raise ConfigError("--resend sends uploads to a course server: log in first, or use --server URL")
    from grader.course import NO_COURSE
    from grader.service.submissions import submit_workspace_beside

    outcome = submit_workspace_beside(
        settings.db_url,
        workspace,
        exercises,
        student=settings.need_student(),
        course=settings.course or NO_COURSE,
    )
    if as_json:
        from grader import contracts

        echo(json.dumps(contracts.submission(outcome)))
    else:
        from grader.cli.render import format_sandbox_warning, format_submission

        warning = format_sandbox_warning(outcome.result.sandbox)
        if warning:
            echo(warning, err=True)
        echo(format_submission(outcome))
    sys.exit(0 if outcome.result.all_passed else 1)


@click.command(short_help="Try the worked examples in your files' docstrings; nothing is recorded.")
@click.argument("exercises", nargs=-1)
@workspace_option
@json_option
def check(exercises: tuple[str, ...], workspace: Path, as_json: bool) -> None:
    """Run the worked examples from your files' docstrings; nothing is graded or recorded.

    An example is a `>>>` line with the output it should give below it; setup lines (an
    import, an assignment) run but are not counted. A function's examples stop at its first
    failure: the ones after it usually depend on it.

    Exit status: 0 when every exercise checked has examples and all give the documented
    output; 1 when one does not, or an exercise has no examples to run; 2 for bad input.
    """
    from grader.grading.examples import check_examples

    reports = check_examples(workspace, exercises)
    if as_json:
        from grader import contracts

        echo(json.dumps(contracts.examples(reports)))
    else:
        from grader.cli.render import format_examples

        echo(format_examples(reports))
    sys.exit(0 if all(r.passed for r in reports) else 1)


@click.command(short_help="Your attempts, and the best and latest score per exercise.")
@uses("student", "db", helps={"student": "Whose attempts to show"})
@server_options
@json_option
def progress(settings: Settings, server: str | None, local: bool, as_json: bool) -> None:
    """Show a student's attempts and the best and latest score per exercise (from the course
    server when you are logged in to one).

    Exit status: 0, 2 for bad input, 3 when the course server cannot be reached.
    """
    session = chosen_login(server, local)
    if session is not None:
        progress_remotely(session, settings.student if settings.student_given else None, as_json)
        return
    from grader.service.submissions import student_progress
    from grader.store import open_store

    with open_store(settings.db_url) as store:
        report = student_progress(store, settings.need_student())
    if as_json:
        from grader import contracts

        echo(json.dumps(contracts.progress(report)))
    else:
        from grader.cli.render import format_progress

        echo(format_progress(report))
