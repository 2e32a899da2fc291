"""What a person reads of a quiz in a terminal: questions, verdicts, due times and summaries.

Pure functions from records to strings, so that every line is tested exactly and the command
line only prompts and echoes. Text is wrapped to the width it is given, between words only
(a long word overflows rather than splits); code blocks are kept exactly as written.
`width=None` leaves paragraphs on one line each, for a page that wraps by itself.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Sequence
from datetime import datetime

from grader.quiz.model import Quiz
from grader.quiz.present import Asked, Presented
from grader.quiz.results import AttemptResult, PracticeSummary
from grader.quiz.verdict import Verdict
from grader.records import QuizProgress

MIN_WIDTH = 30
LIST_ITEM = re.compile(r"([ \t]*)([-*+]|\d{1,3}[.)])[ \t]+")
FENCE = re.compile(r"[ \t]{0,3}(```+|~~~+)")
QUIT_WORDS = frozenset({"q", "quit"})


def is_quit(typed: str) -> bool:
    """Whether a typed answer asks to stop (`q` or `quit`)."""
    return typed.strip().lower() in QUIT_WORDS


# -- wrapping ------------------------------------------------------------------------------------


def wrap(markdown: str, width: int | None, indent: str = "") -> str:
    """Markdown prose for a terminal `width` columns wide: the lines of a paragraph joined and
    wrapped between words, list items wrapped under their own text, paragraphs kept apart,
    code (fenced, or indented by four spaces) kept exactly as written."""
    return "\n\n".join(_block(kind, lines, width, indent) for kind, lines in _blocks(markdown))


def reflow(markdown: str) -> str:
    """`wrap` without a width: each paragraph and list item on one line."""
    return wrap(markdown, None)


def _blocks(markdown: str) -> Iterator[tuple[str, list[str]]]:
    """("code" | "list" | "text", lines) for each block of `markdown`."""
    lines = markdown.strip("\n").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        fence = FENCE.match(line)
        if fence:
            end = index + 1
            while end < len(lines) and not lines[end].lstrip().startswith(fence.group(1)):
                end += 1
            yield "code", lines[index : end + 1]
            index = end + 1
            continue
        end = index
        while end < len(lines) and lines[end].strip() and not (end > index and FENCE.match(lines[end])):
            end += 1
        block = lines[index:end]
        index = end
        if all(row.startswith("    ") or row.startswith("\t") for row in block):
            yield "code", block
        elif LIST_ITEM.match(block[0]):
            yield "list", block
        else:
            yield "text", block


def _block(kind: str, lines: list[str], width: int | None, indent: str) -> str:
    if kind == "code":
        return "\n".join(indent + line for line in lines)
    if kind == "text":
        return _fill(" ".join(line.strip() for line in lines), width, indent, indent)
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        marker = LIST_ITEM.match(line)
        if marker is not None:
            items.append((marker.group(0).strip() + " ", [line[marker.end() :].strip()]))
        elif items:
            items[-1][1].append(line.strip())
    return "\n".join(
        _fill(" ".join(words), width, indent + bullet, indent + " " * len(bullet)) for bullet, words in items
    )


def _fill(text: str, width: int | None, first: str, rest: str) -> str:
    if width is None:
        return first + text
    return textwrap.fill(
        text,
        width=max(width, MIN_WIDTH),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )


# -- one question --------------------------------------------------------------------------------


def question_text(asked: Asked, width: int | None) -> str:
    """The prompt under its label ("[3/10]" or "[quiz-id]"), then the options numbered as shown."""
    lines = [_labelled(f"[{asked.label}]", asked.presented.question.prompt, width)]
    lines += [_fill(option.text, width, f"  {n}) ", "     ") for n, option in enumerate(asked.presented.options, 1)]
    return "\n".join(lines)


def _labelled(label: str, markdown: str, width: int | None) -> str:
    """`markdown` wrapped, the label starting its first paragraph (or on a line of its own
    above a prompt that opens with code or a list, which must stay as written)."""
    if not label:
        return wrap(markdown, width)
    first = next(_blocks(markdown), ("text", []))[0]
    return wrap(f"{label} {markdown}", width) if first == "text" else f"{label}\n{wrap(markdown, width)}"


def prompt_text(presented: Presented) -> str:
    """The prompt for one answer, which says how to stop: "Answer (one of 1-4; q stops)"."""
    return f"Answer ({presented.hint}; q stops)"


def verdict_text(verdict: Verdict, width: int | None, now: datetime | None = None) -> str:
    """Right, partly right or wrong, the right answer (with the numbers shown), the explanation,
    and in practice when the question comes back (counted from `now`)."""
    lines = [_fill(headline_text(verdict), width, "", ""), wrap(verdict.question.explanation, width)]
    if verdict.next_due is not None and now is not None:
        lines.append(f"Next review {due_text(verdict.next_due, now)}.")
    return "\n".join(lines)


def headline_text(verdict: Verdict) -> str:
    """The first line of a verdict: "Right.", or what was wrong and the answer (numbered as shown)."""
    if verdict.correct:
        return "Right."
    return f"{_headline(verdict)} The answer: {_right_answer(verdict, numbered=True)}"


def given_answer_text(verdict: Verdict) -> str:
    """The answer the person gave, as the end of a quiz lists it ("(none)" for a blank)."""
    return _given_answer(verdict)


def right_answer_text(verdict: Verdict) -> str:
    """The right answer, as the end of a quiz lists it."""
    return _right_answer(verdict, numbered=False)


def _headline(verdict: Verdict) -> str:
    score = verdict.score
    if score.points > 0:
        return f"Partly right ({score.points:g} of {score.max_points:g})."
    return "Not answered." if verdict.blank else "Wrong."


def _right_answer(verdict: Verdict, *, numbered: bool) -> str:
    question = verdict.question
    if question.type == "numeric":
        tolerance = f" ± {question.tolerance:g}" if question.tolerance else ""
        return f"{question.answer:g}{tolerance}"
    return "; ".join(f"{n}) {o.text}" if numbered else o.text for n, o in verdict.right_options)


def _given_answer(verdict: Verdict) -> str:
    if verdict.blank:
        return "(none)"
    if verdict.question.type == "numeric":
        return verdict.score.chosen[0]
    return "; ".join(o.text for _, o in verdict.chosen_options)


# -- due times -----------------------------------------------------------------------------------


def due_text(moment: datetime, now: datetime) -> str:
    """When a question comes back, as a person says it: "now", "in 10 minutes", "in 3 days"."""
    seconds = max(0.0, (moment - now).total_seconds())
    if seconds < 30:
        return "now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size or unit == "minute":
            count = max(1, round(seconds / size))
            return f"in {count} {unit}{'s' if count != 1 else ''}"
    raise AssertionError("unreachable")


def nothing_due_text(next_due: datetime | None, now: datetime) -> str:
    return "Nothing is due." + (f" Next review {due_text(next_due, now)}." if next_due else "")


# -- a sitting's start and end -------------------------------------------------------------------


def take_opening_text(quiz: Quiz, width: int | None) -> str:
    return sitting_opening_text(quiz.title, len(quiz.questions), width)


def sitting_opening_text(title: str, questions: int, width: int | None) -> str:
    line = f"{title}: {_count(questions, 'question')}. Type q to stop; the answers you gave are kept."
    return _fill(line, width, "", "") + "\n"


def take_summary_text(result: AttemptResult, width: int | None) -> str:
    """The end of `grader quiz take`: how far the student got, the score, and each question
    missed with the answer given, the right answer and the explanation."""
    lines = []
    if not result.complete:
        given, left = len(result.verdicts), result.questions - len(result.verdicts)
        stopped = f"You stopped after {given} of {result.questions} questions; the {left} not answered score 0."
        lines.append(_fill(stopped, width, "", ""))
    lines.append(f"Score: {result.score.score:g} / {result.score.max_score:g} (attempt {result.attempt})")
    # A question left blank is counted, not shown: a course server never sends its verdict (that
    # would give the answer away for nothing), and the same file must read the same either way.
    answered = [v for v in result.verdicts if not v.blank]
    missed = [v for v in answered if not v.correct]
    blank = result.questions - len(answered) if result.complete else len(result.verdicts) - len(answered)
    if missed or blank:
        lines.append("")
        head = f"Missed {len(missed)} of {len(answered)}"
        if blank:
            head += f" answered; {_count(blank, 'question')} left blank (0 points, the answer not shown)"
        lines.append(_fill(head + (":" if missed else "."), width, "", ""))
        for verdict in missed:
            lines.append("")
            lines.append(_missed_text(verdict, width))
    return "\n".join(lines)


def _missed_text(verdict: Verdict, width: int | None) -> str:
    lines = [
        _labelled(f"[{verdict.label}]" if verdict.label else "", verdict.question.prompt, width),
        _fill(_given_answer(verdict), width, "  Your answer: ", "    "),
        _fill(_right_answer(verdict, numbered=False), width, "  The answer: ", "    "),
    ]
    if verdict.score.points > 0:
        lines.append(f"  Partly right: {verdict.score.points:g} of {verdict.score.max_points:g} points.")
    lines.append(wrap(verdict.question.explanation, width, indent="  "))
    return "\n".join(lines)


def stopped_before_answering_text() -> str:
    return "You stopped before answering anything: nothing was recorded."


def practice_opening_text(due: int, new: int) -> str:
    return f"{due} due, {new} new. Type q to stop.\n"


def practice_summary_text(summary: PracticeSummary, now: datetime, width: int | None = None) -> str:
    """The end of `grader quiz practice`: the session's tally and what waits."""
    asked = len(summary.verdicts)
    if asked == 0:
        return "You stopped before answering anything." if summary.stopped else nothing_due_text(summary.next_due, now)
    tally = f"Practised {_count(asked, 'question')}: {summary.right} right"
    if summary.partly:
        tally += f", {summary.partly} partly right"
    tally += f", {summary.wrong} wrong."
    waiting = []
    if summary.due:
        waiting.append(f"{summary.due} still due")
    if summary.new:
        waiting.append(f"{summary.new} new")
    rest = f" {', '.join(waiting).capitalize()}." if waiting else ""
    if summary.next_due is not None:
        rest += f" Next review {due_text(summary.next_due, now)}."
    return _fill(tally + rest, width, "", "")


