"""Practice with FSRS: what you got wrong comes back first; the schedule outlives the session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.quiz.bank import find_quiz
from grader.service import quizzes as service
from grader.store import Store, open_store

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def answer(store: Store, student: str, keys: list[str], at: datetime) -> str:
    queue = service.practice_queue(store, student, ["small"], at)
    assert queue.item is not None
    service.record_review(store, student, queue.item, keys, at)
    return queue.item.question.id


def test_new_questions_come_in_file_order_and_a_wrong_one_returns_before_a_right_one(
    store: Store, quiz_dir: Path
) -> None:
    service.sync_bank(store, [quiz_dir])
    assert answer(store, "ann", ["b"], START) == "q-range"  # wrong
    assert answer(store, "ann", ["a", "b"], START) == "q-pairs"  # right

    soon = service.practice_queue(store, "ann", ["small"], START + timedelta(minutes=5))
    later = service.practice_queue(store, "ann", ["small"], START + timedelta(days=1))

    assert soon.item is not None and soon.item.question.id == "q-range"
    assert (soon.due, soon.new) == (1, 1)  # q-pairs is not due yet, q-z was never asked
    assert later.item is not None and later.item.question.id == "q-range"
    assert (later.due, later.new) == (2, 1)


def test_each_student_has_a_schedule_of_their_own(store: Store, quiz_dir: Path) -> None:
    service.sync_bank(store, [quiz_dir])
    answer(store, "ann", ["a"], START)

    bob = service.practice_queue(store, "bob", ["small"], START)

    assert bob.item is not None and bob.item.question.id == "q-range"
    assert (bob.due, bob.new) == (0, 3)


def test_the_schedule_persists_when_the_database_is_opened_again(quiz_dir: Path, db_url: str) -> None:
    first = open_store(db_url)
    service.sync_bank(first, [quiz_dir])
    for keys in (["a"], ["a", "b"], ["0.25"]):
        answer(first, "ann", keys, START)
    first.close()

    again = open_store(db_url)
    try:
        now = service.practice_queue(again, "ann", ["small"], START)
        tomorrow = service.practice_queue(again, "ann", ["small"], START + timedelta(days=1))
    finally:
        again.close()

    assert now.item is None and now.next_due == START + timedelta(minutes=10)
    assert tomorrow.item is not None and tomorrow.due == 3


def test_practice_command_asks_explains_and_remembers_between_sessions(
    runner: CliRunner, quiz_dir: Path, db_url: str, right_typed: Callable[[int], list[str]]
) -> None:
    args = ["quiz", "practice", "small", "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir)]
    right = right_typed(4)

    first = runner.invoke(main, [*args, "--seed", "4"], input=f"{right[0]}\n{right[1]}\n0.3\n")
    second = runner.invoke(main, args)

    assert first.exit_code == 0, first.output
    assert first.output.startswith(
        "0 due, 3 new. Type q to stop.\n\n[small] What is the output range of sigmoid function?\n"
    )
    assert "Answer (one of 1-3; q stops): " in first.output
    assert "Answer (all that apply of 1-4, e.g. 1,3; q stops): " in first.output
    assert first.output.count("\nNext review in ") == 3
    assert first.output.endswith("Practised 3 questions: 2 right, 1 wrong. Next review in 1 minute.\n")
    assert second.exit_code == 0, second.output
    assert second.output.startswith("Nothing is due. Next review in ")


def test_q_stops_practice_with_a_summary_and_keeps_the_answers(
    runner: CliRunner, quiz_dir: Path, db_url: str, right_typed: Callable[[int], list[str]]
) -> None:
    args = ["quiz", "practice", "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir), "--seed", "2"]

    stopped = runner.invoke(main, args, input=f"{right_typed(2)[0]}\nq\n")
    again = runner.invoke(main, args, input="q\n")

    assert stopped.exit_code == 0, stopped.output
    assert stopped.output.endswith("\nPractised 1 question: 1 right, 0 wrong. 2 new. Next review in 10 minutes.\n")
    assert again.output.startswith("0 due, 2 new. Type q to stop.\n")  # the answer was kept
    assert again.output.endswith("You stopped before answering anything.\n")


def test_answers_given_in_a_quiz_count_as_practice_reviews(store: Store, quiz_dir: Path) -> None:
    small = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
    service.submit_attempt(store, small, "ann", {"q-range": ["a"], "q-pairs": ["c"]}, START)

    now = service.practice_queue(store, "ann", ["small"], START + timedelta(minutes=5))
    tomorrow = service.practice_queue(store, "ann", ["small"], START + timedelta(days=1))

    assert (now.due, now.new) == (1, 1)  # q-pairs, missed, is due again; q-z was left blank: still new
    assert now.item is not None and now.item.question.id == "q-pairs"
    assert (tomorrow.due, tomorrow.new) == (2, 1)


def test_one_schedule_whichever_way_the_student_answers(store: Store, quiz_dir: Path) -> None:
    service.sync_bank(store, [quiz_dir])
    answer(store, "ann", ["b"], START)  # practice: q-range wrong
    small = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
    service.submit_attempt(store, small, "ann", {"q-range": ["a"]}, START + timedelta(minutes=10))

    with store.read() as session:
        from sqlalchemy import select

        from grader.store.quiz_models import PracticeCard

        reviews = session.scalars(select(PracticeCard.reviews)).all()
    assert reviews == [2]  # one card, reviewed once in practice and once in the quiz


def test_the_same_practice_answer_sent_twice_is_stored_once(store: Store, quiz_dir: Path) -> None:
    """Two pages (or a retried request) answering the question they both saw due: the first is
    reviewed, the second is refused, for a new question and for a due one alike."""
    import pytest

    from grader.errors import AlreadyAnswered

    service.sync_bank(store, [quiz_dir])
    for at in (START, START + timedelta(days=30)):  # the question new, then due again
        seen = [service.practice_queue(store, "ann", ["small"], at).item for _ in range(2)]
        assert seen[0] is not None and seen[1] is not None
        service.record_review(store, "ann", seen[0], ["b"], at)
        with pytest.raises(AlreadyAnswered):
            service.record_review(store, "ann", seen[1], ["b"], at)
    from grader.store import quizzes as rows

    with store.read() as session:
        ann = rows.student_id(session, "ann", create=False)
        (card,) = rows.practice_cards(session, ann, [seen[0].question_row_id]).values()
    assert card.reviews == 2  # once each time, not twice


def test_an_answer_checked_against_a_question_answered_meanwhile_is_not_taken_for_the_next(
    store: Store, quiz_dir: Path
) -> None:
    """Found by a hostile trial: 16 copies of one practice answer sent at once recorded reviews of
    two or three questions, since the question was put again after the check, and by then the
    schedule had moved on to the next one, never shown."""
    import random

    from grader.server.web.practice import still_first
    from grader.service.sittings import PracticeSession

    service.sync_bank(store, [quiz_dir])
    session = PracticeSession(store, "ann", ["small"], rng=random.Random(1), clock=lambda: START)
    checked = session.opening.item
    assert checked is not None
    service.record_review(store, "ann", checked, ["b"], START)  # the other copy of the answer
    asked = session.next_question()
    assert asked is not None and asked.presented.question.id != checked.question.id
    assert not still_first(session, str(checked.question_row_id), "new")
