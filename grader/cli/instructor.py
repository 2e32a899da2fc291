"""An instructor's commands: `grader grade` a class, `regrade` and `override` scores, `report` on it."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli.options import json_option, uses
from grader.cli.output import write_output
from grader.cli.remote import (
    grade_remotely,
    refuse_the_default_database_when_logged_in,
    report_remotely,
    server_options,
    staff_login,
)
from grader.cli.terminal import echo, progress_bar, raw_echo
from grader.errors import ConfigError
from grader.settings import Settings

if TYPE_CHECKING:
    from grader.course import ScorePolicy
    from grader.store import Store


@click.command(short_help="Grade a class: one folder per student, each recorded as a submit.")
@click.argument("submissions", type=click.Path(path_type=Path))
@uses("db", "course")
@click.option(
    "--jobs", type=click.IntRange(min=1), metavar="N", help="Students graded at once [default: one per core]."
)
@click.option(
    "--submitted-at",
    metavar="TIME",
    help="When the class handed in, for late penalties: ISO 8601 with a time zone, e.g. 2025-03-01T23:59:00+01:00.",
)
@click.option(
    "--times",
    "times_file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Each student's hand-in time: a CSV with the columns student,submitted_at (others get --submitted-at).",
)
@server_options
@json_option
def grade(
    submissions: Path,
    settings: Settings,
    jobs: int | None,
    submitted_at: str | None,
    times_file: Path | None,
    server: str | None,
    local: bool,
    as_json: bool,
) -> None:
    """Grade a class: every folder in SUBMISSIONS is one student's workspace, named after them.

    Each student is graded and recorded exactly as `grader submit` would. Hidden folders and
    archive debris (__MACOSX, ...) are skipped; a student whose Python files sit in one
    subfolder (ada/hw1/exercises/*.py) is graded from it. Late penalties count from
    --submitted-at or the --times file, never from file times (students control those);
    with neither, no late penalty applies.

    With `--server URL` (or logged in as an instructor) each folder is uploaded to the
    course server on its student's behalf, and the server grades and records it with its own
    clock: --submitted-at and --times do not apply there.

    Exit status: 0 when every student was graded, 1 when some could not be (listed at the
    end), 2 for bad input (an empty or missing SUBMISSIONS folder, say), 3 when the server
    cannot be reached.
    """
    from grader.course import NO_COURSE
    from grader.handin import hand_in_times
    from grader.service.batch import grade_class
    from grader.store import open_store

    session = staff_login(server, local)
    if session is not None:
        if submitted_at or times_file:
            raise ConfigError("--submitted-at and --times are for grading here: the server uses its own clock")
        result = grade_remotely(session, submissions)
    else:
        times = hand_in_times(submitted_at, times_file)
        if settings.course and settings.course.deadlines and not times.known:
            echo(
                "note: no late penalty applies: give --submitted-at or --times for one (file times are not used)",
                err=True,
            )
        with open_store(settings.db_url) as store, progress_bar("grading") as hook:
            result = grade_class(
                store, submissions, jobs=jobs, course=settings.course or NO_COURSE, times=times, on_progress=hook
            )
    if as_json:
        from grader import contracts

        echo(json.dumps(contracts.batch(result)))
    else:
        from grader.cli.render import format_batch

        echo(format_batch(result, settings.db_chosen))
    sys.exit(1 if result.failed else 0)


@click.command(short_help="Grade the stored attempts again, after a suite or reference change.")
@click.argument("exercises", nargs=-1)
@click.option("--student", "students", multiple=True, metavar="NAME", help="Only this student's attempts (repeatable).")
@uses("db", "course")
@click.option(
    "--jobs", type=click.IntRange(min=1), metavar="N", help="Attempts graded at once [default: one per core]."
)
@json_option
def regrade(
    exercises: tuple[str, ...], students: tuple[str, ...], settings: Settings, jobs: int | None, as_json: bool
) -> None:
    """Grade the stored snapshots of attempts again (of the EXERCISES named, else all).

    No attempt is spent and no attempt limit applies. Each attempt keeps its old result in
    its history and gets the new one beside it; reports count the new one. Late penalties
    are worked out again from the course file as it is now and the hand-in time the attempt
    recorded. Run it after changing a hidden suite or the reference.

    On a course database (PostgreSQL) whose `grader worker`s are running, the regrade goes
    through their job queue, behind the students' submissions: the workers grade with their
    course folder (suites, reference, course.toml), and --jobs and --course do not apply.

    Exit status: 0 when every attempt was regraded, 1 when some could not be (listed at the
    end), 2 for bad input (an unknown exercise, or no attempts to regrade).
    """
    from grader.course import NO_COURSE
    from grader.service.queue import grades_through_queue, regrade_through_queue
    from grader.service.regrade import regrade_attempts
    from grader.store import open_store

    refuse_the_default_database_when_logged_in(settings, "regrade")
    with open_store(settings.db_url, must_exist=True) as store:
        queued = grades_through_queue(store)
        if queued:
            echo("regrading through the course's job queue, behind the students' submissions", err=True)
        with progress_bar("regrading") as hook:
            if queued:
                result = regrade_through_queue(store, exercises, students, on_progress=hook)
            else:
                result = regrade_attempts(
                    store, exercises, students, course=settings.course or NO_COURSE, jobs=jobs, on_progress=hook
                )
    if as_json:
        from grader import contracts

        echo(json.dumps(contracts.regrade(result)))
    else:
        from grader.cli.render import format_regrade

        echo(format_regrade(result))
    sys.exit(1 if result.failed else 0)


@click.command(short_help="Set a student's score for an exercise, with the reason.")
@click.argument("student")
@click.argument("exercise")
@click.argument("score", type=float)
@click.option("--reason", required=True, metavar="TEXT", help="Why: kept with the score and shown in reports.")
@uses("db", "course")
@json_option
def override(student: str, exercise: str, score: float, reason: str, settings: Settings, as_json: bool) -> None:
    """Set STUDENT's score for EXERCISE to SCORE points, whatever their attempts.

    The override is kept with the attempt that counts now (by the course's score policy),
    with the score it had and the reason; reports count it from then on (marked, with the
    reason, in every format). A newer override replaces it; none is ever deleted.

    Exit status: 0, or 2 for bad input (an unknown student or exercise, a score out of range).
    """
    from grader.service.overrides import override_score
    from grader.store import open_store

    refuse_the_default_database_when_logged_in(settings, "override")
    policy: ScorePolicy = settings.course.score_policy if settings.course else "best"
    with open_store(settings.db_url, must_exist=True) as store:
        kept = override_score(store, student, exercise, score, reason, policy=policy)
    if as_json:
        from grader import contracts

        echo(json.dumps(contracts.override(kept)))
    else:
        from grader.cli.render import format_override

        echo(format_override(kept))


@click.command(short_help="The gradebook and where students struggle, or one student's history.")
@uses("db", "course", "quizzes")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "canvas", "moodle", "json", "html"]),
    default="table",
    show_default=True,
    help="csv: a spreadsheet (total = exercise and quiz points); canvas, moodle: that LMS's grade import; "
    "html: one page with charts.",
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
@click.option("--source", type=int, metavar="ID", help="Instead: the files submitted in attempt ID, under a header.")
@click.option("--file", "path", metavar="NAME", help="With --source: only this file.")
@click.option(
    "--raw",
    is_flag=True,
    help="With --source: exactly as submitted, no header, control characters not made visible.",
)
@server_options
def report(
    settings: Settings,
    fmt: str,
    output: Path | None,
    policy: str | None,
    student: str | None,
    source: int | None,
    path: str | None,
    raw: bool,
    server: str | None,
    local: bool,
) -> None:
    """The class gradebook, where students struggle (exercises, hidden tests, quiz questions),
    or one student's history: from this machine's database, or the course server's
    (`--server URL`, or logged in as a TA or instructor).

    The gradebook has a column for every exercise and quiz of the course, whether or not
    anyone handed it in; an instructor's override stands in for a graded score (marked *).
    What students wrote (names, messages, sources) is shown with control characters made
    visible; `--source ID --raw` prints a submitted file byte for byte.

    With `--server URL` (or logged in as a TA or instructor) the report comes from the course
    server's database.

    Exit status: 0, 2 for bad input (an unknown student or submission, say), 3 when the server
    cannot be reached.
    """
    from grader.store import open_store

    if source is None and (path is not None or raw):
        raise ConfigError("--file and --raw go with --source ID: say which submission")
    if source is not None and student is not None:
        raise ConfigError("--student and --source each ask for one view: give one of them")
    session = staff_login(server, local)
    if session is not None:
        text = report_remotely(
            session, fmt=fmt, policy=policy, width=_width(), student=student, source=source, path=path
        )
        if raw and output is None:
            raw_echo(text)
        else:
            write_output(text, output, "report")
        return
    if not local:
        refuse_the_default_database_when_logged_in(settings, "report")
    with open_store(settings.db_url, must_exist=True) as store:
        if source is not None:
            text = _source(store, source, path, raw)
        elif student is not None:
            text = _history(store, student, fmt)
        else:
            chosen: ScorePolicy = policy or (settings.course.score_policy if settings.course else "best")  # type: ignore[assignment]  # a Choice
            text = _class_report(store, chosen, fmt, settings.quizzes_dir)
    if raw and output is None:
        raw_echo(text)
    else:
        write_output(text, output, "report")


def _source(store: Store, submission_id: int, path: str | None, raw: bool) -> str:
    from grader.report.history import format_source
    from grader.service.submissions import submission_snapshot

    found = submission_snapshot(store, submission_id, path)
    if raw:
        return format_source(found.files, path)
    header = (
        f"submission #{found.submission_id}: attempt {found.attempt} of {found.student}, "
        f"{found.created_at.strftime('%Y-%m-%d %H:%M UTC')}"
    )
    return format_source(found.files, path, header=header)


def _history(store: Store, student: str, fmt: str) -> str:
    from grader.report.history import format_history
    from grader.service.submissions import student_history

    history = student_history(store, student)
    if fmt == "json":
        from grader import contracts

        return json.dumps(contracts.history(history.student, history.attempts, history.quizzes), indent=2)
    return format_history(history.student, history.attempts, history.quizzes)


def _class_report(store: Store, policy: ScorePolicy, fmt: str, quizzes: Path | None) -> str:
    from grader.contracts import class_report_document
    from grader.service.reports import class_report

    report = class_report(store, policy, [quizzes] if quizzes is not None else [])
    return class_report_document(report, fmt, _width())


def _width() -> int:
    return max(80, shutil.get_terminal_size((100, 24)).columns)
