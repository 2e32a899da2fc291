"""The class report as aligned tables for a terminal, rendered by rich into a plain string.

Every cell is text (`rich.text.Text`, never markup) on one line (`grader.visible.one_line`):
a student's name or failure message cannot style, break or forge a row.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from grader.quiz.stats import ItemStats, QuizStats
from grader.report.gradebook import Gradebook
from grader.report.marks import points
from grader.report.model import ClassReport
from grader.report.struggles import ExerciseStruggle, FailureMessage, most_failed
from grader.visible import one_line

DEFAULT_WIDTH = 100
MOST_FAILED = 10
MESSAGE_CHARS = 90
QUIZ_VALUES = 6


def format_report(report: ClassReport, width: int = DEFAULT_WIDTH) -> str:
    tables = [gradebook_table(report.gradebook)]
    if report.exercises:
        tables += [exercise_table(report.exercises), failed_tests_table(report.exercises)]
    tables += [quiz_table(stats) for stats in report.quizzes]
    return render(tables, width)


def render(tables: Sequence[Table], width: int = DEFAULT_WIDTH) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, highlight=False)
    for table in tables:
        console.print(table)
        console.print()
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip().splitlines()) + "\n"


def gradebook_table(book: Gradebook) -> Table:
    policy = "best attempt" if book.policy == "best" else "latest attempt"
    table = Table(
        title=f"Gradebook ({len(book.rows)} students, {policy} counts)",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("student", no_wrap=True)
    quizzes = [c for c in book.columns if c.kind == "quiz"]
    labels = {c.key: f"Q{number}" for number, c in enumerate(quizzes, start=1)}  # titles are long: a legend
    for column in book.columns:
        label = one_line(labels.get(column.key, column.title))
        table.add_column(escape(f"{label}\n/{points(column.max_score)}"), justify="right", no_wrap=True)
    table.add_column(f"total\n/{points(book.max_total)}", justify="right", no_wrap=True)
    table.add_column("done", justify="center")
    for row in book.rows:
        cells = [
            "–" if s is None else points(s) + ("*" if c.key in row.overrides else "")
            for s, c in zip(row.scores, book.columns, strict=True)
        ]
        table.add_row(_cell(row.student), *cells, points(row.total), "✓" if row.done else "")
    notes = [f"{labels[c.key]}: quiz {one_line(c.title)}" for c in quizzes]
    notes.append("total: every exercise and quiz score added up")
    if any(row.overrides for row in book.rows):
        notes.append("*: overridden by an instructor (the reason: grader report --student NAME)")
    table.caption = escape("\n".join(notes))
    table.caption_justify = "left"
    return table


def exercise_table(struggles: Sequence[ExerciseStruggle]) -> Table:
    table = Table(title="Where students struggle: exercises", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("exercise", no_wrap=True)
    table.add_column("students", justify="right")
    table.add_column("not full marks", justify="right")
    table.add_column("most common failure")
    for item in struggles:
        top = item.messages[0] if item.messages else None
        table.add_row(
            _cell(item.exercise),
            str(item.students),
            f"{item.failing} ({item.share:.0%})",
            _message(top),
        )
    return table


def failed_tests_table(struggles: Sequence[ExerciseStruggle]) -> Table:
    table = Table(title="Most failed hidden tests", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("test")
    table.add_column("failing", justify="right", no_wrap=True)
    table.add_column("most common message")
    for test in most_failed(struggles, MOST_FAILED):
        top = test.messages[0] if test.messages else None
        table.add_row(
            _cell(f"{test.exercise}: {test.name}"),
            f"{test.failing}/{test.students} ({test.share:.0%})",
            _message(top),
        )
    return table


def quiz_table(stats: QuizStats) -> Table:
    """Item analysis of one quiz, the same in `grader report` and `grader quiz stats`."""
    table = Table(
        title=escape(one_line(f"Quiz {stats.quiz_id}: {stats.title} ({_students(stats.students)}, first attempts)")),
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("question", no_wrap=True)
    table.add_column("answered", justify="right")
    table.add_column("blank", justify="right")
    table.add_column("facility", justify="right")
    table.add_column("discrim.", justify="right")
    table.add_column("chosen (* correct)")
    for item in stats.questions:
        table.add_row(
            _cell(item.question_id),
            str(item.answered),
            str(item.blank),
            _share(item.facility),
            _share(item.discrimination),
            _cell(_choices(item)),
        )
    return table


def quiz_stats_text(results: Sequence[QuizStats], width: int = DEFAULT_WIDTH) -> str:
    """`grader quiz stats`: a table per quiz with first attempts, one line for any without,
    and one line when the database holds no quiz at all."""
    if not results:
        return "No quizzes in the database yet: a quiz is stored when a student first takes or practises it.\n"
    tables = [quiz_table(r) for r in results if r.students]
    untaken = "".join(f"Quiz {r.quiz_id}: {r.title}: no attempts yet.\n" for r in results if not r.students)
    return "\n".join(part for part in (render(tables, width) if tables else "", untaken) if part)


def _students(count: int) -> str:
    return f"{count} student{'s' if count != 1 else ''}"


def _choices(item: ItemStats) -> str:
    if item.values:
        shown = [f"{v.value:g}{'*' if v.correct else ''}:{v.chosen}" for v in item.values[:QUIZ_VALUES]]
        more = len(item.values) - QUIZ_VALUES
        return " ".join(shown) + (f" (+{more} more)" if more > 0 else "")
    return " ".join(f"{o.key}{'*' if o.correct else ''}:{o.chosen}" for o in item.options)


def _message(top: FailureMessage | None) -> Text:
    if top is None:
        return Text("")
    message = one_line(top.message)
    text = message if len(message) <= MESSAGE_CHARS else message[: MESSAGE_CHARS - 1] + "…"
    return Text(f"{text} ({top.students})")


def _cell(text: str) -> Text:
    return Text(one_line(text))


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
