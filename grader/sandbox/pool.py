"""Warm sandbox workers for grading many workspaces in a row.

A worker is used by one exercise of one student and then killed, never reused: student code
may leave anything behind in its process. What a pool saves is the start-up: its workers
have already entered their namespaces and imported numpy while the previous student was
being graded, and they only wait for the `init` that brings the sources to import. With a
`Zygote`, starting one is a fork rather than a new interpreter.
"""

from __future__ import annotations

from collections import deque

from grader.sandbox.policy import Layers, SandboxLimits
from grader.sandbox.process import Worker
from grader.sandbox.zygote import Zygote


class WorkerPool:
    """Keeps `size` started workers waiting; `take` hands one out and starts its replacement.

    With `refill=False` the pool only starts its first `size` workers: a single submission
    uses that to start its sandboxes before opening the database, so the two overlap.
    """

    def __init__(
        self,
        limits: SandboxLimits,
        *,
        layers: Layers = Layers(),
        size: int = 4,
        refill: bool = True,
        zygote: Zygote | None = None,
    ) -> None:
        self.limits = limits
        self.layers = layers
        self.refill = refill
        self.zygote = zygote
        self._idle: deque[Worker] = deque(self._start() for _ in range(size))

    def _start(self) -> Worker:
        return Worker(self.limits, layers=self.layers, zygote=self.zygote)

    def take(self) -> Worker:
        worker = self._idle.popleft() if self._idle else self._start()
        if not worker.alive:  # died while waiting (killed from outside, say): start afresh
            worker.kill()
            worker = self._start()
        if self.refill:
            self._idle.append(self._start())
        return worker

    def close(self) -> None:
        while self._idle:
            self._idle.popleft().kill()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
