"""The quiz operations the command line (or a web server) calls: each one a complete use case.

Functions take a `Store` and plain values and return frozen records; they never print,
prompt or exit. Input is checked in full before anything is written, so a bad answers file
or an unknown question stores nothing, and each write is one transaction.

Here, and only here, quiz records (`grader.quiz`) meet stored rows (`grader.store.quizzes`):
the store takes and returns plain rows and never imports `grader.quiz`.

One FSRS schedule per student and question: an answer given in `grader quiz take` is a
review just as one given in `grader quiz practice` is, so a quiz taken today sends its
missed questions back to practice soon and its right ones later. A question left blank is
not a review.

The interactive sittings built on these functions (`QuizSitting`, `PracticeSession`) are in
`grader.service.sittings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import AlreadyAnswered, AnswerFormatError, NotFoundError
from grader.quiz.answers import read_answers_file
from grader.quiz.bank import find_quiz, load_bank
from grader.quiz.export import export_quizzes
from grader.quiz.model import Option, Question, Quiz, question_type
from grader.quiz.quoting import shown
from grader.quiz.results import AttemptResult
from grader.quiz.scoring import QuestionScore, answer_problem, score_question, score_quiz
from grader.quiz.stats import QuizStats, Response, item_statistics
from grader.quiz.verdict import Verdict, verdict
from grader.records import QuizProgress
from grader.store import quizzes as rows
from grader.store.base import utcnow
from grader.students import student_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.store import Store


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


# -- the bank ------------------------------------------------------------------------------------


def list_quizzes(paths: Sequence[str | Path]) -> list[Quiz]:
    """The quizzes of the bank, in file-name order."""
    return load_bank(paths)


def export(paths: Sequence[str | Path], quiz_id: str | None, fmt: str) -> str:
    quizzes = load_bank(paths)
    chosen = [find_quiz(quizzes, quiz_id)] if quiz_id else quizzes
    return export_quizzes(chosen, fmt)


def sync_bank(store: Store, paths: Sequence[str | Path]) -> list[Quiz]:
    """Load the quiz files into the database (idempotently) and return them."""
    quizzes = load_bank(paths)
    store.write(lambda session: rows.sync_quizzes(session, [quiz_content(q) for q in quizzes]))
    return quizzes


# -- taking a quiz -------------------------------------------------------------------------------


def submit_attempt(
    store: Store,
    quiz: Quiz,
    student: str,
    answers: Mapping[str, Sequence[str]],
    at: datetime | None = None,
    *,
    complete: bool = True,
    shown_options: Mapping[str, tuple[Option, ...]] | None = None,
    labels: Mapping[str, str] | None = None,
    on_stored: Callable[[Session, int], None] | None = None,
) -> AttemptResult:
    """Score an attempt, store it with every answer and review each answered question's
    practice card, in one transaction.

    A complete attempt stores an answer for every question (a blank one for a question left
    out); an attempt the student stopped (`complete=False`) stores only the answers given.
    `shown_options` and `labels` say how each question was shown, for the verdicts.
    `on_stored(session, attempt_id)` runs in the same transaction (a sitting saved between
    page loads is marked finished there, so that it stores its attempt once).
    """
    name = student_name(student)
    for question_id, chosen in answers.items():
        question = quiz.question(question_id)
        if question is None:
            raise NotFoundError(f"no question {shown(question_id)} in quiz {shown(quiz.id)}")
        problem = answer_problem(question, chosen)
        if problem is not None:
            raise AnswerFormatError(problem)
    score = score_quiz(quiz, answers)
    stored = [s for s in score.questions if complete or s.question_id in answers]
    when = at or utcnow()
    content = quiz_content(quiz)

    def work(session: Session) -> rows.RecordedAttempt:
        taker = rows.student_id(session, name)
        assert taker is not None
        recorded = rows.record_attempt(
            session,
            taker,
            content,
            [_answer_row(s) for s in stored],
            when,
            score=score.score,
            max_score=score.max_score,
            complete=complete,
        )
        reviewed = [s for s in stored if s.chosen]
        _review_cards(session, taker, [(recorded.question_ids[s.question_id], s) for s in reviewed], when)
        if on_stored is not None:
            on_stored(session, recorded.attempt_id)
        return recorded

    recorded = store.write(work)
    order = {q.id: n for n, q in enumerate(quiz.questions, 1)}
    verdicts = tuple(
        verdict(
            quiz.questions[order[s.question_id] - 1],
            s,
            (shown_options or {}).get(s.question_id),
            label=(labels or {}).get(s.question_id, f"{order[s.question_id]}/{len(quiz.questions)}"),
        )
        for s in stored
    )
    return AttemptResult(recorded.attempt_id, recorded.attempt, quiz.id, quiz.title, name, score, verdicts, complete)


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


# -- practice ------------------------------------------------------------------------------------


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
    """Score a practice answer, store it and reschedule the question, in one transaction.

    The answer is taken only while the question is as `item` read it (its card's due time,
    read again under a lock): the same answer sent twice at once is stored once, and the
    second raises AlreadyAnswered."""
    from sqlalchemy.exc import IntegrityError

    name = student_name(student)
    when = now or utcnow()
    problem = answer_problem(item.question, chosen)
    if problem is not None:
        raise AnswerFormatError(problem)
    score = score_question(item.question, chosen)

    def work(session: Session) -> ReviewResult:
        taker = rows.student_id(session, name)
        assert taker is not None
        card = rows.practice_cards(session, taker, [item.question_row_id], lock=True).get(item.question_row_id)
        if (card.due if card else None) != item.due:  # reviewed meanwhile (the same answer sent twice)
            raise AlreadyAnswered("this question was answered already: it is not due any more")
        [review] = _review_cards(session, taker, [(item.question_row_id, score)], when)
        rows.record_practice_answer(session, taker, item.version_id, _answer_row(score), when)
        return ReviewResult(score, item.question.explanation, review.rating, review.due)

    try:
        return store.write(work)
    except IntegrityError as error:  # its first review, stored by another answer meanwhile
        raise AlreadyAnswered("this question was answered already: it is not due any more") from error


def review_verdict(item: PracticeItem, review: ReviewResult, options: tuple[Option, ...]) -> Verdict:
    return verdict(item.question, review.score, options, label=item.quiz_id, next_due=review.next_due)


# -- what instructors and students read back -----------------------------------------------------


def quiz_stats(store: Store, quiz_id: str | None = None) -> list[QuizStats]:
    """Item analysis of each quiz in the database (or of one), from students' first attempts."""
    with store.read() as session:
        return quiz_stats_in(session, quiz_id)


