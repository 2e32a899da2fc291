"""An instructor's course server: `grader serve`, and `grader course init|enrol|revoke`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader.cli.options import database_url, json_option
from grader.cli.terminal import echo

course_dir_option = click.option(
    "--course",
    "course_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    metavar="DIR",
    help="The course folder (made by `grader course init`).",
)
server_db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    callback=database_url,
    help="SQLAlchemy database URL, or a path ending in .db [default: grader.db in the course folder].",
)


@click.command()
@course_dir_option
@server_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Submissions graded at once, on SQLite [default: one per core].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Server processes answering requests (more than 1 needs PostgreSQL).",
)
def serve(course_dir: Path, db_url: str | None, host: str, port: int, jobs: int | None, workers: int) -> None:
    """Serve a course: students submit from their terminal, the hidden tests stay here.

    With no --db the course folder's grader.db is used, and grading runs in this process's own
    pool of sandboxed workers (--jobs at a time). With a PostgreSQL --db
    (postgresql+psycopg://...) the server stores each upload and queues it, and
    `grader worker` processes grade, on as many machines as needed; --workers N then runs N
    server processes (put a reverse proxy in front for HTTPS). Students and staff also use the
    course in a browser: send each person the link URL/login?token=TOKEN. Stops with Ctrl-C.

    Exit status: 0, or 2 for bad input.
    """
    from grader.server.run import run_server

    run_server(course_dir, db_url=db_url, host=host, port=port, jobs=jobs, workers=workers)


@click.group()
def course() -> None:
    """Set up a course server: a course folder, and who may use it."""


@course.command("init")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
def init(directory: Path) -> None:
    """Write a course folder from the built-in lesson: course.toml, exercises/, reference/,
    suites/ (the hidden tests) and quizzes/.

    Exit status: 0, or 2 when DIRECTORY is not empty.
    """
    from grader.pack import init_pack

    pack = init_pack(directory)
    echo(f"Wrote the course folder {pack.root}")
    echo(f"Hand out {pack.exercises_dir}; keep reference/, suites/ and quizzes/ (it holds the answers) to yourself.")
    echo(f"Next: grader course enrol ROSTER.csv --course {directory}, then grader serve --course {directory}")


@course.command()
@click.argument("roster", type=click.Path(path_type=Path, dir_okay=False))
@course_dir_option
@server_db_option
@click.option(
    "--role",
    type=click.Choice(["student", "ta", "instructor"]),
    default="student",
    show_default=True,
    help="The role of everyone in ROSTER.",
)
@click.option("--reissue", is_flag=True, help="Give everyone in ROSTER a new token; their old one stops working.")
@json_option
def enrol(roster: Path, course_dir: Path, db_url: str | None, role: str, reissue: bool, as_json: bool) -> None:
    """Enrol everyone in ROSTER (a CSV with a `student` column, optionally `email` and
    `section`) and print each new token, once.

    Someone already enrolled keeps their token (so a roster with a late student added can be
    enrolled again); with --reissue everyone in ROSTER gets a new one and the old stops working.

    Exit status: 0, or 2 for bad input (the file and line are named).
    """
    from grader.pack import load_pack
    from grader.service.enrolment import enrol as enrol_people
    from grader.service.enrolment import read_roster
    from grader.store import open_store

    pack = load_pack(course_dir)
    people = read_roster(roster)
    with open_store(db_url or pack.default_db_url) as store:
        issued = enrol_people(store, people, role, reissue=reissue)  # type: ignore[arg-type]  # a Choice
    new = {i.student for i in issued}
    kept = [p.student for p in people if p.student not in new]
    if as_json:
        rows = [{"student": i.student, "role": i.role, "token": i.token} for i in issued]
        echo(json.dumps({"enrolled": rows, "kept": kept}))
        return
    if issued:
        echo(f"Enrolled {len(issued)} as {role}. Each token is shown once; send it to its owner:")
        width = max(len(i.student) for i in issued)
        for ticket in issued:
            echo(f"  {ticket.student:<{width}}  {ticket.token}")
    if kept:
        names = ", ".join(kept[:5]) + (", ..." if len(kept) > 5 else "")
        echo(f"{len(kept)} already enrolled kept their tokens ({names}); --reissue gives them new ones.")


@course.command()
@click.argument("name")
@course_dir_option
@server_db_option
def revoke(name: str, course_dir: Path, db_url: str | None) -> None:
    """End NAME's access to the course server (their work stays).

    Exit status: 0, or 2 when nobody of that name is enrolled.
    """
    from grader.pack import load_pack
    from grader.service.enrolment import revoke as revoke_person
    from grader.store import open_store

    pack = load_pack(course_dir)
    with open_store(db_url or pack.default_db_url, must_exist=True) as store:
        ended = revoke_person(store, name)
    echo(f"Revoked the token of {name}." if ended else f"{name} holds no working token already: nothing changed.")
