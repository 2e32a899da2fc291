"""One student's history: every attempt with its per-test feedback, regrades and overrides, and a
submission's source under a header saying whose it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grader.quiz.text import quiz_history_text
from grader.records import Attempt, ExerciseOutcome, QuizProgress
from grader.report.feedback import exercise_line, test_lines, unwritten_line
from grader.report.marks import points
from grader.visible import one_line

WHEN = "%Y-%m-%d %H:%M UTC"


def format_history(student: str, attempts: Sequence[Attempt], quizzes: QuizProgress | None = None) -> str:
    lines = [
        f"{one_line(student)}: {len(attempts)} attempt{'s' if len(attempts) != 1 else ''}"
        if attempts
        else f"{one_line(student)}: no submissions"
    ]
    for attempt in attempts:
        lines += [
            "",
            f"attempt {attempt.attempt} (#{attempt.submission_id})  {attempt.created_at.strftime(WHEN)}  "
            f"score {points(attempt.score)}/{points(attempt.max_score)}",
        ]
        width = max((len(e.name) for e in attempt.exercises), default=10)
        for exercise in attempt.exercises:
            lines += _exercise(exercise, width, all_tests=True)
        for regrade in attempt.regrades:
            score = sum(e.score for e in regrade.exercises)
            top = sum(e.max_score for e in regrade.exercises)
            lines.append(
                f"  regraded (#{regrade.submission_id})  {regrade.created_at.strftime(WHEN)}  "
                f"score {points(score)}/{points(top)} for {', '.join(e.name for e in regrade.exercises)}; "
                "this counts now"
            )
            for exercise in regrade.exercises:
                lines += _exercise(exercise, width, all_tests=False, indent="    ")
        for override in attempt.overrides:
            lines.append(
                f"  override  {override.created_at.strftime(WHEN)}  {override.exercise}: "
                f"{points(override.score)} (graded {points(override.graded_score)}), "
                f"reason: {one_line(override.reason)}"
            )
        if attempt.files:
            files = ", ".join(one_line(f) for f in attempt.files)
            lines.append(f"  files: {files}  (grader report --source {attempt.submission_id})")
    if quizzes is not None and quizzes.attempts:
        lines += ["", quiz_history_text(quizzes)]
    return "\n".join(lines)


def _exercise(exercise: ExerciseOutcome, width: int, *, all_tests: bool, indent: str = "  ") -> list[str]:
    """An exercise's line, then its tests: those not written yet as one line, the others one
    by one (only those that did not pass, unless `all_tests`); none for a file that was
    missing or would not import, whose line says why every test failed."""
    lines = [exercise_line(exercise, width, indent)]
    if exercise.status in ("missing", "error") and all(t.outcome != "passed" for t in exercise.tests):
        return lines
    unwritten = unwritten_line(exercise.tests, indent + "  ")
    if unwritten:
        lines.append(unwritten)
    for test in exercise.tests:
        if (test.outcome == "passed" and all_tests) or (test.outcome != "passed" and not test.unwritten):
            lines += test_lines(test, indent + "  ")
    return lines


def format_source(
    files: Mapping[str, str],
    only: str | None = None,
    *,
    header: str = "",
) -> str:
    """The submitted files one after another, each under a `# ==> path <==` line, after
    `header` (who, when, which attempt) when given; just the text of `only` if it is named."""
    parts = [f"# {one_line(header)}\n"] if header else []
    if only is not None:
        return "".join(parts) + files[only]
    parts += [f"# ==> {one_line(path)} <==\n{text.rstrip()}\n" for path, text in sorted(files.items())]
    return "\n".join(parts)