def quiz_stats_in(session: Session, quiz_id: str | None = None) -> list[QuizStats]:
    """`quiz_stats` within a read the caller has open (a report reads everything in one)."""
    titles = rows.quiz_titles(session)
    if quiz_id is not None:
        if quiz_id not in titles:
            raise NotFoundError(f"no quiz {shown(quiz_id)} in the database (a quiz is stored when first taken)")
        titles = {quiz_id: titles[quiz_id]}
    results = []
    for slug, title in titles.items():
        questions = [question_from_content(q.content) for q in rows.current_questions(session, slug) or []]
        responses, totals = rows.first_attempt_answers(session, slug)
        found = [Response(r.attempt_id, r.question, r.chosen, r.correct, r.points) for r in responses]
        results.append(QuizStats(slug, title, len(totals), item_statistics(questions, found, totals)))
    return results


def quiz_progress_in(session: Session, student: str) -> QuizProgress:
    """A student's quiz attempts, oldest first, and the best and latest score per quiz: the quiz
    part of `grader progress` and `grader report --student`, read within the caller's read."""
    return QuizProgress(tuple(rows.student_attempts(session, student_name(student))))


def quiz_progress(store: Store, student: str) -> QuizProgress:
    with store.read() as session:
        return quiz_progress_in(session, student)


# -- records <-> rows ----------------------------------------------------------------------------


def quiz_content(quiz: Quiz) -> rows.QuizContent:
    return rows.QuizContent(quiz.id, quiz.title, tuple(_question_content(q) for q in quiz.questions))


def _question_content(question: Question) -> rows.QuestionContent:
    return rows.QuestionContent(
        slug=question.id,
        content_hash=question.content_hash(),
        type=question.type,
        prompt=question.prompt,
        options=tuple((o.key, o.text, o.correct) for o in question.options),
        explanation=question.explanation,
        tags=question.tags,
        answer=question.answer,
        tolerance=question.tolerance,
    )


def question_from_content(content: rows.QuestionContent) -> Question:
    """The record of a stored wording, so scoring works the same on it as on a file."""
    return Question(
        id=content.slug,
        type=question_type(content.type),
        prompt=content.prompt,
        options=tuple(Option(key, text, correct) for key, text, correct in content.options),
        explanation=content.explanation,
        tags=content.tags,
        answer=content.answer,
        tolerance=content.tolerance,
    )


def _answer_row(score: QuestionScore) -> rows.AnswerRow:
    return rows.AnswerRow(score.question_id, score.chosen, score.correct, score.points, score.max_points)


def _review_cards(
    session: Session, student: int, answered: Sequence[tuple[int, QuestionScore]], at: datetime
) -> list[_Reviewed]:
    """Apply each answer to the student's card for its question and save the cards."""
    from grader.quiz import scheduler

    cards = rows.practice_cards(session, student, [question_id for question_id, _ in answered])
    reviewed = []
    for question_id, score in answered:
        card = cards.get(question_id)
        review = scheduler.review(card.card if card else None, score, at, card_id=question_id)
        rows.save_card(session, student, question_id, review.card, review.due)
        reviewed.append(_Reviewed(review.rating, review.due))
    return reviewed


@dataclass(frozen=True)
class _Reviewed:
    rating: str
    due: datetime


def _practice_queue(session: Session, name: str, quiz_ids: Sequence[str], now: datetime) -> PracticeQueue:
    taker = rows.student_id(session, name, create=False)
    due: list[tuple[datetime, PracticeItem]] = []
    new: list[PracticeItem] = []
    later: list[datetime] = []
    for quiz_id in quiz_ids:
        current = rows.current_questions(session, quiz_id)
        if current is None:
            raise NotFoundError(f"no quiz {shown(quiz_id)} in the database")
        cards = rows.practice_cards(session, taker, [q.question_id for q in current])
        for stored in current:
            card = cards.get(stored.question_id)
            question = question_from_content(stored.content)
            item = PracticeItem(quiz_id, question, stored.question_id, stored.version_id, card.due if card else None)
            if card is None:
                new.append(item)
            elif card.due <= now:
                due.append((card.due, item))
            else:
                later.append(card.due)
    due.sort(key=lambda pair: pair[0])
    queue = [item for _, item in due] + new
    return PracticeQueue(queue[0] if queue else None, len(due), len(new), min(later) if later else None)
