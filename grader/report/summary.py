"""What `grader grade` prints at the end: how many students were graded, and who could not be."""

from __future__ import annotations

from grader.cli.render import points
from grader.service.batch import BatchResult


def format_batch(result: BatchResult) -> str:
    graded = result.students
    total = len(graded) + len(result.failed)
    lines = [f"Graded {len(graded)} of {total} student{'s' if total != 1 else ''}."]
    if graded:
        full = sum(s.score >= s.max_score for s in graded)
        mean = sum(s.score for s in graded) / len(graded)
        top = max(s.max_score for s in graded)
        lines.append(
            f"{full} with full marks; mean score {points(round(mean, 2))}/{points(top)}. See them with `grader report`."
        )
    if result.failed:
        lines.append(f"Not graded ({len(result.failed)}):")
        lines += [f"  {f.student}: {f.reason}" for f in result.failed]
    return "\n".join(lines)
