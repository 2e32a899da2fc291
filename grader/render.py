"""Text for people: what `grader submit`, `check` and `progress` print when not asked for JSON.

Pure functions from records to strings, so the output is tested exactly and the CLI only
echoes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.examples import ExampleReport
    from grader.service import SubmitOutcome
    from grader.store.submissions import Progress

MARKS = {"passed": "✓", "failed": "✗", "error": "!", "timeout": "⏱"}


def points(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def format_submission(outcome: SubmitOutcome) -> str:
    result = outcome.result
    width = max((len(e.name) for e in result.exercises), default=10)
    lines: list[str] = []
    for exercise in result.exercises:
        score = f"{points(exercise.score)}/{points(exercise.max_score)}"
        lines.append(f"{exercise.name:<{width}}  {score:>7}  {exercise.status:<8} {exercise.message}")
        if exercise.status in ("missing", "error") and all(t.outcome != "passed" for t in exercise.tests):
            continue
        failing = [t for t in exercise.tests if t.outcome != "passed"]
        unwritten = [t for t in failing if t.unwritten]
        if unwritten:
            functions = ", ".join(dict.fromkeys(t.unwritten.split(".")[-1] for t in unwritten))
            waiting = sum(t.max_points for t in unwritten)
            lines.append(
                f"  … not written yet (still NotImplementedError): {functions}; "
                f"{len(unwritten)} tests, {points(waiting)} points wait for them"
            )
        for test in failing:
            if test.unwritten:
                continue
            worth = f"{points(test.max_points)} point{'s' if test.max_points != 1 else ''}"
            lines.append(f"  {MARKS[test.outcome]} {test.name} ({worth}, {test.outcome})")
            if test.message:
                lines.append(_indent(test.message, "      "))
    lines.append("")
    lines.append(
        f"Score {points(result.score)}/{points(result.max_score)}: "
        f"attempt #{outcome.submission_id} recorded for {outcome.student}."
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
            lines.append(f"  {mark} {function.name} ({function.attempted - function.failed}/{function.attempted})")
            if function.failed:
                lines.append(_indent(function.details, "      "))
    return "\n".join(lines)


def format_progress(progress: Progress) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    if not progress.attempts:
        return f"No attempts recorded for {progress.student} yet: run `grader submit`."
    table = Table(title=f"Progress of {progress.student}: {len(progress.attempts)} attempts", title_justify="left")
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
            exercise.exercise,
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
            str(attempt.submission_id),
            attempt.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{points(attempt.score)}/{points(attempt.max_score)}",
            ", ".join(attempt.exercises),
        )
    buffer = StringIO()
    console = Console(file=buffer, width=100, color_system=None, highlight=False)
    console.print(table)
    console.print(history)
    return buffer.getvalue().rstrip()
