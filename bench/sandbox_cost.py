"""What the sandbox costs: a trivial call against the raw pipe floor, and whole submissions.

    python bench/sandbox_cost.py [--calls 3000] [--rounds 5]
    python bench/load.py --hogs 16 -- python bench/sandbox_cost.py    # the same on a busy machine

Prints, side by side from one run:
- the floor: the round trip of a few bytes between two forked Python processes over a pair of
  pipes (nothing on top: no framing, no JSON, no isolation), and the same with 50 us of work on
  each side, once with the child in the parent's session and once in a session of its own
  (where the kernel groups sessions for scheduling, autogroup, the second waits behind other
  sessions' work on a busy machine: the cause of the sandbox's slow calls under load, fixed by
  keeping workers in the grader's session);
- the same across two CPUs with both processes polling instead of sleeping (no wake-up at all);
- the sandbox's round trip of a trivial call (`f(1)` returning 1) through `StudentModule`;
- how much slower student code runs right after a hand-over than in a loop of its own: the
  grader and the student's process share a CPU, and each finds the caches full of the other's;
- a reference submission graded with a warm zygote (as `grader grade` grades each student)
  against the same hidden suites run in this process on the student's modules imported here,
  unsandboxed: wall and CPU time, the sandboxes' CPU included;
- a whole `grader submit` of the reference, as a command (its start, its database and its
  zygote included), against a command that runs the same suites in-process, unsandboxed.
Medians of `--rounds` alternating runs. No assertion; the figures are for reading.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve()
SEED = 20261127  # both arms grade the same inputs


def _ms(times: list[float]) -> str:
    times = sorted(times)
    return f"median {statistics.median(times) * 1e3:6.3f} ms, p90 {times[int(len(times) * 0.9)] * 1e3:6.3f} ms"


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def pipe_floor(
    calls: int, work: float = 0.0, new_session: bool = False, cpus: tuple[int, int] | None = None, poll: bool = False
) -> list[float]:
    """Round trips of a few bytes between this process and a forked one (`work` s on each side),
    each on the CPU given in `cpus` (this one's, the child's), or where the kernel puts them.

    With `poll`, neither side ever sleeps: each reads its pipe without blocking until the bytes
    are there. On two CPUs no wake-up and no switch of process happens: what a hand-over costs
    when both sides stay hot, at the price of two busy-waiting processes."""
    request_read, request_write = os.pipe()
    answer_read, answer_write = os.pipe()
    everywhere = os.sched_getaffinity(0)
    child = os.fork()
    if child == 0:
        os.close(request_write)
        os.close(answer_read)
        if cpus is not None:
            os.sched_setaffinity(0, {cpus[1]})
        if new_session:
            os.setsid()
        while data := _read(request_read, poll):
            _busy(work)
            os.write(answer_write, data)
        os._exit(0)
    os.close(request_read)
    os.close(answer_write)
    if cpus is not None:
        os.sched_setaffinity(0, {cpus[0]})
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        _busy(work)
        os.write(request_write, b"ping")
        _read(answer_read, poll)
        times.append(time.perf_counter() - started)
    os.close(request_write)
    os.waitpid(child, 0)
    os.close(answer_read)
    os.sched_setaffinity(0, everywhere)
    return times


def _read(fd: int, poll: bool) -> bytes:
    if not poll:
        return os.read(fd, 64)
    os.set_blocking(fd, False)
    while True:
        try:
            return os.read(fd, 64)
        except BlockingIOError:
            continue


_PROBE = """
import time
import numpy as np
from forward import dense_layer

X, W, b = np.ones((3, 4)), np.ones((5, 3)), np.ones((5, 1))

def in_a_loop(n):
    started = time.perf_counter()
    for _ in range(n):
        dense_layer(X, W, b, "relu")
    return (time.perf_counter() - started) / n

def once():
    started = time.perf_counter()
    dense_layer(X, W, b, "relu")
    return time.perf_counter() - started
