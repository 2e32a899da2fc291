"""Submitted files on a page: highlighted by Pygments, which escapes every character of them.

Shown exactly as submitted: no line is stripped or re-indented, tabs stay tabs (Pygments only
reads a lone carriage return as a line end; the raw file, byte for byte, is a download away).
Characters that could make code read differently from what runs (bidirectional controls,
zero-width characters) are listed with their lines, so that a reviewer is not fooled.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from markupsafe import Markup

BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters, so valid in a Python name, that show as nothing at all."""


def is_hidden(char: str) -> bool:
    """Whether `char` hides what code does: an invisible format character (zero-width, bidi,
    word joiner, tag; Unicode's category Cf) or a letter that shows as a blank."""
    return char in BLANK_LETTERS or (char > "\x7f" and unicodedata.category(char) == "Cf")


@dataclass(frozen=True)
class ShownFile:
    path: str
    html: Markup
    lines: int
    hidden: tuple[str, ...]
    """"line 3: U+202E RIGHT-TO-LEFT OVERRIDE" for each character that hides what code does."""


def shown_files(files: Mapping[str, str]) -> list[ShownFile]:
    return [shown_file(path, text) for path, text in sorted(files.items())]


def shown_file(path: str, text: str) -> ShownFile:
    from pygments import highlight

    html = highlight(text, _lexer(), _formatter())
    return ShownFile(path, Markup(html), len(text.splitlines()), _hidden(text))  # noqa: S704 - Pygments escapes


def _hidden(text: str) -> tuple[str, ...]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for char in dict.fromkeys(c for c in line if is_hidden(c)):
            found.append(f"line {number}: U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}")
    return tuple(found)


@cache
def _lexer() -> Any:
    from pygments.lexers import PythonLexer

    return PythonLexer(stripnl=False, stripall=False, ensurenl=False, tabsize=0)


@cache
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(linenos="table", cssclass="source", wrapcode=True)
