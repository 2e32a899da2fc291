"""An exercise's time budgets, and the watch kept over each call into its sandbox.

Student code is charged the CPU time its process uses, as the kernel counts it (see
`grader.sandbox.meter`): per call (`call_seconds`) and per exercise (`exercise_seconds`).
Waiting for a CPU on a busy machine is not charged, so the same code gets the same verdict on
an idle laptop and on a server where every core is taken. Code that computes nothing (it
sleeps, or waits for a lock or for input that never comes) uses no CPU, so a backstop ends it:
the wall-clock time that an exercise's calls spent blocked, neither running nor waiting for a
CPU, may add up to `blocked_seconds`. Nothing before the student's module starts importing
(the worker's fork, its namespaces, numpy, Landlock) is charged.
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Literal, Protocol

from grader.sandbox.meter import Meter, ProcessGone, Reading
from grader.sandbox.policy import SandboxLimits

Limit = Literal["call_cpu", "exercise_cpu", "blocked"]

POLL_MIN_SECONDS = 0.01
POLL_MAX_SECONDS = 0.5
READING_INTERVAL_SECONDS = 0.1
"""A call that ends within this time of the last reading of the process is charged at the next
reading instead (it cannot have used more CPU than that interval holds): most calls take a
fraction of a millisecond, and reading /proc after each would cost as much as the call."""


class OverBudget(Exception):
    """A call passed one of its limits; the caller ends the worker and says which."""

    def __init__(self, limit: Limit) -> None:
        super().__init__(limit)
        self.limit = limit


class StartupTimeout(Exception):
    """The sandbox did not get ready in time (before any student code ran)."""


class Watch(Protocol):
    """What the channel's wait loop consults: how long it may sleep, and whether to stop."""

    def wait_seconds(self) -> float: ...

    def check(self) -> None: ...


class ExerciseBudget:
    """What one exercise has spent: CPU time, and time blocked, over all its workers."""

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        self.cpu_seconds = 0.0
        self.blocked_seconds = 0.0

    def spent(self) -> Limit | None:
        """Which exercise-wide budget is used up, if one is."""
        if self.cpu_seconds >= self.limits.exercise_seconds:
            return "exercise_cpu"
        if self.blocked_seconds >= self.limits.blocked_seconds:
            return "blocked"
        return None

    def watch(self, meter: Meter, start: Reading, call_seconds: float | None = None) -> CallWatch:
        """Watch one call that starts at `start`, allowed `call_seconds` of CPU (the limits' default)."""
        return CallWatch(self, meter, start, call_seconds or self.limits.call_seconds)


class CallWatch:
    """One call's account: CPU used since `start`, time blocked, and which limit comes first."""

    def __init__(self, budget: ExerciseBudget, meter: Meter, start: Reading, call_seconds: float) -> None:
        self._budget = budget
        self._meter = meter
        self._start = self._last = start
        self._since = max(time.monotonic(), start.wall)
        """Blocked time is counted from the call's start: the grader's own work between calls is
        nobody's, while CPU time is counted from the last reading, so that a thread the student
        left running between calls is charged too."""
        exercise_left = budget.limits.exercise_seconds - budget.cpu_seconds
        self._cpu_limit = min(call_seconds, exercise_left)
        self._cpu_kind: Limit = "call_cpu" if call_seconds < exercise_left else "exercise_cpu"
        self._blocked_left = budget.limits.blocked_seconds - budget.blocked_seconds
        self.blocked = 0.0
        self._counted = 0.0
        self._trusted = 0.0
        self._trusted_unread = 0.0
        """Trusted work since the last reading: the student's process waited for it, not blocked."""
        self._charged = False

    @property
    def cpu(self) -> float:
        return self._last.cpu - self._start.cpu + self._trusted

    def trusted_work(self, seconds: float) -> None:
        """The grader spent `seconds` answering this call's upcalls (running its own version of a
        helper the call used). The student's process waited meanwhile, which is not time it
        was blocked; the time is charged as the call's CPU time instead, so that a call that
        asks for helpers in a loop is bounded like one that computes."""
        self._trusted_unread += seconds
        self._trusted += seconds

    def wait_seconds(self) -> float:
        """How long the caller may wait before the next `check` without overshooting a limit much:
        CPU time cannot grow faster than the process has cores to run on, blocked time than the clock."""
        cpu_left = (self._cpu_limit - self.cpu) / _cores()
        left = min(cpu_left, self._blocked_left - self.blocked)
        return min(max(left, POLL_MIN_SECONDS), POLL_MAX_SECONDS)

    def check(self) -> None:
        """Read the process now; raise OverBudget when a limit is reached."""
        self._advance(self._meter.read(all_threads=True))
        if self.cpu >= self._cpu_limit:
            raise OverBudget(self._cpu_kind)
        if self.blocked >= self._blocked_left:
            raise OverBudget("blocked")

    def finish(self) -> Reading:
        """Charge the call to the exercise; return the reading the next call starts from.

        A short call soon after the last reading is not read now: its CPU time is charged with
        the next call that is (the next call starts from the same reading), and its blocked
        time, a few milliseconds at most, is not counted."""
        if self._last is self._start and time.monotonic() - self._start.wall < READING_INTERVAL_SECONDS:
            self._charged = True  # nothing read, nothing charged: the next call counts from `start`
            return self._start
        self.abandon()
        return self._last

    def abandon(self) -> None:
        """Charge what is known of the call (all of it, unless the process is already gone)."""
        try:
            self._advance(self._meter.read())
        except ProcessGone:  # keep the last reading
            pass
        self._charge()

    def _advance(self, reading: Reading) -> None:
        """Add the time since the last reading that the process spent neither running nor
        waiting for a CPU, nor waiting for the grader's own work on its upcalls.

        A reading's clock is read after the kernel's figures, so a grader descheduled while
        reading makes its window look longer than the progress it saw, and the next window
        shorter by as much. That next window may therefore show more progress than time, by at
        most the earlier reading's own duration, and only that much is taken off: threads that
        ran or waited for a CPU side by side show far more progress than time, and that surplus
        must not pay for sleeping (200 threads queued on 2 CPUs for a second would otherwise
        earn minutes of it). The first window counts from the call's start while its progress
        counts from the last reading, which may include threads busy between calls: it is
        never below zero."""
        progress = max(reading.busy_since(self._last), reading.cpu - self._last.cpu)  # threads that ended
        gap = reading.wall - self._since - progress - self._trusted_unread
        first = self._last is self._start
        self._counted += max(gap, 0.0 if first else -self._last.read_seconds)
        self.blocked = max(self._counted, 0.0)
        self._trusted_unread = 0.0
        self._last = reading
        self._since = reading.wall

    def _charge(self) -> None:
        if not self._charged:
            self._charged = True
            self._budget.cpu_seconds += max(self.cpu, 0.0)
            self._budget.blocked_seconds += self.blocked


class StartupWatch:
    """Before any student code runs nothing is charged; only a generous wall-clock limit applies,
    so that a sandbox that cannot start (a broken system) does not hold grading up for ever."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def wait_seconds(self) -> float:
        return max(min(self._deadline - time.monotonic(), POLL_MAX_SECONDS), 0.0)

    def check(self) -> None:
        if time.monotonic() >= self._deadline:
            raise StartupTimeout()


@cache
def _cores() -> int:
    return max(os.cpu_count() or 1, 1)
