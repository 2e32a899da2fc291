"""Warm sandbox workers for grading many workspaces in a row.

A worker is used by one exercise of one student and then killed, never reused: student code
may leave anything behind in its process. What a pool saves is the start-up: its workers
have already entered their namespaces and imported numpy while the previous student was
being graded, and they only wait for the `init` that names the workspace to restrict
themselves to.
"""

from __future__ import annotations

from collections import deque

from grader.sandbox.policy import Layers, SandboxLimits
from grader.sandbox.process import Worker


class WorkerPool:
    """Keeps `size` started workers waiting; `take` hands one out and starts its replacement.

    With `refill=False` the pool only starts its first `size` workers: a single submission
    uses that to start its sandboxes before opening the database, so the two overlap.
    """

    def __init__(self, limits: SandboxLimits, *, layers: Layers = Layers(), size: int = 4, refill: bool = True) -> None:
        self.limits = limits
        self.layers = layers
        self.refill = refill
        self._idle: deque[Worker] = deque(Worker(limits, layers=layers) for _ in range(size))

    def take(self) -> Worker:
        worker = self._idle.popleft() if self._idle else Worker(self.limits, layers=self.layers)
        if not worker.alive:  # died while waiting (killed from outside, say): start afresh
            worker.kill()
            worker = Worker(self.limits, layers=self.layers)
        if self.refill:
            self._idle.append(Worker(self.limits, layers=self.layers))
        return worker

    def close(self) -> None:
        while self._idle:
            self._idle.popleft().kill()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
