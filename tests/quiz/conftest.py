"""Fixtures for the quiz tests: a quiz written to disk, a database, a CLI runner."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.store import Store, open_store

SMALL_QUIZ = """# Small quiz

## q-range

What is the output range of sigmoid function?

- [x] a) (0, 1)
- [ ] b) [0, 1]
- [ ] c) (-1, 1)

> (0, 1): open at both ends.

Tags: sigmoid

## q-pairs

Which pairs are right?

- [x] a) Backprop: calculate gradients
- [x] b) Gradient descent: optimize weights
- [ ] c) Backprop: optimize weights
- [ ] d) Loss: compute output

> Backprop computes gradients; gradient descent uses them.

Type: multiple

Tags: backpropagation

## q-z

What is z for (1, 1)?

> 0.5 + 0.5 - 0.75 = 0.25.

Answer: 0.25 ± 0.01

Tags: and-gate
"""


@pytest.fixture
def quiz_dir(tmp_path: Path) -> Path:
    """A bank folder holding one quiz, `small`, with a single, a multiple and a numeric question."""
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "small.md").write_text(SMALL_QUIZ, encoding="utf-8")
    return folder


@pytest.fixture
def write_quiz(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def store() -> Iterator[Store]:
    opened = open_store("sqlite://")
    yield opened
    opened.close()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'grader.db'}"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def right_typed(quiz_dir: Path) -> Callable[[int], list[str]]:
    """What to type to answer the small quiz's questions right, in file order, when the
    options were shuffled with `--seed seed` (a quiz, or practice of new questions)."""
    from grader.quiz.bank import find_quiz, load_bank
    from grader.quiz.present import present

    def typed(seed: int) -> list[str]:
        small = find_quiz(load_bank([quiz_dir]), "small")
        rng = random.Random(seed)
        shown = [present(question, rng) for question in small.questions]
        numbers = [
            ",".join(str(1 + [o.key for o in item.options].index(key)) for key in sorted(item.question.correct_keys))
            for item in shown[:2]
        ]
        return [*numbers, "0.25"]

    return typed
