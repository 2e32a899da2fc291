"""Loading the bank into the database: idempotent, and edits keep old answers with old wording."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from grader.quiz.bank import find_quiz
from grader.service import quizzes as service
from grader.store import Store
from grader.store.quiz_models import (
    QuestionVersion,
    QuizAnswer,
    QuizAttempt,
    QuizQuestion,
    QuizRecord,
)


def counts(store: Store) -> tuple[int, ...]:
    with store.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (QuizRecord, QuizQuestion, QuestionVersion, QuizAttempt, QuizAnswer)
        )


def test_loading_the_same_files_twice_changes_nothing(store: Store, quiz_dir: Path) -> None:
    service.sync_bank(store, [quiz_dir])
    before = counts(store)
    with store.read() as session:
        loaded_at = session.scalar(select(QuizRecord.loaded_at))

    service.sync_bank(store, [quiz_dir])

    assert before == counts(store) == (1, 3, 3, 0, 0)
    with store.read() as session:
        assert session.scalar(select(QuizRecord.loaded_at)) == loaded_at


def test_an_edited_question_keeps_earlier_answers_tied_to_the_earlier_wording(store: Store, quiz_dir: Path) -> None:
    quiz = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
    service.submit_attempt(store, quiz, "ann", {"q-range": ["b"]})
    path = quiz_dir / "small.md"
    path.write_text(path.read_text().replace("What is the output range", "Which is the output range"))

    edited = find_quiz(service.sync_bank(store, [quiz_dir]), "small")
    service.submit_attempt(store, edited, "ann", {"q-range": ["a"]})

    assert counts(store) == (1, 3, 4, 2, 6)
    with store.read() as session:
        rows = session.execute(
            select(QuestionVersion.prompt, QuizAnswer.chosen, QuizAnswer.correct)
            .join(QuizAnswer.version)
            .join(QuestionVersion.question)
            .where(QuizQuestion.slug == "q-range")
            .order_by(QuizAnswer.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("What is the output range of sigmoid function?", ["b"], False),
        ("Which is the output range of sigmoid function?", ["a"], True),
    ]


def test_an_attempt_stores_student_time_choices_and_correctness(store: Store, quiz_dir: Path) -> None:
    quiz = find_quiz(service.sync_bank(store, [quiz_dir]), "small")

    result = service.submit_attempt(store, quiz, "ann", {"q-range": ["a"], "q-pairs": ["a", "c"], "q-z": ["0.25"]})

    assert (result.score.score, result.score.max_score) == (2.0, 3.0)
    with store.read() as session:
        attempt = session.get(QuizAttempt, result.attempt_id)
        assert attempt is not None and attempt.student.name == "ann"
        assert [(a.chosen, a.correct, a.points, a.mode) for a in attempt.answers] == [
            (["a"], True, 1.0, "take"),
            (["a", "c"], False, 0.0, "take"),
            (["0.25"], True, 1.0, "take"),
        ]
        assert all(a.answered_at == attempt.created_at for a in attempt.answers)
