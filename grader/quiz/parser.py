"""Reading one quiz from Markdown: a markdown-it-py token stream turned into a `Quiz`.

The format is documented with an example in `quizzes/README.md`. In short:

    # Quiz title                         the file name (without .md) is the quiz id
    ## question-id                       one level-2 heading per question
    The prompt: any paragraphs, code or lists before the options.
    - [ ] a) a wrong option              a task list, `[x]` marks the correct ones
    - [x] b) the right option
    > **Explanation:** shown after answering.
    Tags: perceptron, and-gate           lesson sections (`grader.quiz.sections`)
    Type: multiple                       optional: single (default), multiple, numeric
    Answer: 0.25 ± 0.01                  numeric questions: the value and tolerance

Parsing never stops at the first mistake: every problem is collected with its line so an
author fixes a file in one pass (`grader quiz check`). A quiz is returned only when the
file has no problems at all, so nothing half-read reaches the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from grader.quiz.model import QUESTION_TYPES, Option, Question, Quiz, question_type
from grader.quiz.sections import LESSON_SECTIONS, unknown_tags

if TYPE_CHECKING:
    from markdown_it.token import Token

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
OPTION_PATTERN = re.compile(r"\[( |x|X)\][ \t]+([A-Za-z0-9]{1,8})\)[ \t]*(.*)\Z", re.DOTALL)
METADATA_PATTERN = re.compile(r"(type|tags|answer)[ \t]*:[ \t]*(.*)\Z", re.IGNORECASE)
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
ANSWER_PATTERN = re.compile(rf"({NUMBER})(?:[ \t]*(?:±|\+/-|\+-)[ \t]*({NUMBER}))?\Z")
EXPLANATION_LABEL = re.compile(r"^(?:\*\*|__)?explanation(?:\*\*|__)?:(?:\*\*|__)?[ \t]*", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a quiz file, printed as `FILE:LINE: message`."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class _Draft:
    """A question while its blocks are being read; `finish` checks it and freezes it."""

    id: str
    line: int
    prompt: list[str] = field(default_factory=list)
    options: list[tuple[Option, int]] = field(default_factory=list)
    options_line: int | None = None
    explanation: str | None = None
    tags: tuple[str, ...] = ()
    tags_line: int = 0
    type: str | None = None
    type_line: int = 0
    answer: float | None = None
    tolerance: float = 0.0
    answer_line: int | None = None


class _Reader:
    def __init__(self, text: str, path: str, quiz_id: str) -> None:
        self.lines = text.splitlines()
        self.path = path
        self.quiz_id = quiz_id
        self.problems: list[Problem] = []
        self.title: str | None = None
        self.drafts: list[_Draft] = []

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def source(self, token: Token) -> str:
        start, end = token.map or (0, 0)
        return "\n".join(self.lines[start:end]).strip()

    def read(self, tokens: list[Token]) -> None:
        for block in _top_level_blocks(tokens):
            opener = block[0]
            line = (opener.map or (0, 0))[0] + 1
            if opener.type == "heading_open" and opener.tag == "h1":
                self.read_title(block, line)
            elif opener.type == "heading_open" and opener.tag == "h2":
                self.drafts.append(_Draft(id=_inline_text(block).strip().strip("`").strip(), line=line))
            elif self.drafts:
                self.read_question_block(self.drafts[-1], block, line)
            # Anything between the title and the first question is the quiz's introduction.

    def read_title(self, block: list[Token], line: int) -> None:
        if self.title is not None:
            self.problem(line, 'a quiz has one "# " title; start questions with "## question-id"')
        else:
            self.title = _inline_text(block).strip()

    def read_question_block(self, draft: _Draft, block: list[Token], line: int) -> None:
        opener = block[0]
        after_options = draft.options_line is not None
        if opener.type == "paragraph_open" and self.read_metadata(draft, _inline_text(block), line):
            return
        if opener.type == "blockquote_open":
            if draft.explanation is not None:
                self.problem(line, f'question "{draft.id}" has two explanations; keep one "> " quote')
            else:
                draft.explanation = _explanation(self.source(opener))
            return
        if opener.type == "bullet_list_open" and not after_options:
            draft.options_line = line
            self.read_options(draft, block)
            return
        if after_options or draft.explanation is not None:
            self.problem(
                line,
                f'unexpected text after the options of question "{draft.id}" '
                '(the prompt goes above the options, the explanation in a "> " quote)',
            )
            return
        draft.prompt.append(self.source(opener))

    def read_metadata(self, draft: _Draft, text: str, line: int) -> bool:
        """Read a `Key: value` paragraph (one field a line); False if it is ordinary text."""
        rows = [row.strip().rstrip("\\").strip() for row in text.splitlines() if row.strip()]
        matches = [METADATA_PATTERN.match(row) for row in rows]
        if not rows or not all(matches):
            return False
        for offset, match in enumerate(matches):
            assert match is not None
            key, value = match.group(1).lower(), match.group(2).strip()
            where = line + offset
            if key == "tags":
                draft.tags = tuple(tag.strip() for tag in value.split(",") if tag.strip())
                draft.tags_line = where
            elif key == "type":
                draft.type, draft.type_line = value.lower(), where
            else:
                self.read_answer(draft, value, where)
        return True

    def read_answer(self, draft: _Draft, value: str, line: int) -> None:
        draft.answer_line = line
        match = ANSWER_PATTERN.match(value)
        if match is None:
            self.problem(
                line,
                f'cannot read the answer "{value}" of question "{draft.id}" (write e.g. "Answer: 0.25 ± 0.01")',
            )
            return
        draft.answer = float(match.group(1))
        draft.tolerance = abs(float(match.group(2))) if match.group(2) else 0.0

    def read_options(self, draft: _Draft, block: list[Token]) -> None:
        for index, token in enumerate(block):
            if token.type != "list_item_open" or token.level != 1:
                continue
            line = (token.map or (0, 0))[0] + 1
            inline = next((t for t in block[index + 1 :] if t.type == "inline"), None)
            match = OPTION_PATTERN.match(inline.content.strip()) if inline is not None else None
            if match is None:
                self.problem(
                    line,
                    f'option of question "{draft.id}" must look like "- [ ] a) text" or "- [x] a) text"',
                )
                continue
            mark, key, text = match.groups()
            text = " ".join(text.split())
            if any(option.key == key for option, _ in draft.options):
                self.problem(line, f'duplicate option key "{key}" in question "{draft.id}"')
            elif any(option.text.casefold() == text.casefold() for option, _ in draft.options):
                self.problem(line, f'duplicate option "{text}" in question "{draft.id}"')
            elif not text:
                self.problem(line, f'option "{key}" of question "{draft.id}" has no text')
            else:
                draft.options.append((Option(key=key, text=text, correct=mark != " "), line))

    def finish(self) -> Quiz | None:
        if not ID_PATTERN.match(self.quiz_id):
            self.problem(
                1,
                f'the file name "{self.quiz_id}" is not a quiz id: use lowercase letters, digits and hyphens',
            )
        if self.title is None:
            self.problem(1, 'the quiz has no title (a "# Title" line at the top)')
        if not self.drafts:
            self.problem(
                1,
                'no questions in this file (each question starts with a "## question-id" heading)',
            )
        seen: dict[str, int] = {}
        questions = []
        for draft in self.drafts:
            if draft.id in seen:
                self.problem(
                    draft.line,
                    f'duplicate question id "{draft.id}" (first at line {seen[draft.id]})',
                )
            seen.setdefault(draft.id, draft.line)
            question = self.finish_question(draft)
            if question is not None:
                questions.append(question)
        if self.problems:
            return None
        assert self.title is not None
        return Quiz(id=self.quiz_id, title=self.title, questions=tuple(questions), path=self.path)

    def finish_question(self, draft: _Draft) -> Question | None:
        before = len(self.problems)
        name = f'question "{draft.id}"'
        if not draft.id:
            self.problem(draft.line, 'a question heading needs an id, e.g. "## perceptron-purpose"')
            name = "this question"
        elif not ID_PATTERN.match(draft.id):
            self.problem(
                draft.line,
                f'question id "{draft.id}" must be lowercase letters, digits and hyphens',
            )
        prompt = "\n\n".join(part for part in draft.prompt if part).strip()
        if not prompt:
            self.problem(draft.line, f"{name} has an empty prompt")
        kind = draft.type or ("numeric" if draft.answer_line is not None and not draft.options_line else "single")
        if kind not in QUESTION_TYPES:
            self.problem(
                draft.type_line,
                f'unknown question type "{kind}" (expected single, multiple or numeric)',
            )
        elif kind == "numeric":
            if draft.options_line is not None:
                self.problem(draft.options_line, f"numeric {name} cannot have options")
            if draft.answer_line is None:
                self.problem(draft.line, f'numeric {name} has no "Answer:" line')
        else:
            self.check_choices(draft, kind, name)
        if not draft.explanation:
            self.problem(draft.line, f'{name} has no explanation (a "> " quote after the options)')
        if not draft.tags:
            self.problem(draft.line, f'{name} has no tags (a "Tags:" line naming lesson sections)')
        for tag in unknown_tags(draft.tags):
            self.problem(
                draft.tags_line,
                f'unknown tag "{tag}" in {name}: tags are the lesson\'s sections '
                f"({', '.join(LESSON_SECTIONS)}; see quizzes/README.md)",
            )
        if len(self.problems) > before:
            return None
        return Question(
            id=draft.id,
            type=question_type(kind),
            prompt=prompt,
            options=tuple(option for option, _ in draft.options),
            explanation=draft.explanation or "",
            tags=draft.tags,
            answer=draft.answer if kind == "numeric" else None,
            tolerance=draft.tolerance if kind == "numeric" else 0.0,
            line=draft.line,
        )

    def check_choices(self, draft: _Draft, kind: str, name: str) -> None:
        if draft.answer_line is not None:
            self.problem(
                draft.answer_line,
                f'{name} has an "Answer:" line but is not numeric (add "Type: numeric")',
            )
        if draft.options_line is None:
            self.problem(draft.line, f'{name} has no options (a list of "- [ ] a) text" lines)')
            return
        if not draft.options:
            return  # every option was malformed, and each has its own problem already
        correct = sum(option.correct for option, _ in draft.options)
        if correct == 0:
            self.problem(draft.options_line, f'{name} has no correct option (mark one "- [x]")')
        elif correct > 1 and kind == "single":
            self.problem(
                draft.options_line,
                f'single-answer {name} has {correct} correct options (add "Type: multiple" if that is meant)',
            )


def parse_quiz(text: str, path: str, quiz_id: str) -> tuple[Quiz | None, list[Problem]]:
    """Parse one quiz file's text; the quiz is None whenever a problem was found."""
    from markdown_it import MarkdownIt

    reader = _Reader(text, path, quiz_id)
    reader.read(MarkdownIt("commonmark").parse(text))
    quiz = reader.finish()
    return quiz, sorted(reader.problems, key=lambda p: p.line or 0)


def _top_level_blocks(tokens: Sequence[Token]) -> Iterator[list[Token]]:
    """Group the flat token stream into top-level blocks (a heading, a paragraph, a list...)."""
    depth = 0
    block: list[Token] = []
    for token in tokens:
        block.append(token)
        depth += token.nesting
        if depth == 0:
            yield block
            block = []


def _inline_text(block: list[Token]) -> str:
    return "\n".join(token.content for token in block if token.type == "inline" and token.level == 1)


def _explanation(quote: str) -> str:
    lines = [re.sub(r"^[ \t]*>[ \t]?", "", line) for line in quote.splitlines()]
    return EXPLANATION_LABEL.sub("", "\n".join(lines).strip(), count=1).strip()
