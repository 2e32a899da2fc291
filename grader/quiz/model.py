"""What a quiz is once its Markdown has been read: frozen records, no I/O.

Everything else in `grader.quiz` (scoring, export, statistics, storage) works on these
records, so a quiz parsed from a file, rebuilt from the database or written by hand in a
test behaves the same.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

QuestionType = Literal["single", "multiple", "numeric"]
QUESTION_TYPES: tuple[QuestionType, ...] = ("single", "multiple", "numeric")


@dataclass(frozen=True)
class Option:
    """One choice of a question, under the key its author gave it (`a`, `b`, ...)."""

    key: str
    text: str
    correct: bool


@dataclass(frozen=True)
class Question:
    """A question as its author wrote it.

    `answer` and `tolerance` are used by numeric questions only; choice questions leave
    `answer` as None and carry their options instead.
    """

    id: str
    type: QuestionType
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    tags: tuple[str, ...]
    answer: float | None = None
    tolerance: float = 0.0
    line: int = field(default=0, compare=False)

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(option.key for option in self.options if option.correct)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)

    def content_hash(self) -> str:
        """A fingerprint of what a student sees and what decides their score.

        Answers are tied to the wording they were given to: any edit that changes this hash
        makes a new version of the question, and older answers stay with the older wording.
        Tags are left out on purpose: re-filing a question under another lesson section
        does not change what was asked.
        """
        payload = {
            "type": self.type,
            "prompt": self.prompt,
            "options": [[o.key, o.text, o.correct] for o in self.options],
            "explanation": self.explanation,
            "answer": self.answer,
            "tolerance": self.tolerance,
        }
        encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True)
class Quiz:
    """One Markdown file: its id is the file name without `.md`, its title the `# ` heading."""

    id: str
    title: str
    questions: tuple[Question, ...]
    path: str = field(default="", compare=False)

    def question(self, question_id: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id:
                return question
        return None


def question_type(name: str) -> QuestionType:
    """`name` as a `QuestionType`; ValueError for anything else."""
    for known in QUESTION_TYPES:
        if known == name:
            return known
    raise ValueError(f"unknown question type {name!r}")
