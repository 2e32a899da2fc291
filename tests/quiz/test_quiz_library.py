"""The quiz features as a library a web page drives: sittings, verdicts, and a store that
knows nothing of how quizzes are parsed or scored."""

from __future__ import annotations

import ast
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from grader.errors import AnswerFormatError
from grader.service.sittings import PracticeSession, QuizSitting
from grader.store import Store
from grader.store.quiz_models import QuizAttempt

GRADER = Path(__file__).resolve().parents[2] / "grader"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_the_store_imports_nothing_from_quiz_service_or_cli() -> None:
    offenders = []
    for path in sorted((GRADER / "store").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(GRADER)}: {name}"
                for name in names
                if name.split(".")[:2] in (["grader", "quiz"], ["grader", "service"], ["grader", "cli"])
            ]
    assert offenders == []


def test_a_page_drives_a_quiz_sitting_question_by_question(store: Store, quiz_dir: Path) -> None:
    sitting = QuizSitting.start(store, [quiz_dir], "small", "ann", random.Random(1), clock=lambda: START)

    first = sitting.next_question()
    assert first is not None and first.label == "1/3"
    with pytest.raises(AnswerFormatError):
        sitting.answer(["a", "b"])  # one option only: the question stays current
    assert sitting.next_question() == first
    verdict = sitting.answer(["b"])
    assert (verdict.correct, verdict.label, [o.text for _, o in verdict.right_options]) == (False, "1/3", ["(0, 1)"])
    assert verdict.options == first.presented.options  # numbered as the page showed them
    second = sitting.answer(["a", "b"])
    assert second.correct
    sitting.stop()

    assert sitting.next_question() is None
    result = sitting.finish()
    assert result is not None and sitting.finish() is result  # stored once
    assert (result.attempt, result.complete, result.answered, result.score.score) == (1, False, 2, 1.0)
    assert [v.question.id for v in result.missed] == ["q-range"]
    with store.read() as session:
        [(complete, created_at)] = session.execute(select(QuizAttempt.complete, QuizAttempt.created_at)).all()
    assert (complete, created_at) == (False, START)


def test_a_page_drives_a_practice_session_and_reads_its_tally(store: Store, quiz_dir: Path) -> None:
    now = [START]
    session = PracticeSession.start(store, [quiz_dir], None, "ann", limit=2, clock=lambda: now[0])
    assert (session.opening.due, session.opening.new) == (0, 3)

    asked = session.next_question()
    assert asked is not None and asked.label == "small" and asked.presented.question.id == "q-range"
    wrong = session.answer(["c"])
    assert wrong.next_due is not None and wrong.next_due - START < timedelta(minutes=30)
    now[0] = START + timedelta(seconds=5)
    right = session.answer(["a", "b"]) if session.next_question() else None

    assert right is not None and right.correct
    assert session.next_question() is None  # the limit of 2
    summary = session.summary()
    assert (len(summary.verdicts), summary.right, summary.wrong, summary.new, summary.stopped) == (2, 1, 1, 1, False)
