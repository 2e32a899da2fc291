"""`grader quiz ...`: list, check, export, take, practice, stats; thin layers over the library.

The sittings (`grader.service.sittings`) ask, score, explain and store; `grader.quiz.text`
words every line. This module only prompts, echoes, and turns `q` (or the end of input, or
Ctrl-C at a prompt) into stopping the sitting, so that what was answered is kept.

Only click is imported at module level so that `grader --help` stays fast; the library,
SQLAlchemy and fsrs load inside the command that runs. Errors become exit statuses at the
edge (`grader.cli`), as for every command.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import click

from grader.cli.options import json_option, uses
from grader.cli.remote import chosen_login, server_options
from grader.cli.terminal import echo
from grader.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from grader.client.login import Login
    from grader.quiz.present import Asked
    from grader.quiz.results import AttemptResult
    from grader.quiz.verdict import Verdict


class _Sitting(Protocol):
    def next_question(self) -> Asked | None: ...
    def answer(self, keys: tuple[str, ...]) -> Verdict: ...
    def stop(self) -> None: ...


@click.group()
def quiz() -> None:
    """Multiple-choice quizzes on the lesson: list, check, export, take, practise, analyse."""


@quiz.command("list", short_help="List the quizzes: id, title, size.")
@uses("quizzes")
@json_option
@server_options
def list_quizzes(settings: Settings, as_json: bool, server: str | None, local: bool) -> None:
    """List the quizzes of the bank: the id that the other commands take, title and size.

    Logged in to a course server (`grader login`), the course's quizzes; --local lists this
    machine's bank.

    Exit status: 0, 2 when the bank cannot be read, 3 when the course server cannot be reached.
    """
    import json

    from grader import contracts
    from grader.quiz.text import quiz_rows_text
    from grader.service import quizzes as service

    login = chosen_login(server, local)
    if login is not None:
        from grader.client.http import CourseClient

        with CourseClient(login) as client:
            listing = client.quizzes()
    else:
        listing = contracts.quiz_list(service.list_quizzes([_bank(settings)]))
    rows = [(str(q["id"]), str(q["title"]), int(q["questions"])) for q in listing["quizzes"]]
    echo(json.dumps(listing, indent=2) if as_json else quiz_rows_text(rows))


@quiz.command(short_help="Validate quiz files: FILE:LINE: problem.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@uses("quizzes")
def check(paths: tuple[Path, ...], settings: Settings) -> None:
    """Validate quiz files (default: the quiz bank); one `FILE:LINE: message` per problem.

    Exit status: 0 when every file is valid, 2 otherwise.
    """
    from grader.quiz.bank import read_bank

    quizzes, problems = read_bank(list(paths) or [_bank(settings)])
    for problem in problems:
        echo(str(problem))
    if problems:
        raise click.exceptions.Exit(2)
    count = sum(len(q.questions) for q in quizzes)
    echo(f"ok: {len(quizzes)} quizzes, {count} questions")


@quiz.command(short_help="Export the quizzes as JSON or Moodle GIFT.")
@click.argument("quiz_id", metavar="[QUIZ]", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "gift"]),
    default="json",
    show_default=True,
    help="json, or Moodle GIFT for an LMS to import.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write to FILE instead of the terminal.",
)
@uses("quizzes")
def export(quiz_id: str | None, fmt: str, output: Path | None, settings: Settings) -> None:
    """Print the quizzes (or one) as JSON or Moodle GIFT.

    Exit status: 0, or 2 for bad input (an unknown quiz, a file that cannot be written).
    """
    from grader.cli.output import write_output
    from grader.service import quizzes as service

    document = service.export([_bank(settings)], quiz_id, fmt)
    write_output(document if document.endswith("\n") else document + "\n", output, "export")


@quiz.command(short_help="Take a quiz, typed in or from a file.")
@click.argument("quiz_id", metavar="QUIZ", required=False)
@uses("student", "db", "quizzes")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help='JSON file of question id -> option keys, e.g. {"q1": ["b"], "q2": 0.25}; no prompts.',
)
@json_option
@click.option("--seed", type=int, hidden=True, help="Seed the option shuffle (for tests).")
@server_options
def take(
    quiz_id: str | None,
    settings: Settings,
    answers_file: Path | None,
    as_json: bool,
    seed: int | None,
    server: str | None,
    local: bool,
) -> None:
    """Take a quiz (see `grader quiz list`): interactively, or from an answers file with --answers.

    Type q at a prompt to stop: the answers given are recorded and the rest score 0. The end
    lists the questions missed, with the right answer and why. Logged in to a course server
    (`grader login`), the server asks, scores and records; --local takes it on this machine.

    Exit status: 0, 2 for bad input (an unknown quiz, a bad answers file), 3 when the course
    server cannot be reached.
    """
    import random

    from grader.quiz import text
    from grader.service import quizzes as service
    from grader.service.sittings import QuizSitting
    from grader.store import open_store

    session = chosen_login(server, local)
    if session is not None:
        _take_remotely(session, quiz_id, answers_file, as_json)
        return
    bank = [_bank(settings)]
    if quiz_id is None:
        known = ", ".join(q.id for q in service.list_quizzes(bank))
        raise click.UsageError(f"Missing argument 'QUIZ': one of {known}.")
    who, width = settings.need_student(), _width()
    result: AttemptResult | None
    with open_store(settings.db_url) as store:
        if answers_file is not None:
            result = service.take_with_answers_file(store, bank, quiz_id, who, answers_file)
        else:
            sitting = QuizSitting.start(store, bank, quiz_id, who, random.Random(seed))
            echo(text.take_opening_text(sitting.quiz, width), err=as_json)
            _answer_until_done(sitting, width, err=as_json)
            result = sitting.finish()
    _end_of_take(result, as_json, width)


def _end_of_take(result: AttemptResult | None, as_json: bool, width: int) -> None:
    import json

    from grader import contracts
    from grader.quiz import text

    if result is None:
        echo(text.stopped_before_answering_text())
    elif as_json:
        echo(json.dumps(contracts.quiz_attempt(result), indent=2))
    else:
        echo(text.take_summary_text(result, width))


def _take_remotely(session: Login, quiz_id: str | None, answers_file: Path | None, as_json: bool) -> None:
    """`grader quiz take` on the course server: it shuffles, scores, explains and records."""
    from grader.client.http import CourseClient
    from grader.client.sitting import RemoteQuizSitting, attempt_from
    from grader.errors import InputFileError, UploadRejected
    from grader.quiz import text
    from grader.quiz.answers import load_answers_file

    width = _width()
    with CourseClient(session) as client:
        if quiz_id is None:
            known = ", ".join(str(q["id"]) for q in client.quizzes()["quizzes"])
            raise click.UsageError(f"Missing argument 'QUIZ': one of {known}.")
        if answers_file is not None:
            answers = load_answers_file(answers_file)
            try:
                document = client.quiz_attempt(quiz_id, answers)["attempt"]
            except UploadRejected as error:  # the server found a problem in the file's answers
                raise InputFileError(answers_file, str(error)) from None
            _end_of_take(attempt_from(document), as_json, width)
            return
        sitting = RemoteQuizSitting(client, quiz_id)
        echo(text.sitting_opening_text(sitting.title, sitting.total, width), err=as_json)
        _answer_until_done(sitting, width, err=as_json)
        _end_of_take(sitting.finish(), as_json, width)


@quiz.command(short_help="Practise with spaced repetition (FSRS).")
@click.argument("quiz_id", metavar="[QUIZ]", required=False)
@uses("student", "db", "quizzes")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most questions this session.",
)
@click.option("--seed", type=int, hidden=True, help="Seed the option shuffle (for tests).")
@server_options
def practice(
    quiz_id: str | None, settings: Settings, limit: int, seed: int | None, server: str | None, local: bool
) -> None:
    """Practise with spaced repetition (FSRS): due questions first, then new ones.

    Answers given in `grader quiz take` count too. Type q at a prompt to stop; each answer
    is recorded as it is given. Logged in to a course server (`grader login`), you practise
    on your schedule there, the one the course's /practice page uses; --local practises on
    this machine.

    Exit status: 0, 2 for bad input (an unknown quiz), 3 when the course server cannot be reached.
    """
    import random

    from grader.quiz import text
    from grader.service.sittings import PracticeSession
    from grader.store import open_store
    from grader.store.base import utcnow

    login = chosen_login(server, local)
    if login is not None:
        _practise_remotely(login, quiz_id, limit)
        return
    who, width = settings.need_student(), _width()
    with open_store(settings.db_url) as store:
        session = PracticeSession.start(store, [_bank(settings)], quiz_id, who, limit=limit, rng=random.Random(seed))
        opening = session.opening
        if opening.item is None:
            echo(text.nothing_due_text(opening.next_due, utcnow()))
            return
        echo(text.practice_opening_text(opening.due, opening.new))
        _answer_until_done(session, width, now=utcnow)
        echo(text.practice_summary_text(session.summary(), utcnow(), width))


def _practise_remotely(session: Login, quiz_id: str | None, limit: int) -> None:
    """`grader quiz practice` on the course server's schedule: it shuffles, scores and stores."""
    from grader.client.http import CourseClient
    from grader.client.practice import RemotePracticeSession
    from grader.quiz import text
    from grader.store.base import utcnow

    width = _width()
    with CourseClient(session) as client:
        practising = RemotePracticeSession(client, quiz_id, limit=limit)
        if not practising.has_question:
            echo(text.nothing_due_text(practising.next_due, utcnow()))
            return
        echo(text.practice_opening_text(practising.due, practising.new))
        _answer_until_done(practising, width, now=utcnow)
        echo(text.practice_summary_text(practising.summary(), utcnow(), width))


