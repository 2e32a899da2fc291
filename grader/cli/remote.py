"""The command line against a course server: `grader login` and `logout`, and the course-mode
halves of `submit`, `progress`, `report` and `grade`.

Each prints exactly what the local command prints, from the server's records: the server
grades, this side renders. Exit statuses are the local ones, plus 3 when the server cannot be
reached or does not answer in time.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from grader.cli.terminal import echo
from grader.client.login import Login
from grader.errors import GraderError

if TYPE_CHECKING:
    from grader.client.http import CourseClient
    from grader.client.pending import PendingUpload
    from grader.service.batch import BatchResult
    from grader.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def server_options(command: F) -> F:
    """`--server URL` and `--local`: which way a command works when the user is logged in.
    A server that cannot be reached is reported with the way out: `--local`."""

    @functools.wraps(command)
    def with_way_out(*args: Any, **kwargs: Any) -> Any:
        from grader.errors import ServerUnreachable

        try:
            return command(*args, **kwargs)
        except ServerUnreachable as error:
            raise ServerUnreachable(f"{error}; --local works on this machine") from error

    with_local = click.option(
        "--local", is_flag=True, help="Work on this machine even when logged in to a course server."
    )(with_way_out)
    return cast(
        F,
        click.option(
            "--server",
            metavar="URL",
            help="The course server to use [default: $GRADER_SERVER, else the one you logged in to].",
        )(with_local),
    )


def chosen_login(server: str | None, local: bool) -> Login | None:
    """The login to use, or None to work locally."""
    import os

    from grader.client.login import current_login
    from grader.errors import ConfigError

    if local:
        if server:
            raise ConfigError("--server and --local contradict each other: choose one")
        return None
    return current_login(os.environ, server)


@click.command()
@click.argument("url")
@click.option("--token", required=True, metavar="TOKEN", help="The token your instructor sent you.")
def login(url: str, token: str) -> None:
    """Log in to a course server: `grader submit`, `progress` and `quiz take` then use it.

    The URL and token are saved in your config folder, readable by you only.

    Exit status: 0, 2 when the server does not know the token, 3 when it cannot be reached.
    """
    from grader.client.http import CourseClient
    from grader.client.login import save_login, server_url

    candidate = Login(server_url(url), token.strip())
    with CourseClient(candidate) as client:
        who = client.me()
    path = save_login(Login(candidate.server, candidate.token, str(who["student"]), str(who["role"])))
    echo(f"Logged in to {candidate.server} as {who['student']} ({who['role']}); saved in {path}.")


@click.command()
def logout() -> None:
    """Forget the saved login; commands then work on this machine again.

    Exit status: 0.
    """
    from grader.client.login import forget_login

    echo("Logged out." if forget_login() else "You were not logged in.")


def submit_remotely(
    session: Login, workspace: Path, exercises: tuple[str, ...], *, resend_only: bool, as_json: bool
) -> None:
    """`grader submit` in course mode: send the waiting uploads again, then this one."""
    from grader import contracts
    from grader.client import pending
    from grader.client.http import CourseClient
    from grader.errors import WorkspaceError

    with CourseClient(session) as client:
        waiting = pending.waiting(session.server)
        for upload in waiting:
            try:
                answer = _send(client, upload)
            except GraderError as error:
                echo(f"An upload of {upload.created_at[:19]} was refused: {error}", err=True)
                continue
            echo(f"Sent again an upload of {upload.created_at[:19]}: submission #{answer['submission_id']}.", err=True)
        if resend_only:
            if not waiting:
                echo(f"Nothing to send again: every upload to {session.server} was answered.", err=True)
            return
        files = _course_files(workspace, client.exercise_files(), exercises)
        if not files:
            raise WorkspaceError(f"{workspace}: none of the course's exercise files is there")
        answer = _send(client, pending.keep(session.server, files, list(exercises) or None))
        if answer.get("status") == "graded":
            final = answer
        else:
            final = client.graded(int(answer["submission_id"]), waiting=_say_once_that_it_waits())
    if final.get("status") != "graded":
        raise click.ClickException(
            f"submission #{final['submission_id']} could not be graded because of a fault on the grader's side; "
            "it costs you no attempt"
        )
    outcome = contracts.submission_outcome(final)
    if as_json:
        echo(json.dumps({**contracts.submission(outcome), "server": session.server}))
    else:
        from grader.cli.render import format_sandbox_warning, format_submission

        warning = format_sandbox_warning(outcome.result.sandbox)
        if warning:
            echo(warning, err=True)
        echo(format_submission(outcome))
    sys.exit(0 if outcome.result.all_passed else 1)


def _send(client: CourseClient, upload: PendingUpload) -> dict[str, Any]:
    """Send a kept upload; forget it once the server has answered, whatever the answer (a
    refusal will not change by sending it again). No answer keeps it for the next submit."""
    from grader.client import pending
    from grader.errors import ServerUnreachable

    try:
        answer = client.upload(upload.files, upload.exercises, upload.key)
    except ServerUnreachable:
        raise
    except GraderError:
        pending.acknowledged(upload)
        raise
    pending.acknowledged(upload)
    return answer


def _say_once_that_it_waits() -> Callable[[dict[str, Any]], None]:
    """Tell the student, once, on stderr, that their submission waits on the server: a queue
    with no grader running would otherwise look like a command that hangs."""
    said = False

    def say(answer: dict[str, Any]) -> None:
        nonlocal said
        if not said:
            said = True
            echo(
                f"Submission #{answer.get('submission_id')} is {answer.get('status', 'waiting')} on the server; "
                "waiting for its grade (Ctrl-C stops waiting, not the grading: `grader progress` shows it later).",
                err=True,
            )

    return say


def _course_files(workspace: Path, course: dict[str, str], only: tuple[str, ...]) -> dict[str, str]:
    """The course's exercise files in `workspace`, as the grader snapshots them: regular files,
    size-capped, text. Those of `only` must be there; the others go too when they are, since
    the named exercise may import them (forward.py imports activations.py), as it does in a
    local submit."""
    from grader.errors import UnknownExerciseError
    from grader.grading.workspace import check_holds_exercises, check_workspace, snapshot

    folder = check_workspace(workspace)
    unknown = [name for name in only if name.removesuffix(".py") not in course]
    if unknown:
        raise UnknownExerciseError(f"unknown exercise {unknown[0]!r}; known exercises: {', '.join(course)}")
    wanted = {course[n.removesuffix(".py")] for n in only} if only else set(course.values())
    check_holds_exercises(folder, wanted)
    return {name: text for name, text in snapshot(folder).files.items() if name in course.values()}


def progress_remotely(session: Login, student: str | None, as_json: bool) -> None:
    from grader import contracts
    from grader.client.http import CourseClient

    with CourseClient(session) as client:
        data = client.progress(student)
    if as_json:
        echo(json.dumps(data))
    else:
        from grader.cli.render import format_progress

        echo(format_progress(contracts.progress_record(data)))


def refuse_the_default_database_when_logged_in(settings: Settings, command: str) -> None:
    """A command that works on a database only, run by someone logged in to a course server
    with no database chosen, would act on an empty one of their own: say so instead."""
    import os

    from grader.client.login import current_login
    from grader.errors import ConfigError

    if settings.db_chosen:
        return
    try:
        login = current_login(os.environ)
    except ConfigError:
        return
    if login is None:
        return
    if login.role == "student":
        where = "`grader progress` shows your own work from the server; give --db URL for a database here"
    else:
        where = f"use the class pages ({login.server}/class), or run it on the server machine with --db URL"
    raise ConfigError(
        f"you are logged in to {login.server}, and `grader {command}` works on a database, not through the "
        f"server: {where}"
    )


def staff_login(server: str | None, local: bool) -> Login | None:
    """For `grade` and `report`: the server when one is named, or when the saved login is a
    TA's or an instructor's (a student's login leaves these commands local)."""
    session = chosen_login(server, local)
    if session is None or server or session.role in ("ta", "instructor"):
        return session
    return None


def report_remotely(
    session: Login,
    *,
    fmt: str,
    policy: str | None,
    width: int,
    student: str | None,
    source: int | None,
    path: str | None,
) -> str:
    """`grader report` from the server's database: the same text as a local report."""
    from grader.client.http import CourseClient

    with CourseClient(session) as client:
        if source is not None:
            from grader.report.history import format_source

            return format_source(client.source(source, path)["files"], path)
        if student is not None:
            answer = client.history(student, "json" if fmt == "json" else "table")
            return json.dumps(answer, indent=2) if fmt == "json" else str(answer["text"])
        answer = client.report(fmt, policy, width)
        return json.dumps(answer, indent=2) + "\n" if fmt == "json" else str(answer["text"])


def grade_remotely(session: Login, submissions: Path) -> BatchResult:
    """`grader grade` through the server: each student's folder uploaded on their behalf."""
    from grader.client.http import CourseClient
    from grader.errors import NotAuthenticated, PermissionDenied, WorkspaceError
    from grader.service.batch import BatchResult, FailedStudent, GradedStudent, student_folders

    found = student_folders(submissions)  # the students a local `grader grade` would find
    graded: dict[str, GradedStudent] = {}
    failed = {key: FailedStudent(key, why) for key, why in found.refused.items()}
    with CourseClient(session) as client:
        course = client.exercise_files()
        sent: list[tuple[str, str, int]] = []
        for key, student in found.students.items():
            try:
                files = _course_files(student.folder, course, ())
                if not files:
                    raise WorkspaceError("none of the course's exercise files is in the folder")
                answer = client.upload_for(student.name, files, f"grade-{student.name}-{_digest(files)}")
                sent.append((key, student.subfolder, int(answer["submission_id"])))
            except (NotAuthenticated, PermissionDenied):
                raise  # the whole class is refused, not one student
            except GraderError as error:
                failed[key] = FailedStudent(key, str(error))
        for key, subfolder, submission_id in sent:
            final = client.graded(submission_id)
            if final.get("status") == "graded":
                score, top = float(final["score"]), float(final["max_score"])
                graded[key] = GradedStudent(key, submission_id, score, top, subfolder)
            else:
                failed[key] = FailedStudent(key, "the server could not grade it (a fault on its side)")
    return BatchResult(
        tuple(graded[k] for k in found.order if k in graded), tuple(failed[k] for k in found.order if k in failed)
    )


def _digest(files: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:24]
