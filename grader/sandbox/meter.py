"""The kernel's account of a sandboxed process, read by the trusted side from /proc.

Nothing the worker says about itself counts against a limit: student code could say anything.
The grader reads, for the student's process,
- its CPU time, every thread included (those that ended too), from /proc/<pid>/stat;
- for its threads, how long each ran and how long it waited for a CPU, from
  /proc/<pid>/task/<tid>/schedstat.
Time that a call spent neither running nor waiting for a CPU is time it was blocked: sleeping,
or waiting on a lock or on input that never comes. Time spent waiting for a CPU on a busy
machine counts as neither, so the same code is charged the same on an idle laptop and on a
server with every core taken.

/proc/<pid> is opened once, as a directory descriptor, so a pid reused after the process ends
is never read by mistake: reads then fail as for a process that is gone. Where there is no
/proc (macOS), `WallClockMeter` counts wall-clock time as CPU time and nothing as blocked, so
the limits are wall-clock limits there.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class ProcessGone(Exception):
    """The measured process has ended (or was never there)."""


@dataclass(frozen=True)
class Reading:
    """One look at a process: when, how much CPU it has used, and how busy its threads were."""

    wall: float
    """time.monotonic() just after the files were read."""
    cpu: float
    """CPU seconds used by all the process's threads so far, in the kernel's 1/100 s steps."""
    busy_main: float
    """Seconds the main thread (which runs every call) spent running or waiting for a CPU."""
    busy_all: float | None = None
    """The same summed over every live thread, when it was read (it costs a directory listing)."""
    read_seconds: float = 0.0
    """How long taking the reading took, the clock read last: by at most this much, `wall` may be
    later than the moment the kernel's figures were read (a grader descheduled while reading)."""

    def busy_since(self, earlier: Reading) -> float:
        if self.busy_all is not None and earlier.busy_all is not None:
            return self.busy_all - earlier.busy_all
        return self.busy_main - earlier.busy_main


class ProcMeter:
    """Reads one process's accounting from /proc through descriptors held open."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        flags = os.O_RDONLY | os.O_CLOEXEC
        try:
            self._dir = os.open(f"/proc/{pid}", flags | os.O_DIRECTORY)
        except OSError as error:
            raise ProcessGone(str(error)) from error
        self._fds = [self._dir]
        try:
            self._stat = self._open("stat")
            self._tasks = self._open("task", os.O_DIRECTORY)
            self._schedstat = self._open(f"task/{pid}/schedstat")
        except ProcessGone:
            self.close()
            raise

    def _open(self, name: str, extra: int = 0) -> int:
        try:
            fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC | extra, dir_fd=self._dir)
        except OSError as error:
            raise ProcessGone(str(error)) from error
        self._fds.append(fd)
        return fd

    def _stat_fields(self) -> list[str]:
        if not self._fds:
            raise ProcessGone("no longer measured")
        try:
            text = os.pread(self._stat, 4096, 0).decode("ascii", "replace")
        except OSError as error:
            raise ProcessGone(str(error)) from error
        _, _, rest = text.rpartition(")")  # the command name may hold spaces and parentheses
        fields = rest.split()
        if len(fields) < 13:
            raise ProcessGone("unreadable /proc stat")
        return fields

    def parent_pid(self) -> int:
        return int(self._stat_fields()[1])

    def read(self, all_threads: bool = False) -> Reading:
        began = time.monotonic()
        fields = self._stat_fields()
        cpu = (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND  # utime + stime
        busy_main = _busy(self._pread(self._schedstat))
        busy_all = None
        if all_threads:
            busy_all = 0.0
            try:
                tids = os.listdir(self._tasks)
            except OSError as error:
                raise ProcessGone(str(error)) from error
            for tid in tids:
                try:
                    fd = os.open(f"{tid}/schedstat", os.O_RDONLY | os.O_CLOEXEC, dir_fd=self._tasks)
                except OSError:
                    continue  # the thread ended meanwhile
                try:
                    busy_all += _busy(os.read(fd, 256))
                except OSError:
                    pass
                finally:
                    os.close(fd)
        now = time.monotonic()  # the clock read last, as schedstat was
        return Reading(now, cpu, busy_main, busy_all, now - began)

    def _pread(self, fd: int) -> bytes:
        if not self._fds:
            raise ProcessGone("no longer measured")
        try:
            return os.pread(fd, 256, 0)
        except OSError as error:
            raise ProcessGone(str(error)) from error

    def close(self) -> None:
        """Close the descriptors; reads then raise ProcessGone (never touch a reused descriptor)."""
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []


class WallClockMeter:
    """Where /proc cannot be read: wall-clock time stands for CPU time, and nothing is blocked."""

    pid = None

    def __init__(self) -> None:
        self._start = time.monotonic()

    def read(self, all_threads: bool = False) -> Reading:
        now = time.monotonic()
        elapsed = now - self._start
        return Reading(now, elapsed, elapsed, elapsed if all_threads else None)

    def close(self) -> None:
        pass


Meter = ProcMeter | WallClockMeter


def _busy(schedstat: bytes) -> float:
    """Nanoseconds on a CPU plus nanoseconds waiting for one, as seconds."""
    parts = schedstat.split()
    if len(parts) < 2:
        return 0.0
    return (int(parts[0]) + int(parts[1])) / 1e9
