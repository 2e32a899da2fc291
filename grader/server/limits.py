"""How fast one person may submit: a sliding window per student, kept in this process.

The course's own cool-down (course.toml) is a grading rule and lives in the database; this
is the server protecting itself from a script that submits in a loop.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from grader.errors import TooFast


class SubmissionRate:
    """At most `per_minute` uploads from one student in any 60 seconds."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, student: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            times = self._seen.setdefault(student, deque())
            while times and times[0] <= now - 60:
                times.popleft()
            if len(times) >= self.per_minute:
                wait = times[0] + 60 - now
                raise TooFast(
                    f"too many submissions: at most {self.per_minute} a minute; try again in {max(1, round(wait))} s",
                    retry_after=wait,
                )
            times.append(now)
