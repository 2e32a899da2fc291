"""`grader quiz ...`: check, export, take, practice, stats; thin layers over `grader.service.quizzes`.

Only click is imported at module level so that `grader --help` stays fast; the library,
SQLAlchemy and fsrs load inside the command that runs. Errors become exit statuses at the
edge (`grader.cli`), as for every command.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli.options import json_option, uses
from grader.settings import Settings

if TYPE_CHECKING:
    from grader.quiz.present import Presented
    from grader.quiz.scoring import QuestionScore


@click.group()
def quiz() -> None:
    """Multiple-choice quizzes on the lesson: check, export, take, practise, analyse."""


@quiz.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@uses("quizzes")
def check(paths: tuple[Path, ...], settings: Settings) -> None:
    """Validate quiz files (default: the quiz bank); one `FILE:LINE: message` per problem.

    Exit status: 0 when every file is valid, 2 otherwise.
    """
    from grader.quiz.bank import read_bank

    quizzes, problems = read_bank(list(paths) or [_bank(settings)])
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
@uses("quizzes")
def export(quiz_id: str | None, fmt: str, settings: Settings) -> None:
    """Print the quizzes (or one) as JSON or Moodle GIFT."""
    from grader.service import quizzes as service

    click.echo(service.export([_bank(settings)], quiz_id, fmt))


@quiz.command()
@click.argument("quiz_id", metavar="QUIZ")
@uses("student", "db", "quizzes")
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path),
    help='JSON file of question id -> list of option keys, e.g. {"q1": ["b"]}; no prompts.',
)
@json_option
@click.option("--seed", type=int, hidden=True, help="Seed the option shuffle (for tests).")
def take(quiz_id: str, settings: Settings, answers_file: Path | None, as_json: bool, seed: int | None) -> None:
    """Take a quiz: interactively, or from an answers file with --answers."""
    import json
    import random

    from grader import contracts
    from grader.service import quizzes as service
    from grader.store import open_store

    who, bank = settings.need_student(), [_bank(settings)]
    with open_store(settings.db_url) as store:
        if answers_file is not None:
            result = service.take_with_answers_file(store, bank, quiz_id, who, answers_file)
        else:
            quiz_, shown = service.start_attempt(bank, quiz_id, random.Random(seed))
            click.echo(f"{quiz_.title}: {len(shown)} questions\n")
            answers = {item.question.id: _ask_and_explain(item, f"{n}/{len(shown)}") for n, item in enumerate(shown, 1)}
            result = service.submit_attempt(store, quiz_, who, answers)
    if as_json:
        click.echo(json.dumps(contracts.quiz_attempt(result), indent=2))
    else:
        click.echo(f"Score: {result.score.score:g} / {result.score.max_score:g} (attempt {result.attempt_id})")


@quiz.command()
@click.argument("quiz_id", metavar="[QUIZ]", required=False)
@uses("student", "db", "quizzes")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most questions this session.",
)
def practice(quiz_id: str | None, settings: Settings, limit: int) -> None:
    """Practise with spaced repetition (FSRS): due questions first, then new ones; q stops."""
    import random

    from grader.quiz.bank import find_quiz
    from grader.quiz.present import present
    from grader.service import quizzes as service
    from grader.store import open_store

    who, rng = settings.need_student(), random.Random()
    with open_store(settings.db_url) as store:
        quizzes = service.sync_bank(store, [_bank(settings)])
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
@uses("db")
@json_option
def stats(quiz_id: str | None, settings: Settings, as_json: bool) -> None:
    """Item analysis: per question, answers, facility, discrimination and options chosen."""
    import json

    from grader import contracts
    from grader.service import quizzes as service
    from grader.store import open_store

    with open_store(settings.db_url) as store:
        results = service.quiz_stats(store, quiz_id)
    if as_json:
        click.echo(json.dumps(contracts.quiz_stats_list(results), indent=2))
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


def _bank(settings: Settings) -> Path:
    assert settings.quizzes_dir is not None
    return settings.quizzes_dir
