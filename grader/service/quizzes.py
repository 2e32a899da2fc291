"""The quiz operations the command line (or a web server) calls: each one a complete use case.

Functions take a `Store` and plain values and return frozen records; they never print,
prompt or exit. Input is checked in full before anything is written, so a bad answers file
or an unknown question stores nothing, and each write is one transaction.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import AnswerFormatError, InputFileError, NotFoundError
from grader.quiz.bank import find_quiz, load_bank
from grader.quiz.export import export_quizzes
from grader.quiz.model import Question, Quiz
from grader.quiz.present import Presented, present
from grader.quiz.scoring import QuestionScore, QuizScore, answer_problem, score_question, score_quiz
from grader.quiz.stats import QuizStats, item_statistics
from grader.store import quizzes as repository
from grader.store.base import utcnow
from grader.students import student_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.store import Store


@dataclass(frozen=True)
class AttemptResult:
    attempt_id: int
    quiz_id: str
    student: str
    score: QuizScore


@dataclass(frozen=True)
class PracticeItem:
    """A question to practise now, with the stored ids its review will be recorded against."""

    quiz_id: str
    question: Question
    question_row_id: int
    version_id: int
    due: datetime | None  # None: never practised yet


@dataclass(frozen=True)
class PracticeQueue:
    """Where a student's practice stands: the question to ask first, and what else waits."""

    item: PracticeItem | None
    due: int
    new: int
    next_due: datetime | None


@dataclass(frozen=True)
class ReviewResult:
    score: QuestionScore
    explanation: str
    rating: str
    next_due: datetime


def export(paths: Sequence[str | Path], quiz_id: str | None, fmt: str) -> str:
    quizzes = load_bank(paths)
    chosen = [find_quiz(quizzes, quiz_id)] if quiz_id else quizzes
    return export_quizzes(chosen, fmt)


def sync_bank(store: Store, paths: Sequence[str | Path]) -> list[Quiz]:
    """Load the quiz files into the database (idempotently) and return them."""
    quizzes = load_bank(paths)
    store.write(lambda session: repository.sync_quizzes(session, quizzes))
    return quizzes


def start_attempt(paths: Sequence[str | Path], quiz_id: str, rng: random.Random) -> tuple[Quiz, list[Presented]]:
    """The quiz and its questions with options shuffled for this attempt."""
    quiz = find_quiz(load_bank(paths), quiz_id)
    return quiz, [present(question, rng) for question in quiz.questions]


def submit_attempt(
    store: Store,
    quiz: Quiz,
    student: str,
    answers: Mapping[str, Sequence[str]],
    at: datetime | None = None,
) -> AttemptResult:
    """Score an attempt and store it with every answer in one transaction."""
    name = student_name(student)
    for question_id, chosen in answers.items():
        question = quiz.question(question_id)
        if question is None:
            raise NotFoundError(f'no question "{question_id}" in quiz "{quiz.id}"')
        problem = answer_problem(question, chosen)
        if problem is not None:
            raise AnswerFormatError(problem)
    score = score_quiz(quiz, answers)
    when = at or utcnow()
    attempt_id = store.write(lambda session: repository.record_attempt(session, name, quiz, score, when))
    return AttemptResult(attempt_id, quiz.id, name, score)


def take_with_answers_file(
    store: Store,
    paths: Sequence[str | Path],
    quiz_id: str,
    student: str,
    answers_file: str | Path,
    at: datetime | None = None,
) -> AttemptResult:
    """Take a quiz without prompts, answers read from a JSON file: question id -> option keys."""
    quiz = find_quiz(load_bank(paths), quiz_id)
    answers = read_answers_file(answers_file, quiz)
    return submit_attempt(store, quiz, student, answers, at)