"""


def cold_penalty(calls: int) -> tuple[float, float, float]:
    """How long the reference's `dense_layer` takes inside a sandbox: in a loop of the student's
    own (caches warm) and once per call (right after each hand-over from the grader), and in
    this process. The difference is what sharing a CPU with the grader costs student code."""
    from grader.sandbox.policy import SandboxLimits
    from grader.sandbox.student import StudentModule
    from grader.suites.inprocess import load_modules, reference_sources

    sources = {**reference_sources(), "probe": _PROBE}
    here = load_modules(sources)["probe"]
    student = StudentModule("probe", {f"{name}.py": text for name, text in sources.items()}, SandboxLimits())
    try:
        looped = student.in_a_loop(calls)
        once = statistics.median(student.once() for _ in range(calls // 3))
    finally:
        student.close()
    return looped, once, here.in_a_loop(calls)  # type: ignore[union-attr]


def sandbox_round_trip(calls: int) -> list[float]:
    """Round trips of `f(1)` through a sandboxed worker forked from a zygote."""
    from grader.sandbox.policy import SandboxLimits
    from grader.sandbox.pool import WorkerPool
    from grader.sandbox.student import StudentModule
    from grader.sandbox.zygote import start_zygote

    files = {"perceptron.py": "def f(x):\n    return x\n"}
    limits = SandboxLimits()
    with start_zygote() as zygote, WorkerPool(limits, size=1, refill=False, zygote=zygote) as pool:
        student = StudentModule("perceptron", files, limits, pool=pool)
        try:
            student.f(1)
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                student.f(1)
                times.append(time.perf_counter() - started)
        finally:
            student.close()
    return times


def _cpu() -> float:
    own = os.times()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.user + own.system + children.ru_utime + children.ru_stime


def sandboxed_submission(folder: Path, zygote: Any) -> tuple[float, float, float, float]:
    """Grade the reference from a warm zygote, as `grader grade` grades each student: wall, CPU
    (the sandboxes' included, read from /proc before each is ended), score, the sandboxes' CPU."""
    from grader.grading.exercises import all_exercises
    from grader.grading.grade import grade_workspace
    from grader.sandbox.policy import SandboxLimits
    from grader.sandbox.pool import WorkerPool

    names = [e.name for e in all_exercises()]
    cpu, started = _cpu(), time.perf_counter()
    with _SandboxCpu() as sandboxes, WorkerPool(SandboxLimits(), size=len(names), refill=False, zygote=zygote) as pool:
        result = grade_workspace(folder, names, pool=pool, seed=SEED)
    wall = time.perf_counter() - started - sandboxes.reading_seconds  # the bench's own reading is not grading
    return wall, _cpu() - cpu - sandboxes.reading_cpu + sandboxes.seconds, result.score, sandboxes.seconds


@contextmanager
def _no_placement() -> Iterator[None]:
    """The sandbox as it was before its process followed the grader's CPU (`grader.sandbox.placement`)."""
    from grader.sandbox import placement

    reader = placement._current_cpu_reader
    placement._current_cpu_reader = lambda: None  # type: ignore[assignment]
    try:
        yield
    finally:
        placement._current_cpu_reader = reader


class _SandboxCpu:
    """Adds up the CPU time of every sandbox process (the worker, its INIT, the student's) just
    before it is signalled to end, since they are reaped by the zygote, not by this process.

    Reading /proc takes milliseconds (every process's stat), inside the timed grading: the time
    and CPU it took are kept apart (`reading_seconds`, `reading_cpu`) for the caller to take off."""

    def __enter__(self) -> _SandboxCpu:
        from grader.sandbox import process

        self.seconds = self.reading_seconds = self.reading_cpu = 0.0
        self._original = process.Worker.signal_end
        counted: set[int] = set()
        bench = self

        def signal_end(worker: Any) -> None:
            if worker._pidfds and id(worker) not in counted:
                counted.add(id(worker))
                cpu, started = time.process_time(), time.perf_counter()
                bench.seconds += _tree_cpu(worker._process.pid)
                bench.reading_seconds += time.perf_counter() - started
                bench.reading_cpu += time.process_time() - cpu
            bench._original(worker)

        process.Worker.signal_end = signal_end  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        from grader.sandbox import process

        process.Worker.signal_end = self._original  # type: ignore[method-assign]


def _tree_cpu(root: int) -> float:
    """CPU seconds of `root` and its descendants, and of the children they reaped, from /proc."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
            reaped = sum(int(field) for field in fields[13:15]) / os.sysconf("SC_CLK_TCK")  # cutime, cstime
            cpu[int(entry)] = _running_seconds(entry) + reaped
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def _running_seconds(pid: str) -> float:
    """Time on a CPU of every thread of `pid`, in nanoseconds from schedstat (utime and stime
    count 10 ms ticks: too coarse for a sandbox that lives a few milliseconds)."""
    total = 0
    try:
        for thread in os.listdir(f"/proc/{pid}/task"):
            total += int(Path(f"/proc/{pid}/task/{thread}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return total / 1e9


def in_process_submission(folder: Path) -> tuple[float, float, float]:
    """The same hidden suites, with the same seed, run here on the student's modules imported
    here (`grader.suites.inprocess`: arguments and answers still copied as the wire would)."""
    from grader.grading import scoring
    from grader.grading.exercises import all_exercises
    from grader.suites.inprocess import grade_sources

    exercises = all_exercises()
    cpu, started = _cpu(), time.perf_counter()
    sources = {e.name: (folder / e.filename).read_text() for e in exercises}
    tests = grade_sources(sources, seed=SEED)
    score = sum(scoring.exercise_score(t)[0] for t in tests.values())
    return time.perf_counter() - started, _cpu() - cpu, score


def sandboxed_command(folder: Path) -> None:
    """What `grader submit` does to grade, without its database: a zygote first (it imports
    numpy while this process imports the suites), warm workers, the reference graded."""
    from grader.sandbox.zygote import start_zygote

    with start_zygote() as zygote:
        from grader.grading.exercises import all_exercises
        from grader.grading.grade import grade_workspace
        from grader.sandbox.policy import SandboxLimits
        from grader.sandbox.pool import WorkerPool

        names = [e.name for e in all_exercises()]
        with WorkerPool(SandboxLimits(), size=len(names), refill=False, zygote=zygote) as pool:
            grade_workspace(folder, names, pool=pool, seed=SEED)
        # The zygote's CPU and its workers' (which it reaped): this process never reaps them.
        started = time.perf_counter()
        print(f"sandbox-cpu {_tree_cpu(zygote._process.pid)}")
        print(f"bench-reading {time.perf_counter() - started}")  # not grading: the caller takes it off


def timed_command(command: list[str]) -> tuple[float, float]:
    """Wall and CPU time of a command; a sandboxed child adds the CPU of its sandboxes and zygote,
    which it prints, since their processes are reaped by the zygote, not counted here."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = done.stdout.splitlines()
    extra = sum(float(line.split()[1]) for line in lines if line.startswith("sandbox-cpu "))
    wall -= sum(float(line.split()[1]) for line in lines if line.startswith("bench-reading "))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) + extra