# -- a student's quiz attempts, for progress and history ---------------------------------------


def stopped_text(answered: int) -> str:
    """How an attempt the student stopped midway is described."""
    return f"stopped after {_count(answered, 'answer')}"


def quiz_history_text(progress: QuizProgress) -> str:
    """Each quiz attempt on a line (quiz, the student's attempt number, database id, when,
    score), with the questions missed under it; empty when there are none."""
    if not progress.attempts:
        return ""
    lines = [f"Quiz attempts: {len(progress.attempts)}"]
    for attempt in progress.attempts:
        when = attempt.created_at.strftime("%Y-%m-%d %H:%M UTC")
        stopped = "" if attempt.complete else f", {stopped_text(attempt.answered)}"
        lines.append(
            f"  {attempt.quiz} attempt {attempt.attempt} (#{attempt.attempt_id})  {when}  "
            f"score {attempt.score:g}/{attempt.max_score:g}{stopped}"
        )
        if attempt.missed:
            lines.append(f"    missed: {', '.join(attempt.missed)}")
    return "\n".join(lines)


# -- the bank ------------------------------------------------------------------------------------


def quiz_list_text(quizzes: Sequence[Quiz]) -> str:
    """`grader quiz list`: one quiz a line, its id (what the commands take), title and size."""
    return quiz_rows_text([(q.id, q.title, len(q.questions)) for q in quizzes])


def quiz_rows_text(rows: Sequence[tuple[str, str, int]]) -> str:
    """`grader quiz list` from (id, title, questions): the bank's, or a course server's list."""
    if not rows:
        return "No quizzes."
    width = max(len(quiz_id) for quiz_id, _, _ in rows)
    return "\n".join(f"{quiz_id:<{width}}  {title} ({_count(size, 'question')})" for quiz_id, title, size in rows)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"
