"""One student's history: every attempt with its per-test feedback, and a submission's source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grader.quiz.text import quiz_history_text
from grader.records import Attempt, QuizProgress
from grader.report.marks import MARKS, points


def format_history(student: str, attempts: Sequence[Attempt], quizzes: QuizProgress | None = None) -> str:
    lines = [
        f"{student}: {len(attempts)} attempt{'s' if len(attempts) != 1 else ''}"
        if attempts
        else f"{student}: no submissions"
    ]
    for attempt in attempts:
        when = attempt.created_at.strftime("%Y-%m-%d %H:%M UTC")
        lines += [
            "",
            f"attempt {attempt.attempt} (#{attempt.submission_id})  {when}  "
            f"score {points(attempt.score)}/{points(attempt.max_score)}",
        ]
        width = max((len(e.name) for e in attempt.exercises), default=10)
        for exercise in attempt.exercises:
            score = f"{points(exercise.score)}/{points(exercise.max_score)}"
            lines.append(f"  {exercise.name:<{width}}  {score:>7}  {exercise.status:<8} {exercise.message}")
            for test in exercise.tests:
                lines.append(f"    {MARKS.get(test.outcome, '?')} {test.name}")
                if test.outcome != "passed" and test.message:
                    lines += [f"        {line}" for line in test.message.splitlines()]
        if attempt.files:
            lines.append(f"  files: {', '.join(attempt.files)}  (grader report --source {attempt.submission_id})")
    if quizzes is not None and quizzes.attempts:
        lines += ["", quiz_history_text(quizzes)]
    return "\n".join(lines)


def format_source(files: Mapping[str, str], only: str | None = None) -> str:
    """The submitted files one after another under a header; just the text of `only` if named."""
    if only is not None:
        return files[only]
    return "\n".join(f"# ==> {path} <==\n{text.rstrip()}\n" for path, text in sorted(files.items()))