def read_answers_file(path: str | Path, quiz: Quiz) -> dict[str, tuple[str, ...]]:
    """The answers in `path`, checked against `quiz`; `InputFileError` names the first problem."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InputFileError(path, f"cannot read the answers file: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise InputFileError(path, "the answers file is not UTF-8 text") from error
    except json.JSONDecodeError as error:
        raise InputFileError(path, f"not valid JSON: {error.msg}", error.lineno) from error
    if not isinstance(data, dict):
        raise InputFileError(path, 'expected a JSON object of question id -> list of option keys, e.g. {"q1": ["b"]}')
    answers: dict[str, tuple[str, ...]] = {}
    for question_id, chosen in data.items():
        question = quiz.question(question_id)
        if question is None:
            raise InputFileError(path, f'no question "{question_id}" in quiz "{quiz.id}"')
        keys = _answer_values(chosen)
        if keys is None:
            raise InputFileError(path, f'the answer to "{question_id}" must be a list of option keys, e.g. ["b"]')
        problem = answer_problem(question, keys)
        if problem is not None:
            raise InputFileError(path, problem)
        answers[question_id] = keys
    return answers


def practice_queue(store: Store, student: str, quiz_ids: Sequence[str], now: datetime | None = None) -> PracticeQueue:
    """What to practise next: due questions (most overdue first), then new ones in file order."""
    when = now or utcnow()
    name = student_name(student)
    with store.read() as session:
        return _practice_queue(session, name, quiz_ids, when)


def record_review(
    store: Store,
    student: str,
    item: PracticeItem,
    chosen: Sequence[str],
    now: datetime | None = None,
) -> ReviewResult:
    """Score a practice answer, store it and reschedule the question, in one transaction."""
    from grader.quiz import scheduler

    name = student_name(student)
    when = now or utcnow()
    problem = answer_problem(item.question, chosen)
    if problem is not None:
        raise AnswerFormatError(problem)
    score = score_question(item.question, chosen)

    def work(session: Session) -> ReviewResult:
        from grader.store.quiz_models import QuestionVersion

        taker = repository.student(session, name)
        version = session.get(QuestionVersion, item.version_id)
        assert taker is not None and version is not None
        card = repository.practice_cards(session, taker, [item.question_row_id]).get(item.question_row_id)
        review = scheduler.review(card.card if card else None, score, when, card_id=item.question_row_id)
        repository.save_card(session, taker, item.question_row_id, review.card, review.due)
        repository.record_practice_answer(session, taker, version, score, when)
        return ReviewResult(score, item.question.explanation, review.rating, review.due)

    return store.write(work)


def quiz_stats(store: Store, quiz_id: str | None = None) -> list[QuizStats]:
    """Item analysis of each quiz in the database (or of one), from students' first attempts."""
    with store.read() as session:
        return quiz_stats_in(session, quiz_id)


def quiz_stats_in(session: Session, quiz_id: str | None = None) -> list[QuizStats]:
    """`quiz_stats` within a read the caller has open (a report reads everything in one)."""
    if quiz_id is None:
        records = list(repository.quiz_records(session))
    else:
        record = repository.quiz_record(session, quiz_id)
        if record is None:
            raise NotFoundError(f'no quiz "{quiz_id}" in the database (a quiz is stored when first taken)')
        records = [record]
    results = []
    for record in records:
        questions = [repository.question_from_row(row, v) for row, v in repository.current_questions(session, record)]
        responses, totals = repository.first_attempt_answers(session, record)
        items = item_statistics(questions, responses, totals)
        results.append(QuizStats(record.slug, record.title, len(totals), items))
    return results


def _practice_queue(session: Session, name: str, quiz_ids: Sequence[str], now: datetime) -> PracticeQueue:
    taker = repository.student(session, name, create=False)
    due: list[tuple[datetime, PracticeItem]] = []
    new: list[PracticeItem] = []
    later: list[datetime] = []
    for quiz_id in quiz_ids:
        record = repository.quiz_record(session, quiz_id)
        if record is None:
            raise NotFoundError(f'no quiz "{quiz_id}" in the database')
        current = repository.current_questions(session, record)
        cards = repository.practice_cards(session, taker, [row.id for row, _ in current])
        for row, version in current:
            question = repository.question_from_row(row, version)
            card = cards.get(row.id)
            item = PracticeItem(quiz_id, question, row.id, version.id, card.due if card else None)
            if card is None:
                new.append(item)
            elif card.due <= now:
                due.append((card.due, item))
            else:
                later.append(card.due)
    due.sort(key=lambda pair: pair[0])
    queue = [item for _, item in due] + new
    return PracticeQueue(queue[0] if queue else None, len(due), len(new), min(later) if later else None)


def _answer_values(value: object) -> tuple[str, ...] | None:
    """Option keys as strings; a number is accepted for numeric questions. None if malformed."""
    if not isinstance(value, list):
        return None
    keys: list[str] = []
    for item in value:
        if isinstance(item, str):
            keys.append(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            keys.append(repr(item))
        else:
            return None
    return tuple(keys)
