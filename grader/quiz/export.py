"""Quizzes written out for other tools: a JSON document, and Moodle GIFT for an LMS to import.

Option keys are kept as authored, so an answer given elsewhere maps back to the same key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from grader.errors import ExportFormatError
from grader.quiz.model import Question, Quiz

FORMATS = ("json", "gift")
GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")


def quiz_to_dict(quiz: Quiz) -> dict[str, Any]:
    return {
        "id": quiz.id,
        "title": quiz.title,
        "questions": [question_to_dict(q) for q in quiz.questions],
    }


def question_to_dict(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "prompt": question.prompt,
        "options": [{"key": o.key, "text": o.text, "correct": o.correct} for o in question.options],
        "explanation": question.explanation,
        "tags": list(question.tags),
    }
    if question.type == "numeric":
        data["answer"] = question.answer
        data["tolerance"] = question.tolerance
    return data


def export_quizzes(quizzes: Sequence[Quiz], fmt: str) -> str:
    """The quizzes as one document in `fmt` ("json" or "gift")."""
    if fmt == "json":
        return json.dumps({"quizzes": [quiz_to_dict(q) for q in quizzes]}, ensure_ascii=False, indent=2)
    if fmt == "gift":
        return "\n\n".join(_gift_quiz(q) for q in quizzes) + "\n"
    raise ExportFormatError(f'unknown export format "{fmt}" (expected {" or ".join(FORMATS)})')


def _gift_quiz(quiz: Quiz) -> str:
    header = f"// {quiz.title}\n$CATEGORY: {quiz.id}"
    return "\n\n".join([header, *(_gift_question(q) for q in quiz.questions)])


def _gift_question(question: Question) -> str:
    """One question in GIFT; multiple-answer weights follow our partial credit."""
    title = f"::{question.id}::"
    prompt = "[markdown]" + _gift_escape(question.prompt)
    feedback = f"####{_gift_escape(question.explanation)}"
    if question.type == "numeric":
        return f"{title}{prompt} {{#{question.answer}:{question.tolerance}\n{feedback}\n}}"
    if question.type == "single":
        lines = [f"{'=' if o.correct else '~'}{_gift_escape(o.text)}" for o in question.options]
    else:
        right = len(question.correct_keys)
        wrong = len(question.options) - right
        lines = [
            f"~%{_percent(100 / right if o.correct else -100 / wrong)}%{_gift_escape(o.text)}" for o in question.options
        ]
    body = "\n".join(f"\t{line}" for line in [*lines, feedback])
    return f"{title}{prompt} {{\n{body}\n}}"


def _percent(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _gift_escape(text: str) -> str:
    return GIFT_SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")
