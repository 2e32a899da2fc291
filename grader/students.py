"""Student names: the one rule every way in (submit, grade, quizzes, reports, a server) applies.

A name is what a gradebook row is keyed by, so two spellings that look the same must be one
name: it is stripped and put in Unicode NFC (so `chloé` typed with a combining accent and with
a precomposed é is one student). It must be printable text on one line (no control or
invisible characters that would make two rows look alike or reach a terminal raw), without
path separators (names become folder and file names in exports), and fit the database column.
"""

from __future__ import annotations

import unicodedata

from grader.errors import ConfigError

STUDENT_NAME_MAX = 200
"""Characters; the `students.name` column holds this many."""


def student_name(raw: str) -> str:
    """`raw` as a stored student name, or a ConfigError saying what is wrong with it."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise ConfigError("the student name is empty: use --student NAME or set GRADER_STUDENT")
    if len(name) > STUDENT_NAME_MAX:
        raise ConfigError(f"the student name is longer than {STUDENT_NAME_MAX} characters")
    if not name.isprintable() or "/" in name or "\\" in name:
        raise ConfigError(f"the student name {name!r} has a slash or an unprintable character")
    return name
