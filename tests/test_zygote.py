"""Workers forked from a zygote are as isolated as fresh ones, and die with it."""

from __future__ import annotations

import time

import pytest

from grader.sandbox.errors import StudentCrashed
from grader.sandbox.pool import WorkerPool
from grader.sandbox.student import StudentModule
from grader.sandbox.zygote import start_zygote

pytestmark = pytest.mark.sandbox

PROBE = """
import os
def whoami():
    return [os.getpid(), os.getppid()]
def read(path):
    try:
        with open(path) as handle:
            return handle.read(10)
    except OSError as error:
        return type(error).__name__
def crash():
    os._exit(7)
"""


def test_forked_workers_answer_with_their_own_isolation(quick_limits):
    files = {"perceptron.py": PROBE}
    with start_zygote() as zygote, WorkerPool(quick_limits, size=2, zygote=zygote) as pool:
        first = StudentModule("perceptron", files, quick_limits, pool=pool)
        second = StudentModule("perceptron", files, quick_limits, pool=pool)
        try:
            assert first.whoami() == second.whoami() == [1, 0]  # each PID 1 of its own namespace (in the zygote's)
            assert first.read("/etc/passwd") == "PermissionError"
            assert first.isolation_reports[0]["filesystem"] and first.isolation_reports[0]["no_new_processes"]
            with pytest.raises(StudentCrashed, match="exited with code 7"):
                first.crash()
            assert second.whoami()[0] == 1  # the other worker carries on
        finally:
            first.close()
            second.close()


def test_the_workers_of_a_closed_zygote_die_and_new_ones_start_without_it(quick_limits):
    files = {"perceptron.py": PROBE}
    zygote = start_zygote()
    pool = WorkerPool(quick_limits, size=1, zygote=zygote)
    module = StudentModule("perceptron", files, quick_limits, pool=pool)
    assert module.whoami()[0] == 1
    worker_pid = module._worker._process.pid
    zygote.close()
    deadline = time.monotonic() + 60  # generous: a busy machine; the loop ends as soon as it is gone
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(worker_pid)
    module.close()
    replacement = StudentModule("perceptron", files, quick_limits, pool=pool)  # falls back to a fresh process
    assert replacement.whoami() == [2, 1]  # a fresh worker's namespace has an INIT of its own
    replacement.close()
    pool.close()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[1][0] not in "ZX"
    except (OSError, IndexError):
        return False
