"""Practice with FSRS: what you got wrong comes back first; the schedule outlives the session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
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
    runner: CliRunner, quiz_dir: Path, db_url: str
) -> None:
    args = ["quiz", "practice", "small", "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir)]

    first = runner.invoke(main, args, input="1\n1\n0.25\n")
    second = runner.invoke(main, args)

    assert first.exit_code == 0, first.output
    assert first.output.startswith("0 due, 3 new.\n\n[small] What is the output range of sigmoid function?\n")
    assert first.output.count("\nNext review in ") == 3
    assert second.exit_code == 0, second.output
    assert second.output.startswith("Nothing is due. Next review in ")


def test_practice_stops_when_the_student_types_q(runner: CliRunner, quiz_dir: Path, db_url: str) -> None:
    result = runner.invoke(
        main,
        ["quiz", "practice", "--student", "ann", "--db", db_url, "--quizzes", str(quiz_dir)],
        input="q\n",
    )
    assert result.exit_code == 0, result.output
    assert "Next review" not in result.output
