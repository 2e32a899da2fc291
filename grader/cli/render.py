"""Text for people: what `grader submit`, `check`, `progress` and `grade` print without `--json`.

Pure functions from records to strings, so the output is tested exactly and the commands
only echo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from grader.report.feedback import exercise_line, test_lines, unwritten_line
from grader.report.marks import MARKS, points
from grader.visible import one_line

if TYPE_CHECKING:
    from grader.grading.examples import ExampleReport
    from grader.records import Override, Progress, SubmitOutcome
    from grader.service.batch import BatchResult
    from grader.service.regrade import RegradeBatch


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def format_submission(outcome: SubmitOutcome) -> str:
    result = outcome.result
    width = max((len(e.name) for e in result.exercises), default=10)
    lines: list[str] = []
    for exercise in result.exercises:
        lines.append(exercise_line(exercise, width))
        if exercise.status in ("missing", "error") and all(t.outcome != "passed" for t in exercise.tests):
            continue
        unwritten = unwritten_line(exercise.tests)
        if unwritten:
            lines.append(unwritten)
        for test in exercise.tests:
            if test.outcome != "passed" and not test.unwritten:
                lines += test_lines(test, "  ", worth=True)
    lines.append("")
    lines.append(
        f"Score {points(result.score)}/{points(result.max_score)}: "
        f"attempt #{outcome.attempt} recorded for {outcome.student}."
    )
    return "\n".join(lines)


def format_sandbox_warning(sandbox: dict[str, Any]) -> str | None:
    """A warning for stderr when the sandbox was weaker than the full Linux one, else None."""
    from grader.sandbox.report import NO_STUDENT_CODE

    warnings = [w for w in sandbox.get("warnings", []) if w != NO_STUDENT_CODE]
    if sandbox.get("level") == "full" or not warnings:
        return None
    return "warning: weaker sandbox on this system: " + "; ".join(warnings)


def format_examples(reports: Sequence[ExampleReport]) -> str:
    lines: list[str] = []
    for report in reports:
        if report.message:
            lines.append(f"{report.exercise}: {report.message}")
            continue
        lines.append(f"{report.exercise}: {report.passed_count} of {report.total} examples give the documented output")
        for function in report.functions:
            mark = MARKS["passed"] if function.failed == 0 else MARKS["failed"]
            setup = "; a setup line failed" if function.setup_failed else ""
            lines.append(f"  {mark} {one_line(function.name)} ({function.passed}/{function.examples}){setup}")
            if function.failed:
                lines.append(_indent(function.details, "      "))
            if function.skipped:
                later = "1 later example" if function.skipped == 1 else f"{function.skipped} later examples"
                pronoun = "it" if function.skipped == 1 else "they"
                lines.append(
                    f"      {later} of {one_line(function.name)} not run ({pronoun} may depend on the line above)"
                )
    return "\n".join(lines)


def format_progress(progress: Progress) -> str:
    from io import StringIO

    from rich.console import Console

    quiz_attempts = progress.quizzes.attempts
    if not progress.attempts and not quiz_attempts:
        return f"No attempts recorded for {one_line(progress.student)} yet: run `grader submit` or `grader quiz take`."
    buffer = StringIO()
    console = Console(file=buffer, width=100, color_system=None, highlight=False)
    if progress.attempts:
        for table in _exercise_tables(progress):
            console.print(table)
    if quiz_attempts:
        for table in _quiz_tables(progress):
            console.print(table)
    return buffer.getvalue().rstrip()


def _quiz_tables(progress: Progress) -> list[Any]:
    """Per quiz the attempts, best and latest score; then the latest quiz attempts."""
    from rich.table import Table
    from rich.text import Text

    from grader.quiz.text import stopped_text

    attempts = progress.quizzes.attempts
    table = Table(title=f"Quizzes: {len(attempts)} attempt{'s' if len(attempts) != 1 else ''}", title_justify="left")
    for column, justify in (
        ("quiz", "left"),
        ("attempts", "right"),
        ("best", "right"),
        ("latest", "right"),
        ("max", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for quiz in progress.quizzes.quizzes:
        table.add_row(
            Text(quiz.quiz), str(quiz.attempts), points(quiz.best), points(quiz.latest), points(quiz.max_score)
        )
    history = Table(title="Quiz attempts", title_justify="left")
    for column in ("quiz", "#", "when (UTC)", "score", "missed"):
        history.add_column(column)
    for attempt in attempts[-10:]:
        missed = ", ".join(attempt.missed)
        if not attempt.complete:
            missed = f"{stopped_text(attempt.answered)}; {missed}" if missed else stopped_text(attempt.answered)
        history.add_row(
            Text(attempt.quiz),
            str(attempt.attempt),
            attempt.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{points(attempt.score)}/{points(attempt.max_score)}",
            Text(missed),
        )
    return [table, history]


def _exercise_tables(progress: Progress) -> list[Any]:
    from rich.table import Table
    from rich.text import Text

    count = len(progress.attempts)
    title = Text(f"Progress of {one_line(progress.student)}: {count} attempt{'' if count == 1 else 's'}")
    table = Table(title=title, title_justify="left")
    for column, justify in (
        ("exercise", "left"),
        ("attempts", "right"),
        ("best", "right"),
        ("latest", "right"),
        ("max", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for exercise in progress.exercises:
        table.add_row(
            Text(exercise.exercise),
            str(exercise.attempts),
            points(exercise.best),
            points(exercise.latest),
            points(exercise.max_score),
        )
    history = Table(title="Attempts", title_justify="left")
    for column in ("#", "when (UTC)", "score", "exercises"):
        history.add_column(column)
    for attempt in progress.attempts[-10:]:
        history.add_row(
            str(attempt.attempt),
            attempt.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{points(attempt.score)}/{points(attempt.max_score)}",
            ", ".join(e.name for e in attempt.exercises),
        )
    return [table, history]


def format_batch(result: BatchResult, database_chosen: bool = False) -> str:
    """The end of `grader grade`: how many students were graded, and who could not be.
    `database_chosen`: the grades went to a database named by --db, --course or GRADER_DB,
    which `grader report` reads only when told the same."""
    graded = result.students
    total = len(graded) + len(result.failed)
    lines = [f"Graded {len(graded)} of {total} student{'s' if total != 1 else ''}."]
    if graded:
        full = sum(s.score >= s.max_score for s in graded)
        mean = sum(s.score for s in graded) / len(graded)
        top = max(s.max_score for s in graded)
        lines.append(
            f"{full} with full marks; mean score {points(round(mean, 2))}/{points(top)}. See them with `grader report`"
            + (", given the same --course or --db." if database_chosen else ".")
        )
    nested = [s for s in graded if s.folder]
    if nested:
        lines.append(f"Graded from a subfolder ({len(nested)}):")
        lines += [f"  {one_line(s.student)}: {one_line(s.folder)}" for s in nested]
    if result.not_enrolled:
        lines.append(f"Graded, but not on the course's roster ({len(result.not_enrolled)}): a misnamed folder?")
        lines += [f"  {one_line(name)}" for name in result.not_enrolled]
    if result.failed:
        lines.append(f"Not graded ({len(result.failed)}):")
        lines += [f"  {one_line(f.student)}: {one_line(f.reason)}" for f in result.failed]
    return "\n".join(lines)


def format_regrade(result: RegradeBatch) -> str:
    """The end of `grader regrade`: each attempt's score before and after, and who could not be."""
    done = result.regraded
    total = len(done) + len(result.failed)
    lines = [f"Regraded {len(done)} of {total} attempt{'s' if total != 1 else ''}; no attempt was spent."]
    for r in done:
        change = "unchanged" if r.new_score == r.old_score else f"was {points(r.old_score)}"
        lines.append(
            f"  {one_line(r.student)} attempt {r.attempt} (#{r.submission_id}): "
            f"{points(r.new_score)}/{points(r.max_score)} ({change}) for {', '.join(r.exercises)}"
        )
    if result.failed:
        lines.append(f"Not regraded ({len(result.failed)}):")
        lines += [f"  #{f.submission_id} {one_line(f.student)}: {one_line(f.reason)}" for f in result.failed]
    return "\n".join(lines)


def format_override(kept: Override) -> str:
    return (
        f"{one_line(kept.student)}'s {kept.exercise} now counts {points(kept.score)} points "
        f"(graded {points(kept.graded_score)}; kept with attempt {kept.attempt}, #{kept.submission_id}). "
        f"Reason: {one_line(kept.reason)}"
    )
