"""The class report as one self-contained HTML page: inline CSS and SVG, no scripts, no network.

Everything that comes from the database (student names, messages, quiz text) is escaped.
"""

from __future__ import annotations

from html import escape

from grader.quiz.stats import QuizStats
from grader.report.charts import failed_bars, histogram
from grader.report.gradebook import Gradebook
from grader.report.marks import points
from grader.report.model import ClassReport
from grader.report.struggles import ExerciseStruggle, most_failed
from grader.store.reports import OverrideRow

MOST_FAILED = 10

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #222; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
p.summary { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
th { background: #f4f6f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th.num { white-space: normal; min-width: 4.5rem; max-width: 9rem; }
.wide { overflow-x: auto; }
td.none { color: #aaa; text-align: right; }
td.override { background: #fff4d6; }
tr.done td:first-child::after { content: " ✓"; color: #2e8b57; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.charts figure { margin: 0; border: 1px solid #e4e4e4; border-radius: 6px; padding: .4rem; }
svg text { font-size: 12px; fill: #222; }
svg text.chart-title { font-size: 14px; font-weight: 600; }
svg text.axis { fill: #555; }
.msg { color: #7a2e2b; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; }
.correct { font-weight: 600; color: #2e8b57; }
"""


def format_html(report: ClassReport) -> str:
    book = report.gradebook
    done = sum(row.done for row in book.rows)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Class report</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Class report</h1>",
        f'<p class="summary">{len(book.rows)} students, {done} done with every exercise; '
        f"the {escape(book.policy)} attempt counts.</p>",
        '<h2 id="gradebook">Gradebook</h2>',
        gradebook_html(book),
    ]
    if report.exercises:
        parts += [
            '<h2 id="distribution">Score distribution per exercise</h2>',
            '<div class="charts">',
            *(
                f"<figure>{histogram(s.exercise, book.counted_scores(s.exercise), s.max_score)}</figure>"
                for s in report.exercises
            ),
            "</div>",
            '<h2 id="most-failed">Most failed hidden tests</h2>',
            f"<figure>{failed_bars(most_failed(report.exercises, MOST_FAILED))}</figure>",
            '<h2 id="struggles">Where students struggle</h2>',
            *(struggle_html(s) for s in report.exercises),
        ]
    for stats in report.quizzes:
        parts.append(quiz_html(stats))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def gradebook_html(book: Gradebook) -> str:
    head = "".join(
        f'<th class="num">{escape(c.title if c.kind == "exercise" else "quiz: " + c.title)}'
        f"<br><small>/{points(c.max_score)}</small></th>"
        for c in book.columns
    )
    rows = []
    for row in book.rows:
        cells = "".join(_score_cell(s, row.overrides.get(c.key)) for s, c in zip(row.scores, book.columns, strict=True))
        rows.append(
            f"<tr{' class=done' if row.done else ''}><td>{escape(row.student)}</td>{cells}"
            f'<td class="num"><strong>{points(row.total)}</strong></td></tr>'
        )
    legend = (
        '<p class="summary">* overridden by an instructor: '
        + "; ".join(
            f"{escape(row.student)}, {escape(key)}: {points(o.score)} (graded {points(o.graded_score)}), "
            f"{escape(o.reason)}"
            for row in book.rows
            for key, o in row.overrides.items()
        )
        + "</p>"
        if any(row.overrides for row in book.rows)
        else ""
    )
    return (
        f'<div class="wide"><table id="gradebook-table"><thead><tr><th>student</th>{head}'
        f'<th class="num">total<br><small>/{points(book.max_total)}</small></th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>{legend}"
    )


def _score_cell(score: float | None, override: OverrideRow | None) -> str:
    if score is None:
        return '<td class="none">–</td>'
    if override is None:
        return f'<td class="num">{points(score)}</td>'
    return (
        f'<td class="num override" title="overridden (graded {points(override.graded_score)}): '
        f'{escape(override.reason)}">{points(score)}*</td>'
    )


def struggle_html(item: ExerciseStruggle) -> str:
    rows = []
    for test in item.tests:
        messages = "<br>".join(f'<span class="msg">{escape(m.message)}</span> ({m.students})' for m in test.messages)
        rows.append(
            f"<tr><td>{escape(test.name)}</td>"
            f'<td class="num">{test.failing}/{test.students} ({test.share:.0%})</td><td>{messages}</td></tr>'
        )
    return (
        f"<h3>{escape(item.exercise)}: {item.failing} of {item.students} students without full marks "
        f"({item.share:.0%})</h3>"
        '<table><thead><tr><th>hidden test</th><th class="num">failing</th><th>most common messages</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def quiz_html(stats: QuizStats) -> str:
    rows = []
    for item in stats.questions:
        options = ", ".join(
            f'<span class="{"correct" if o.correct else ""}" title="{escape(o.text)}">'
            f"{escape(o.key)}: {o.chosen}</span>"
            for o in item.options
        ) or ", ".join(
            f'<span class="{"correct" if v.correct else ""}">{v.value:g}: {v.chosen}</span>' for v in item.values
        )
        rows.append(
            f"<tr><td>{escape(item.question_id)}</td><td class=num>{item.answered}</td><td class=num>{item.blank}</td>"
            f"<td class=num>{_share(item.facility)}</td><td class=num>{_share(item.discrimination)}</td>"
            f"<td>{options}</td></tr>"
        )
    return (
        f"<h2>Quiz {escape(stats.quiz_id)}: {escape(stats.title)}</h2>"
        f'<p class="summary">{stats.students} students, first attempts. Facility is the share answering '
        "correctly; discrimination near 0 or below marks a question that does not tell strong students "
        "from weak ones. Correct options in green.</p>"
        "<table><thead><tr><th>question</th><th class=num>answered</th><th class=num>blank</th>"
        "<th class=num>facility</th>"
        "<th class=num>discrimination</th><th>options chosen</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"
