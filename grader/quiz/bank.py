"""Finding quiz files and reading them: paths in, checked `Quiz` records or problems out.

A folder stands for every `*.md` file in it except its `README.md` (which documents the
format). Bytes are decoded here, strictly as UTF-8, so a file saved in another encoding is
reported with the line of its first bad byte instead of being read as garbage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from grader.errors import InputFileError, NotFoundError
from grader.quiz.model import Quiz
from grader.quiz.parser import Problem, parse_quiz
from grader.quiz.quoting import shown

DOCUMENTATION_FILES = frozenset({"readme.md"})


def quiz_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The quiz files named by `paths` (files, or folders of `*.md`), and the missing paths."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.glob("*.md") if p.is_file() and p.name.lower() not in DOCUMENTATION_FILES)
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(raw), None, "no such file or folder"))
    return files, problems


def read_quiz_file(path: Path) -> tuple[Quiz | None, list[Problem]]:
    """Parse one file; bytes that are not UTF-8 give one problem at the line of the first."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Problem(str(path), None, f"cannot read the file: {error.strerror}")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.start + 1].hex()
        return None, [
            Problem(
                str(path),
                line,
                f"the file is not UTF-8 text (byte 0x{bad} at offset {error.start})",
            )
        ]
    return parse_quiz(text.removeprefix("\ufeff"), str(path), path.stem)


def check_paths(paths: Sequence[str | Path]) -> list[Problem]:
    """Every problem in the quiz files under `paths`; an empty list means all of them are valid."""
    return read_bank(paths)[1]


def load_bank(paths: Sequence[str | Path]) -> list[Quiz]:
    """The quizzes under `paths`, or `InputFileError` naming the first problem found."""
    quizzes, problems = read_bank(paths)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more; run `grader quiz check`)" if len(problems) > 1 else ""
        raise InputFileError(first.path, first.message + more, first.line)
    return quizzes


def find_quiz(quizzes: Sequence[Quiz], quiz_id: str) -> Quiz:
    for quiz in quizzes:
        if quiz.id == quiz_id:
            return quiz
    known = ", ".join(quiz.id for quiz in quizzes) or "none"
    raise NotFoundError(f"no quiz {shown(quiz_id)} (known quizzes: {known})")


def read_bank(paths: Sequence[str | Path]) -> tuple[list[Quiz], list[Problem]]:
    """The valid quizzes under `paths` and every problem found in the others."""
    files, problems = quiz_files(paths)
    if not files and not problems:
        problems.append(Problem(", ".join(str(p) for p in paths) or ".", None, "no quiz files (*.md) found"))
    quizzes: list[Quiz] = []
    first_file: dict[str, Path] = {}
    for path in files:
        quiz, found = read_quiz_file(path)
        problems.extend(found)
        if quiz is None:
            continue
        if quiz.id in first_file:
            problems.append(Problem(str(path), 1, f'duplicate quiz id "{quiz.id}" (also {first_file[quiz.id]})'))
            continue
        first_file[quiz.id] = path
        quizzes.append(quiz)
    return quizzes, problems
