"""The gradebook as CSV for a spreadsheet or an LMS import: `csv`, `canvas` and `moodle`.

Every format has one row per student and a column per exercise and quiz of the course (the
same columns whether or not anyone has handed a piece in, so an import maps them once).
Scores are plain numbers in points, with an instructor's override in place of the graded
score; a cell is empty where the student made no attempt, which gradebook imports read as
"no grade" rather than zero. A name that a spreadsheet would take for a formula is
prefixed with a quote (each part of it after a `;` too, for spreadsheets that split cells there).

- `csv`: `student`, the columns, and `total`: every exercise and quiz score added up (the
  points of the row, not a weighted course grade).
- `canvas`: what Canvas's Grades > Import reads: `Student`, `ID`, `SIS User ID`,
  `SIS Login ID`, `Section`, then one column per assignment, and a `Points Possible` row
  under the header. Canvas finds each student by the IDs; we know only the grader's name,
  given as the SIS Login ID (name students by their Canvas login), and the Section from the
  roster (`grader course enrol`), the others left empty.
  No total: Canvas computes its own, and would import one as an assignment.
- `moodle`: what Moodle's CSV grade import reads: `Username` (map it to "username"), then
  one column per grade item. Moodle refuses rows for unknown users and has no points row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Literal

from grader.report.gradebook import Column, Gradebook
from grader.report.marks import points

LmsFormat = Literal["csv", "canvas", "moodle"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"  # as Canvas writes it in its own export


def format_csv(book: Gradebook, flavour: LmsFormat = "csv") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    items = [_header(c) for c in book.columns]
    if flavour == "canvas":
        writer.writerow([*CANVAS_STUDENT_COLUMNS, *items])
        writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", *(points(c.max_score) for c in book.columns)])
    elif flavour == "moodle":
        writer.writerow(["Username", *items])
    else:
        writer.writerow(["student", *items, "total"])
    for row in book.rows:
        name = _text(row.student)
        scores = _scores(row.scores)
        if flavour == "canvas":
            writer.writerow([name, "", "", name, _text(row.section), *scores])
        elif flavour == "moodle":
            writer.writerow([name, *scores])
        else:
            writer.writerow([name, *scores, points(row.total)])
    return buffer.getvalue()


def _scores(scores: Sequence[float | None]) -> list[str]:
    return ["" if s is None else points(s) for s in scores]


def _header(column: Column) -> str:
    return column.key if column.kind == "exercise" else f"quiz {column.key.removeprefix('quiz:')}"


def _text(value: str) -> str:
    """A name that a spreadsheet will not run as a formula (students choose their names). A
    spreadsheet of a locale that separates cells with `;` splits the name there, so each of
    its `;`-separated parts is checked: `;=1` becomes `;'=1`."""
    return ";".join("'" + part if part.startswith(FORMULA_STARTS) else part for part in value.split(";"))