@quiz.command(short_help="Item analysis of the quizzes taken.")
@click.argument("quiz_id", metavar="[QUIZ]", required=False)
@uses("db", "course")
@json_option
def stats(quiz_id: str | None, settings: Settings, as_json: bool) -> None:
    """Item analysis: per question, answers, blanks, facility, discrimination and choices.

    Counts students' first attempts. With no attempts yet, says so. Exit status: 0, or 2
    for bad input (a quiz not in the database).
    """
    import json

    from grader import contracts
    from grader.report.text import quiz_stats_text
    from grader.service import quizzes as service
    from grader.store import open_store

    with open_store(settings.db_url) as store:
        results = service.quiz_stats(store, quiz_id)
    if as_json:
        echo(json.dumps(contracts.quiz_stats_list(results), indent=2))
    else:
        echo(quiz_stats_text(results, max(80, _width())), nl=False)


def _answer_until_done(
    sitting: _Sitting, width: int, now: Callable[[], datetime] | None = None, *, err: bool = False
) -> None:
    """Ask each question the sitting puts and show each verdict, until it has no more or the
    student stops (q, the end of input, or Ctrl-C at the prompt); `now` dates "next review".
    With `err`, the questions, prompts and verdicts go to stderr (stdout is kept for --json)."""
    from grader.quiz import text

    while (asked := sitting.next_question()) is not None:
        echo(text.question_text(asked, width), err=err)
        keys = _read_answer(asked, err=err)
        if keys is None:
            sitting.stop()
            echo("", err=err)
            return
        verdict = sitting.answer(keys)
        echo(text.verdict_text(verdict, width, now=now() if now else None) + "\n", err=err)


def _read_answer(asked: Asked, *, err: bool = False) -> tuple[str, ...] | None:
    """The keys the student chose, asked again until readable; None when they stop."""
    from grader.errors import AnswerFormatError
    from grader.quiz.present import read_choice
    from grader.quiz.text import is_quit, prompt_text

    def convert(typed: str) -> tuple[str, ...] | None:
        if is_quit(typed):
            return None
        try:
            return read_choice(asked.presented, typed)
        except AnswerFormatError as error:
            raise click.UsageError(str(error)) from None

    try:
        keys: tuple[str, ...] | None = click.prompt(prompt_text(asked.presented), value_proc=convert, err=err)
    except click.Abort:
        return None
    return keys


def _width() -> int:
    return shutil.get_terminal_size((80, 24)).columns


def _bank(settings: Settings) -> Path:
    assert settings.quizzes_dir is not None
    return settings.quizzes_dir
