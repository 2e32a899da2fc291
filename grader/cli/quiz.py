"""`grader quiz ...`: check, export, take, practice, stats; thin layers over `grader.service.quizzes`.

Only click is imported at module level so that `grader --help` stays fast; the library,
SQLAlchemy and fsrs load inside the command that runs. Every `GraderError` becomes
`Error: <message>` on stderr and exit status 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from grader.quiz.present import Presented
    from grader.quiz.scoring import QuestionScore
    from grader.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def _reports_errors(command: F) -> F:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from grader.errors import GraderError

        try:
            return command(*args, **kwargs)
        except GraderError as error:
            click.echo(f"Error: {error}", err=True)
            raise click.exceptions.Exit(2) from None

    return wrapper  # type: ignore[return-value]


quizzes_option = click.option(
    "--quizzes",
    "quizzes_dir",
    type=click.Path(path_type=Path),
    help="Folder of quiz files [default: $GRADER_QUIZZES, else ./quizzes, else the grader's bank].",
)
db_option = click.option("--db", help="Database URL [default: $GRADER_DB, else grader.db in the app folder].")
student_option = click.option("--student", help="Who is answering [default: $GRADER_STUDENT, else your login].")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@click.group()
def quiz() -> None:
    """Multiple-choice quizzes on the lesson: check, export, take, practise, analyse."""


@quiz.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_reports_errors
def check(paths: tuple[Path, ...]) -> None:
    """Validate quiz files (default: the quiz bank); one `FILE:LINE: message` per problem."""
    from grader.quiz.bank import read_bank

    quizzes, problems = read_bank(list(paths) or [_bank(None)])
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.exceptions.Exit(2)
    count = sum(len(q.questions) for q in quizzes)
    click.echo(f"ok: {len(quizzes)} quizzes, {count} questions")


@quiz.command()
@click.argument("quiz_id", metavar="[QUIZ]", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "gift"]),
    default="json",
    show_default=True,
    help="json, or Moodle GIFT for an LMS to import.",
)
@quizzes_option
@_reports_errors
def export(quiz_id: str | None, fmt: str, quizzes_dir: Path | None) -> None:
    """Print the quizzes (or one) as JSON or Moodle GIFT."""
    from grader.service import quizzes as service

    click.echo(service.export([_bank(quizzes_dir)], quiz_id, fmt))


@quiz.command()
@click.argument("quiz_id", metavar="QUIZ")
@student_option
@db_option
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path),
    help='JSON file of question id -> list of option keys, e.g. {"q1": ["b"]}; no prompts.',
)
@json_option
@quizzes_option
@click.option("--seed", type=int, hidden=True, help="Seed the option shuffle (for tests).")
@_reports_errors
def take(
    quiz_id: str,
    student: str | None,
    db: str | None,
    answers_file: Path | None,
    as_json: bool,
    quizzes_dir: Path | None,
    seed: int | None,
) -> None:
    """Take a quiz: interactively, or from an answers file with --answers."""
    import json
    import random

    from grader.service import quizzes as service

    who, bank = _student(student), [_bank(quizzes_dir)]
    with _store(db) as store:
        if answers_file is not None:
            result = service.take_with_answers_file(store, bank, quiz_id, who, answers_file)
        else:
            quiz_, shown = service.start_attempt(bank, quiz_id, random.Random(seed))
            click.echo(f"{quiz_.title}: {len(shown)} questions\n")
            answers = {item.question.id: _ask_and_explain(item, f"{n}/{len(shown)}") for n, item in enumerate(shown, 1)}
            result = service.submit_attempt(store, quiz_, who, answers)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(f"Score: {result.score.score:g} / {result.score.max_score:g} (attempt {result.attempt_id})")


@quiz.command()
@click.argument("quiz_id", metavar="[QUIZ]", required=False)
@student_option
@db_option
@quizzes_option
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most questions this session.",
)
@_reports_errors
def practice(quiz_id: str | None, student: str | None, db: str | None, quizzes_dir: Path | None, limit: int) -> None:
    """Practise with spaced repetition (FSRS): due questions first, then new ones; q stops."""
    import random

    from grader.quiz.bank import find_quiz
    from grader.quiz.present import present
    from grader.service import quizzes as service

    who, rng = _student(student), random.Random()
    with _store(db) as store:
        quizzes = service.sync_bank(store, [_bank(quizzes_dir)])
        ids = [find_quiz(quizzes, quiz_id).id] if quiz_id else [q.id for q in quizzes]
        for asked in range(limit):
            queue = service.practice_queue(store, who, ids)
            if queue.item is None:
                click.echo(_nothing_due(queue.next_due))
                return
            if asked == 0:
                click.echo(f"{queue.due} due, {queue.new} new.\n")
            shown = present(queue.item.question, rng)
            chosen = _ask(shown, queue.item.quiz_id, allow_quit=True)
            if chosen is None:
                return
            review = service.record_review(store, who, queue.item, chosen)
            _explain(shown, review.score)
            click.echo(f"Next review {_when(review.next_due)}.\n")


@quiz.command()
@click.argument("quiz_id", metavar="[QUIZ]", required=False)
@db_option
@json_option
@_reports_errors
def stats(quiz_id: str | None, db: str | None, as_json: bool) -> None:
    """Item analysis: per question, answers, facility, discrimination and options chosen."""
    import json

    from grader.service import quizzes as service

    with _store(db) as store:
        results = service.quiz_stats(store, quiz_id)
    if as_json:
        click.echo(json.dumps({"quizzes": [r.to_dict() for r in results]}, indent=2))
        return
    for result in results:
        click.echo(f"{result.quiz_id}: {result.title} ({result.students} students, first attempts)")
        click.echo(f"  {'question':<32} {'answered':>8} {'facility':>8} {'discrim':>8}  options (* correct)")
        for item in result.questions:
            options = " ".join(f"{o.key}{'*' if o.correct else ''}:{o.chosen}" for o in item.options)
            click.echo(
                f"  {item.question_id:<32} {item.answered:>8} {_num(item.facility):>8} "
                f"{_num(item.discrimination):>8}  {options}"
            )


def _ask_and_explain(item: Presented, label: str) -> tuple[str, ...]:
    from grader.quiz.scoring import score_question

    chosen = _ask(item, label, allow_quit=False)
    assert chosen is not None
    _explain(item, score_question(item.question, chosen))
    return chosen


def _ask(item: Presented, label: str, *, allow_quit: bool) -> tuple[str, ...] | None:
    from grader.errors import AnswerFormatError
    from grader.quiz.present import read_choice, reflow

    click.echo(f"[{label}] {reflow(item.question.prompt)}")
    for number, option in enumerate(item.options, 1):
        click.echo(f"  {number}) {option.text}")

    def convert(typed: str) -> tuple[str, ...] | None:
        if allow_quit and typed.strip().lower() in {"q", "quit"}:
            return None
        try:
            return read_choice(item, typed)
        except AnswerFormatError as error:
            raise click.UsageError(str(error)) from None

    answer: tuple[str, ...] | None = click.prompt(f"Answer ({item.hint})", value_proc=convert)
    return answer


def _explain(item: Presented, score: QuestionScore) -> None:
    from grader.quiz.present import reflow

    question = item.question
    if score.correct:
        verdict = "Right."
    else:
        right = [f"{n}) {o.text}" for n, o in enumerate(item.options, 1) if o.correct]
        answer = f"{question.answer:g} ± {question.tolerance:g}" if question.type == "numeric" else "; ".join(right)
        partly = f"Partly right ({score.points:g} of {score.max_points:g})" if score.points > 0 else "Wrong"
        verdict = f"{partly}. The answer: {answer}"
    click.echo(f"{verdict}\n{reflow(question.explanation)}\n")


def _nothing_due(next_due: datetime | None) -> str:
    return "Nothing is due." + (f" Next review {_when(next_due)}." if next_due else "")


def _when(moment: datetime) -> str:
    from grader.store.base import utcnow

    seconds = max(0.0, (moment - utcnow()).total_seconds())
    if seconds < 30:
        return "now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size or unit == "minute":
            count = max(1, round(seconds / size))
            return f"in {count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _student(student: str | None) -> str:
    from grader.settings import default_student

    return student if student is not None else default_student()


def _bank(quizzes_dir: Path | None) -> Path:
    from grader.settings import default_quizzes_dir

    return quizzes_dir if quizzes_dir is not None else default_quizzes_dir()


@contextmanager
def _store(db: str | None) -> Iterator[Store]:
    from grader.settings import default_db_url
    from grader.store import open_store

    store = open_store(db if db is not None else default_db_url())
    try:
        yield store
    finally:
        store.close()
