"""The gradebook as CSV for an LMS import: a header row, then one row per student, student first.

Scores are plain numbers; a cell is empty where the student made no attempt, which gradebook
imports read as "no grade" rather than zero. A student name that a spreadsheet would take for
a formula is prefixed with a quote.
"""

from __future__ import annotations

import csv
import io

from grader.report.gradebook import Gradebook
from grader.report.marks import points

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def format_csv(book: Gradebook) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["student", *(_header(c.key, c.title, c.kind) for c in book.columns), "total"])
    for row in book.rows:
        writer.writerow(
            [
                _text(row.student),
                *("" if s is None else points(s) for s in row.scores),
                points(row.total),
            ]
        )
    return buffer.getvalue()


def _header(key: str, title: str, kind: str) -> str:
    return key if kind == "exercise" else f"quiz {key.removeprefix('quiz:')}"


def _text(value: str) -> str:
    """A name that a spreadsheet will not run as a formula (students choose their names)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
