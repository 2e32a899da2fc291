"""An exercise's budgets, charged from the kernel's account of the student's process.

A scripted meter stands in for /proc here, so that what a busy machine does (long waits for a
CPU) can be told exactly; tests/test_sandbox.py shows the same limits on real processes.
"""

from __future__ import annotations

import time

import pytest

from grader.sandbox.budget import ExerciseBudget, OverBudget
from grader.sandbox.meter import Reading
from grader.sandbox.policy import SandboxLimits

LIMITS = SandboxLimits(call_seconds=5.0, exercise_seconds=12.0, blocked_seconds=15.0)


class ScriptedMeter:
    """Answers each read with the next reading it was given."""

    def __init__(self, *readings: Reading) -> None:
        self.readings = list(readings)

    def read(self, all_threads: bool = False) -> Reading:
        return self.readings.pop(0)


def _at(start: Reading, seconds: float, *, cpu: float, waiting: float = 0.0) -> Reading:
    """`seconds` into a call that starts now, having run `cpu` seconds and waited `waiting`
    seconds for a CPU since the `start` reading."""
    busy = start.busy_main + cpu + waiting
    return Reading(time.monotonic() + seconds, start.cpu + cpu, busy, busy)


def _start() -> Reading:
    """A reading taken a while ago (calls soon after a reading are read with the next one)."""
    return Reading(time.monotonic() - 1000, 0.0, 0.0, 0.0)


def test_time_spent_waiting_for_a_cpu_is_charged_as_neither_cpu_nor_blocked():
    budget = ExerciseBudget(LIMITS)
    start = _start()
    busy_machine = _at(start, 60, cpu=4, waiting=56)  # a minute on a machine with 16 jobs per core
    watch = budget.watch(ScriptedMeter(busy_machine, busy_machine), start)
    watch.check()  # within every limit
    watch.finish()
    assert (budget.cpu_seconds, budget.blocked_seconds) == (4, 0)


def test_a_call_that_computes_past_its_limit_is_stopped_by_the_cpu_limit_of_a_call():
    budget = ExerciseBudget(LIMITS)
    start = _start()
    watch = budget.watch(ScriptedMeter(_at(start, 40, cpu=5, waiting=35)), start)
    with pytest.raises(OverBudget) as over:
        watch.check()
    assert over.value.limit == "call_cpu"


def test_a_call_given_more_time_still_stops_at_the_exercise_budget():
    budget = ExerciseBudget(LIMITS)
    budget.cpu_seconds = 10.0  # spent by earlier calls
    start = _start()
    watch = budget.watch(ScriptedMeter(_at(start, 2, cpu=2)), start, call_seconds=30)
    with pytest.raises(OverBudget) as over:
        watch.check()
    assert over.value.limit == "exercise_cpu"


def test_a_sleeping_call_is_stopped_by_the_backstop_and_its_blocked_time_adds_up():
    budget = ExerciseBudget(LIMITS)
    start = _start()
    first = budget.watch(ScriptedMeter(_at(start, 10, cpu=0.1)), start)
    first.finish()
    assert budget.blocked_seconds == pytest.approx(9.9, abs=0.01)
    assert budget.spent() is None
    later = Reading(start.wall + 10, 0.1, 0.1, 0.1)
    second = budget.watch(ScriptedMeter(_at(later, 6, cpu=0.0), _at(later, 6, cpu=0.0)), later)
    with pytest.raises(OverBudget) as over:
        second.check()
    assert over.value.limit == "blocked"
    second.abandon()
    assert budget.spent() == "blocked"


def test_the_next_check_comes_before_a_limit_can_be_passed():
    budget = ExerciseBudget(LIMITS)
    start = _start()
    watch = budget.watch(ScriptedMeter(), start)
    assert 0 < watch.wait_seconds() <= 0.5


def test_a_short_call_soon_after_a_reading_is_charged_with_the_next_call_that_is_read():
    budget = ExerciseBudget(LIMITS)
    now = Reading(time.monotonic(), 0.0, 0.0, 0.0)
    quick = budget.watch(ScriptedMeter(), now)  # nothing to read: the meter would fail
    assert quick.finish() is now
    assert budget.cpu_seconds == 0
    later = Reading(now.wall - 1, 0.0, 0.0, 0.0)  # the next call starts from the same (older) reading
    budget.watch(ScriptedMeter(_at(later, 1.0, cpu=0.25)), later).finish()
    assert budget.cpu_seconds == 0.25


def test_readings_taken_late_by_a_busy_grader_do_not_add_up_to_blocked_time():
    # A computing call, read every second by a grader that sometimes reads the clock late:
    # some windows show less progress than time, the next ones as much more.
    budget = ExerciseBudget(LIMITS)
    start = _start()
    now = time.monotonic()
    readings = []
    for second in range(1, 11):
        late = 0.5 if second % 2 and second > 1 else 0.0  # descheduled between reading /proc and the clock
        busy = second - late
        readings.append(Reading(now + second, busy / 4, busy, busy, read_seconds=late))  # a quarter on a CPU
    watch = budget.watch(ScriptedMeter(*readings), start)
    for _ in readings:
        watch.check()
    assert watch.blocked == pytest.approx(0.0, abs=0.01)


def test_threads_queued_side_by_side_earn_no_time_to_sleep_afterwards():
    # 200 threads runnable on 2 CPUs for a second show 200 s of progress in 1 s; the call then
    # sleeps. Before, the surplus paid for minutes of sleep under the backstop.
    budget = ExerciseBudget(LIMITS)
    start = _start()
    now = time.monotonic()
    calm = Reading(now + 1, 0.1, 1.0, 1.0)
    crowded = Reading(now + 2, 2.1, 2.0, 201.0)
    asleep = [Reading(now + 2 + second, 2.1, 2.0, 201.0) for second in (5, 10, 16)]
    watch = budget.watch(ScriptedMeter(calm, crowded, *asleep), start)
    for _ in range(4):
        watch.check()
    with pytest.raises(OverBudget) as over:
        watch.check()
    assert over.value.limit == "blocked"
