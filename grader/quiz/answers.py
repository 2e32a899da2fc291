"""Reading an answers file: `grader quiz take QUIZ --answers FILE`, checked in full against the quiz.

The file is a JSON object of question id to the chosen option keys, `{"sigmoid-range": ["a"]}`;
a numeric question takes a JSON number (`{"and-gate-z-one-one": 0.25}`) or the number in a
list (`["0.25"]` or `[0.25]`). The file is untrusted input: its size is capped, a document
nested too deeply for the JSON reader is refused in one line, and whatever of it appears in
a message is quoted safely (`grader.quiz.quoting.shown`).
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.errors import AnswerFormatError, InputFileError
from grader.quiz.model import Question, Quiz
from grader.quiz.quoting import shown
from grader.quiz.scoring import answer_problem

MAX_BYTES = 1 << 20
"""An answers file for the largest quiz is a few KiB; anything over a MiB is not one."""


def read_answers_file(path: str | Path, quiz: Quiz) -> dict[str, tuple[str, ...]]:
    """The answers in `path`, checked against `quiz`; `InputFileError` names the first problem."""
    data = load_answers_file(Path(path))
    try:
        return check_answers(data, quiz)
    except AnswerFormatError as error:
        raise InputFileError(path, str(error)) from None


def check_answers(data: object, quiz: Quiz) -> dict[str, tuple[str, ...]]:
    """An answers file's content (parsed JSON), checked in full against `quiz`;
    `AnswerFormatError` names the first problem. A course server checks uploads with it."""
    if not isinstance(data, dict):
        raise AnswerFormatError('expected a JSON object of question id -> list of option keys, e.g. {"q1": ["b"]}')
    if not data:
        raise AnswerFormatError('answers no question: give question id -> option keys, e.g. {"q1": ["b"]}')
    answers: dict[str, tuple[str, ...]] = {}
    for question_id, chosen in data.items():
        question = quiz.question(question_id)
        if question is None:
            raise AnswerFormatError(f"no question {shown(question_id)} in quiz {shown(quiz.id)}")
        keys = answer_values(question, chosen)
        if keys is None:
            example = '0.25 or ["0.25"]' if question.type == "numeric" else '["b"]'
            kind = "a number" if question.type == "numeric" else "a list of option keys"
            raise AnswerFormatError(f"the answer to {shown(question_id)} must be {kind}, e.g. {example}")
        problem = answer_problem(question, keys)
        if problem is not None:
            raise AnswerFormatError(problem)
        answers[question_id] = keys
    return answers


def answer_values(question: Question, value: object) -> tuple[str, ...] | None:
    """The option keys (or the number, as text) that `value` gives; None if it is malformed.

    A list of strings is option keys; a number, bare or in a list, is accepted for a numeric
    question. A boolean is not a number here, though Python says it is.
    """
    if question.type == "numeric" and _is_number(value):
        return (repr(value),)
    if not isinstance(value, list):
        return None
    keys: list[str] = []
    for item in value:
        if isinstance(item, str):
            keys.append(item)
        elif question.type == "numeric" and _is_number(item):
            keys.append(repr(item))
        else:
            return None
    return tuple(keys)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("a number too large")
    return value


def load_answers_file(path: Path) -> object:
    """The parsed JSON of an answers file, unchecked (size-capped, UTF-8); `InputFileError` if unreadable."""
    try:
        if path.exists() and not path.is_file():  # a FIFO or a device would be read for ever
            raise InputFileError(path, "not a regular file")
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise InputFileError(path, f"cannot read the answers file: {error.strerror}") from error
    if len(data) > MAX_BYTES:
        raise InputFileError(path, f"the answers file is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputFileError(path, "the answers file is not UTF-8 text") from error
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as error:
        raise InputFileError(path, f"not valid JSON: {error.msg}", error.lineno) from error
    except RecursionError as error:
        raise InputFileError(path, "not an answers file: the JSON is nested too deeply") from error
    except ValueError as error:  # e.g. an integer longer than Python converts
        raise InputFileError(path, "not valid JSON: a value cannot be read") from error