def _report(label: str, sandboxed: list[tuple[float, ...]], plain: list[tuple[float, ...]]) -> None:
    wall = [statistics.median(r[0] for r in runs) for runs in (plain, sandboxed)]
    cpu = [statistics.median(r[1] for r in runs) for runs in (plain, sandboxed)]
    print(f"{label}:")
    print(f"  in-process, unsandboxed: {wall[0] * 1e3:6.0f} ms wall, {cpu[0] * 1e3:6.0f} ms CPU")
    print(f"  sandboxed:               {wall[1] * 1e3:6.0f} ms wall, {cpu[1] * 1e3:6.0f} ms CPU")
    print(f"  sandboxed / in-process:  {wall[1] / wall[0]:.2f}x wall, {cpu[1] / cpu[0]:.2f}x CPU  (goal: 1.1x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=("sandboxed", "in-process"), help=argparse.SUPPRESS)
    parser.add_argument("--workspace", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "in-process":  # the arms of the whole-command comparison
        in_process_submission(args.workspace)
        return
    if args.child == "sandboxed":
        sandboxed_command(args.workspace)
        return
    from grader.grading.exercises import write_reference_workspace
    from grader.sandbox.zygote import start_zygote

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, python {sys.version.split()[0]}")
    floor = pipe_floor(args.calls)
    print(f"raw pipe ping-pong (floor):            {_ms(floor)}")
    cpus = sorted(os.sched_getaffinity(0))
    one_cpu = pipe_floor(args.calls, cpus=(cpus[0], cpus[0]))
    print(f"  both on one CPU:                     {_ms(one_cpu)}")
    if len(cpus) > 1:
        print(f"  on two CPUs:                         {_ms(pipe_floor(args.calls, cpus=(cpus[0], cpus[1])))}")
    same = pipe_floor(args.calls // 3, work=50e-6)
    own = pipe_floor(args.calls // 3, work=50e-6, new_session=True)
    print(f"  with 50 us of work, same session:    {_ms(same)}")
    print(f"  with 50 us of work, its own session: {_ms(own)}")
    if len(cpus) > 1:
        polling = pipe_floor(args.calls, cpus=(cpus[0], cpus[1]), poll=True)
        print(f"  on two CPUs, both polling (no sleep): {_ms(polling)}")
    trivial = sandbox_round_trip(args.calls)
    ratio = statistics.median(trivial) / statistics.median(one_cpu)
    print(f"sandbox trivial call:                  {_ms(trivial)}  ({ratio:.1f}x the floor on one CPU)")
    with _no_placement():
        scattered = sandbox_round_trip(args.calls)
    print(f"  without following the grader's CPU:  {_ms(scattered)}")
    looped, once, here = cold_penalty(args.calls)
    print(
        f"student code after each hand-over: the reference's dense_layer takes {once * 1e6:.1f} us once per call,\n"
        f"  {looped * 1e6:.1f} us in a loop in the sandbox, {here * 1e6:.1f} us in a loop here "
        f"({once / looped:.1f}x when cold)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        reference = write_reference_workspace(Path(tmp) / "ws")
        with start_zygote() as zygote:
            in_process_submission(reference)  # warm both paths once (imports, suite collection)
            sandboxed_submission(reference, zygote)
            sandboxed, plain = [], []
            for _ in range(args.rounds):
                plain.append(in_process_submission(reference))
                sandboxed.append(sandboxed_submission(reference, zygote))
        scores = {r[2] for r in sandboxed + plain}
        _report(f"reference submission, warm (scores {sorted(scores)})", sandboxed, plain)
        inside = statistics.median(r[3] for r in sandboxed)
        print(f"  of which in the sandboxes (student code, each worker's start and end): {inside * 1e3:.0f} ms CPU")

        child = [sys.executable, str(BENCH), "--workspace", str(reference), "--child"]
        database = f"sqlite:///{Path(tmp) / 'bench.db'}"
        submit = [sys.executable, "-m", "grader", "submit", "--workspace", str(reference), "--db", database]
        commands: list[tuple[float, ...]] = []
        plain_commands: list[tuple[float, ...]] = []
        submits = []
        for number in range(args.rounds):
            plain_commands.append(timed_command([*child, "in-process"]))
            commands.append(timed_command([*child, "sandboxed"]))
            submits.append(timed_command([*submit, "--student", f"bench{number}"]))
    _report("whole command, a new process each (start-up and zygote included, no database)", commands, plain_commands)
    wall, cpu = statistics.median(r[0] for r in submits), statistics.median(r[1] for r in submits)
    plain_wall = statistics.median(r[0] for r in plain_commands)
    print(
        f"  for comparison, `grader submit` (its database too): {wall * 1e3:6.0f} ms wall, {cpu * 1e3:6.0f} ms CPU, "
        f"{wall / plain_wall:.2f}x the in-process command's wall"
    )


if __name__ == "__main__":
    main()
