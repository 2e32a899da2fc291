"""The grading queue's state for the instructors' page: how many submissions wait, and how
long the oldest has waited.

Where the course grades with a job queue's workers (PostgreSQL), its `Grading` offers
`queue_state()`, returning an object with `depth` (jobs waiting) and `oldest_seconds` (the
age of the oldest, None when none waits); this module reads it through that one method, and
says "not used" for the server's own pool of graders, which shows its in-process state
(`Grading.state()`) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class QueueState:
    depth: int
    oldest_seconds: float | None


def queue_state(grading: Any) -> QueueState | None:
    """The queue's state where the course's grading has one; None where workers are not used."""
    read = getattr(grading, "queue_state", None)
    if read is None:
        return None
    found = read()
    oldest = getattr(found, "oldest_seconds", None)
    return QueueState(int(found.depth), None if oldest is None else float(oldest))


def pool_state(grading: Any) -> dict[str, int]:
    """The server's own graders: submissions waiting in memory, and graders running."""
    state: dict[str, int] = grading.state()
    return state
