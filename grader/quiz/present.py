"""Showing a question to a person: options in shuffled order under numbers, answers read back.

The order is shuffled per attempt so that position gives nothing away, and options are
numbered 1, 2, 3 as shown, because showing the authored keys out of order (c, a, d, b) would
confuse. `read_choice` turns what was typed back into authored keys. No I/O here: the command
line does the asking, a web page could do the same (`grader.quiz.text` renders for a terminal).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from grader.errors import AnswerFormatError
from grader.quiz.model import Option, Question
from grader.quiz.quoting import shown
from grader.quiz.scoring import parse_number


@dataclass(frozen=True)
class Presented:
    """A question with its options in the order they are shown, numbered from 1."""

    question: Question
    options: tuple[Option, ...]

    @property
    def hint(self) -> str:
        if self.question.type == "numeric":
            return "a number"
        if self.question.type == "multiple":
            return f"all that apply of 1-{len(self.options)}, e.g. 1,3"
        return f"one of 1-{len(self.options)}"


@dataclass(frozen=True)
class Asked:
    """A question as it is put to the student now, under a label: "3/10" in a quiz, the quiz
    id in practice."""

    presented: Presented
    label: str


def present(question: Question, rng: random.Random) -> Presented:
    options = list(question.options)
    rng.shuffle(options)
    return Presented(question, tuple(options))


def read_choice(presented: Presented, typed: str) -> tuple[str, ...]:
    """The authored keys (or the number, for a numeric question) that `typed` stands for."""
    text = typed.strip()
    if presented.question.type == "numeric":
        if parse_number(text) is None:
            raise AnswerFormatError(f"{shown(text)} is not a number")
        return (text,)
    numbers = [part for part in re.split(r"[,\s]+", text) if part]
    if not numbers:
        raise AnswerFormatError("type the number of an option")
    picked: list[str] = []
    for number in numbers:
        plain = number.isascii() and number.isdigit() and len(number) <= 4
        if not plain or not 1 <= int(number) <= len(presented.options):
            raise AnswerFormatError(f"{shown(number)} is not an option number (1-{len(presented.options)})")
        key = presented.options[int(number) - 1].key
        if key not in picked:
            picked.append(key)
    if presented.question.type == "single" and len(picked) > 1:
        raise AnswerFormatError("choose one option")
    return tuple(picked)
