"""Run a command on a busy machine: beside N CPU-bound processes, and report what it met.

    python bench/load.py --hogs 16 -- python -m pytest -q -x -n0
    python bench/load.py --hogs 16 --repeat 5 -- grader submit --workspace ws --db sqlite:///x.db --json

Each hog is a process spinning in a loop in a session of its own (so that, where the kernel
groups processes by session for scheduling, each hog weighs like another user's job, as on a
shared server, and none is lumped in with the command). The command runs in its own session
too, with its output passed through. For each run this prints the machine's load (the mean
number of runnable tasks sampled every 0.2 s, and the 1-minute load average at the end), the
command's wall-clock time, its CPU time and its exit code. Nothing is asserted: the figures
are for reading. The exit code is that of the last failing run, else 0.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time


def _hog() -> None:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        pass


def start_hogs(count: int) -> list[int]:
    """Fork `count` CPU-bound processes; each dies with this one (parent-death signal)."""
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            try:
                if sys.platform.startswith("linux"):
                    import ctypes

                    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
                _hog()
            finally:
                os._exit(0)
        pids.append(pid)
    return pids


def stop_hogs(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


class LoadSampler:
    """Samples the number of runnable tasks (4th field of /proc/loadavg) while a command runs."""

    def __init__(self, interval: float = 0.2) -> None:
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                with open("/proc/loadavg") as handle:
                    self.samples.append(int(handle.read().split()[3].split("/")[0]))
            except (OSError, ValueError, IndexError):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_once(command: list[str]) -> tuple[int, float, float, float]:
    """Run `command` in a session of its own; return (exit code, wall s, CPU s, mean runnable)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with LoadSampler() as sampler:
        started = time.perf_counter()
        code = subprocess.call(command, start_new_session=True)
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runnable = statistics.mean(sampler.samples) if sampler.samples else float("nan")
    return code, wall, cpu, runnable


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hogs", type=int, default=16, help="CPU-bound processes to run beside the command")
    parser.add_argument("--repeat", type=int, default=1, help="run the command this many times")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    hogs = start_hogs(args.hogs)
    worst = 0
    rows = []
    try:
        time.sleep(1.0)  # let the hogs reach the run queues
        for run in range(1, args.repeat + 1):
            code, wall, cpu, runnable = run_once(command)
            load1 = os.getloadavg()[0]
            rows.append((run, code, wall, cpu, runnable, load1))
            worst = code if code else worst
            print(
                f"[load.py] run {run}/{args.repeat}: exit {code}, {wall:.1f} s wall, {cpu:.1f} s CPU, "
                f"{runnable:.1f} runnable tasks on average, load average {load1:.1f} "
                f"({args.hogs} hogs, {os.cpu_count()} cores)",
                file=sys.stderr,
                flush=True,
            )
    finally:
        stop_hogs(hogs)
    if len(rows) > 1:
        walls = [row[2] for row in rows]
        codes = [row[1] for row in rows]
        print(
            f"[load.py] {len(rows)} runs: exit codes {codes}, wall median {statistics.median(walls):.1f} s "
            f"(min {min(walls):.1f}, max {max(walls):.1f})",
            file=sys.stderr,
        )
    return worst


if __name__ == "__main__":
    sys.exit(main())
