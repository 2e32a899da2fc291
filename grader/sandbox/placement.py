"""The student's process runs on the CPU of the grader that drives it.

A call into a sandbox is a strict alternation: the grader writes a request and waits, the
student's process computes, answers and waits. When the two sit on different CPUs, each
hand-over wakes the other CPU, which on a virtual machine costs tens of microseconds: measured
here (`bench/sandbox_cost.py`), a pipe round trip between two processes is about 60 us across
two CPUs and 8 us on one, and a trivial call took 0.12-0.16 ms across two CPUs against 0.06 ms
on one. The two processes never run at the same time, so sharing one CPU costs no parallelism.

So before each call the student's process is given the grader's current CPU as its only one,
when that changed (rarely: the kernel keeps a process where it is unless that CPU is busy). The
grader itself is never pinned: the kernel stays free to move it to an idle CPU, and the
student's process follows at the next call. Threads the student's code starts inherit the CPU;
budgets are CPU time, so this changes no grade, only how long the student's code waits for a CPU.

Nothing depends on this for correctness: where the CPU cannot be read or set (not Linux, no
`sched_getcpu` or pidfds, a process that has just ended), calls only take longer.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable
from functools import cache


@cache
def _current_cpu_reader() -> Callable[[], int] | None:
    """libc's `sched_getcpu` (a vDSO read, about a microsecond), or None where there is none."""
    if not hasattr(os, "sched_setaffinity") or not hasattr(signal, "pidfd_send_signal"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).sched_getcpu
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_int
    function.argtypes = []
    return function


class FollowTheGrader:
    """Moves the process `pid` to the CPU this process is on, whenever that changes.

    `pidfd` (a pidfd of that process) is asked first whether the process is still the one
    meant: a pid number is free for reuse once its process has been reaped, and the CPU of
    somebody else's process is not ours to set.
    """

    def __init__(self, pid: int | None, pidfd: int | None = None) -> None:
        self._pid = pid
        self._pidfd = pidfd
        self._cpu = -1
        self._read_cpu = _current_cpu_reader() if pid is not None and pidfd is not None else None

    def follow(self) -> None:
        """Call just before waking the process (sending it a request)."""
        if self._read_cpu is None:
            return
        cpu = self._read_cpu()
        if cpu == self._cpu or cpu < 0:
            return
        try:
            signal.pidfd_send_signal(self._pidfd, 0)  # type: ignore[arg-type]  # still that process?
            os.sched_setaffinity(self._pid, {cpu})  # type: ignore[arg-type]
        except OSError:  # ended, or not ours to place: leave it where the kernel puts it
            self.stop()
            return
        self._cpu = cpu

    def stop(self) -> None:
        """Never place the process again (its pidfd is about to be closed)."""
        self._read_cpu = None
        self._pidfd = None
