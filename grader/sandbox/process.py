"""One sandboxed worker process, driven from the trusted side over a private pair of pipes.

The worker's stdout and stderr are a third pipe, drained whenever the grader waits for the
worker (keeping the first `output_bytes`), so nothing student code prints can be mistaken for
an answer, and a flood of output neither blocks a call nor fills memory. No thread drains it:
a thread per worker cost about 2 ms to start and to join, and a wake-up of its own for
every write, on a machine where the two CPUs hand work to each other slowly.

Time is measured here, from /proc, never taken from the worker's word: the worker's first
frame (`hello`, sent before any student code runs) names the student's process, which is
checked to descend from the worker, and its CPU and blocked time are then read directly
(`grader.sandbox.meter`) against the exercise's budget (`grader.sandbox.budget`).

`kill()` ends the student's namespace through a pidfd of its PID 1 (the student's process, or
the INIT above it in a worker started without a zygote): the kernel then ends every process in
it, however the student's code changed its own process. The worker and its process group are
killed too, which covers systems without PID namespaces. If the grader itself dies, the zygote
dies with it, and its own PID namespace, which holds its workers', with it (see worker.py).
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from grader.sandbox import protocol
from grader.sandbox.budget import ExerciseBudget, OverBudget, StartupTimeout, StartupWatch, Watch
from grader.sandbox.errors import BudgetExhausted, ImportFailed, StudentCrashed, StudentDataError
from grader.sandbox.launch import start_process, worker_command
from grader.sandbox.meter import Meter, ProcessGone, ProcMeter, Reading, WallClockMeter
from grader.sandbox.placement import FollowTheGrader
from grader.sandbox.policy import Layers, SandboxLimits
from grader.sandbox.text import cap
from grader.sandbox.zygote import Zygote, ZygoteChild

STARTUP_SECONDS = 120.0
"""How long a worker may take to start (fork, namespaces, numpy) before grading gives up on it:
charged to nobody, and long, since a loaded machine slows it down."""
LAST_WORDS_SECONDS = 2.0
"""How long a worker found gone is given to have its last frame read (it wrote it before ending)."""
CLOSED_CHANNEL_SECONDS = 1.0
"""How long a worker whose channel closed is given to end by itself (an exit or a crash takes
milliseconds), so that its exit status can be told, before it is ended."""
OUTPUT_READS_AT_ONCE = 16
"""Reads of the output pipe (64 KiB each) before the grader looks at the worker's budget again."""


class Worker:
    """A worker process: forked from a zygote when one is given and alive, else started afresh.

    Constructing one returns at once; `wait_ready` (which the first call makes) waits for it.
    """

    def __init__(self, limits: SandboxLimits, *, layers: Layers = Layers(), zygote: Zygote | None = None) -> None:
        self.limits = limits
        self.isolation: dict[str, Any] = {}
        self.meter: Meter = WallClockMeter()
        self._placement = FollowTheGrader(None)
        self._reading: Reading | None = None
        self._pidfds: list[int] = []
        self._output = bytearray()
        self._output_seen = 0
        self._outgoing = bytearray()
        self._incoming = bytearray()
        self._next_id = 0
        self._ready = False
        self._module = ""
        request_read, self._request_write = os.pipe()
        self._response_read, response_write = os.pipe()
        output_read, output_write = os.pipe()
        self._process: subprocess.Popen[bytes] | ZygoteChild
        try:
            if zygote is not None and zygote.alive:
                self._process = zygote.spawn(layers, request_read, response_write, output_write)
            else:
                command, env, config = worker_command()
                config.update(read_fd=request_read, write_fd=response_write, layers=layers.as_dict())
                command[-2] = json.dumps(config)
                self._process = start_process(command, env, (request_read, response_write), output_write)
        except BaseException:
            for fd in (output_read, self._request_write, self._response_read):
                os.close(fd)
            raise
        finally:
            for fd in (request_read, response_write, output_write):
                os.close(fd)
        self._output_read = output_read
        os.set_blocking(output_read, False)
        os.set_blocking(self._request_write, False)

    # -- lifecycle -------------------------------------------------------------------------

    def send_init(self, files: dict[str, str], module: str, rules: list[tuple[str, int]]) -> None:
        """Tell the worker what to import, and send it the sources to import it from; this is
        queued while the worker is still starting up, and sent as it reads."""
        limits = self.limits.as_dict()
        self._module = module
        self._queue({"op": "init", "module": module, "files": len(files), "rules": rules, "limits": limits})
        for name, source in files.items():
            self._queue({"op": "file", "name": name.removesuffix(".py"), "source": source})

    def wait_ready(self, budget: ExerciseBudget) -> None:
        """Wait for the module to be imported; raise ImportFailed if it could not be.

        The worker's start-up is charged to nobody; the import is charged to the exercise as a
        call is (CPU time, and time blocked), from the moment the worker says it starts it.
        """
        if self._ready:
            return
        startup = StartupWatch(STARTUP_SECONDS)
        try:
            hello = self._expect("hello", startup)
            self._attach(hello.get("pid"))
            importing = self._expect("importing", startup)
        except StartupTimeout as error:
            self.kill()
            raise ImportFailed(
                f"the sandbox did not start within {STARTUP_SECONDS:g} s: the grading machine is overloaded "
                "or broken (not a fault of your code)"
            ) from error
        except (StudentCrashed, ProcessGone) as error:
            reason = error.feedback if isinstance(error, StudentCrashed) else "it ended"
            raise ImportFailed(f"the sandbox stopped before your module could be imported: {reason}") from error
        except (StudentDataError, protocol.ProtocolError) as error:
            self.kill()
            raise ImportFailed("the grader could not talk to your module's process while importing it") from error
        try:
            start = self.meter.read()
        except ProcessGone as error:  # the import began and the process has ended already
            message = self._last_words()
            if message is None or message.get("op") != "import_failed":
                raise ImportFailed(
                    f"your module stopped the process while being imported: {self._death_reason()}"
                ) from error
        else:
            message = self._receive_import(importing, start, budget)
        self.isolation = {**read_isolation(importing.get("isolation")), "cpu_time": isinstance(self.meter, ProcMeter)}
        if message.get("op") == "import_failed":
            raised = message.get("raised")
            raised = raised if isinstance(raised, dict) else {}  # student code may write the frame
            self.kill()
            type_name, said = cap(raised.get("type"), 100), cap(raised.get("message"), 300)
            place = cap(raised.get("where"), 200) if raised.get("where") else ""
            where = f" at {place}" if place else ""
            if place and not place.startswith(f"{self._module}.py:"):  # in a file the module imports
                where = f" at {place}, in a file your {self._module}.py imports"
            feedback = (
                f"importing your module raised {type_name}{where}: {said}"
                if type_name
                else "importing your module failed, and its process sent no readable account of why"
            )
            raise ImportFailed(feedback, type_name=type_name, message=said, where=place)
        if message.get("op") != "ready":
            self.kill()
            raise ImportFailed("your module's process answered with something other than a ready signal")
        self._ready = True

    def _receive_import(self, importing: dict[str, Any], start: Reading, budget: ExerciseBudget) -> dict[str, Any]:
        """The worker's word on the import (ready, or what it raised), charged to the exercise."""
        reported = importing.get("cpu")
        if isinstance(reported, (int, float)) and 0 <= reported < start.cpu:  # sent before student code ran
            start = Reading(start.wall, float(reported), start.busy_main)
        watch = budget.watch(self.meter, start)
        try:
            message = self._receive(watch)
        except OverBudget as over:
            watch.abandon()
            self.kill()
            raise _import_over_budget(over, self.limits) from over
        except StudentCrashed as error:
            watch.abandon()
            last = self._last_words()  # a process that ends after a failed import may be seen gone first
            if last is None or last.get("op") != "import_failed":
                raise ImportFailed(f"your module stopped the process while being imported: {error.feedback}") from error
            return last
        except (StudentDataError, protocol.ProtocolError) as error:
            watch.abandon()
            self.kill()
            raise ImportFailed("the grader could not talk to your module's process while importing it") from error
        self._reading = watch.finish()
        return message

    def _last_words(self) -> dict[str, Any] | None:
        """A whole frame the worker wrote before it ended, if any: what is left in the pipe."""
        deadline = time.monotonic() + LAST_WORDS_SECONDS
        try:
            while (frame := self._take_frame()) is None:
                left = deadline - time.monotonic()
                if self._response_read < 0 or left <= 0 or not select.select([self._response_read], [], [], left)[0]:
                    return None
                chunk = os.read(self._response_read, 65536)
                if not chunk:
                    return None
                self._incoming += chunk
        except (OSError, ValueError, StudentDataError):
            return None
        return frame

    def call(
        self,
        function: str,
        args: list[Any],
        kwargs: dict[str, Any],
        *,
        readonly: bool,
        budget: ExerciseBudget,
        call_seconds: float | None = None,
        substitute: Mapping[str, Callable[..., Any]] | None = None,
        echo: bool = False,
    ) -> dict[str, Any]:
        """Send one call and return the worker's raw answer (value, raised, missing or too_large).

        With `substitute`, the student module's globals of those names answer, for this call,
        with the given trusted functions (see `answer_upcall`). With `echo`, the answer also
        carries `arguments_after`: [args, kwargs] as the call left them. Raises OverBudget (the
        worker is then ended) when the call passes a limit.
        """
        message: dict[str, Any] = {
            "op": "call",
            "function": function,
            "args": protocol.encode(list(args)),
            "kwargs": protocol.encode(dict(kwargs)),
            "readonly": readonly,
        }
        if echo:
            message["echo"] = True
        if substitute:
            message["substitute"] = sorted(substitute)
        return self._exchange(message, budget, call_seconds, substitute or {})

    def run_examples(self, budget: ExerciseBudget) -> dict[str, Any]:
        """Ask the worker to run the doctest examples of the student's module (informational only)."""
        return self._exchange({"op": "examples"}, budget, self.limits.exercise_seconds)

    def _exchange(
        self,
        message: dict[str, Any],
        budget: ExerciseBudget,
        call_seconds: float | None,
        substitute: Mapping[str, Callable[..., Any]] | None = None,
    ) -> dict[str, Any]:
        assert self._reading is not None, "wait_ready first"
        watch = budget.watch(self.meter, self._reading, call_seconds)
        self._next_id += 1
        message["id"] = self._next_id
        try:
            self._placement.follow()
            self._queue(message)
            answer = self._receive(watch)
            next_check = time.monotonic() + watch.wait_seconds()
            while answer.get("op") == "upcall" and substitute and answer.get("id") == message["id"]:
                started = time.monotonic()
                self._queue(answer_upcall(answer, substitute))
                now = time.monotonic()
                watch.trusted_work(now - started)
                if now >= next_check:  # a call that only asks for helpers is checked too
                    try:
                        watch.check()
                    except ProcessGone as error:
                        raise StudentCrashed(self._death_reason()) from error
                    next_check = time.monotonic() + watch.wait_seconds()
                answer = self._receive(watch)
        except OverBudget:
            watch.abandon()
            self.kill()
            raise
        except (StudentCrashed, StudentDataError):
            watch.abandon()
            raise
        self._reading = watch.finish()
        if answer.get("id") != message["id"]:
            self.kill()
            raise StudentDataError("your module's process answered out of turn (did it write to the grader's channel?)")
        return answer

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def signal_end(self) -> None:
        """Send the worker and its namespace SIGKILL without waiting for them to go: ending
        several at once lets the kernel tear them down together (about 2 ms each). `kill()`
        then waits; until it does, the processes may still be going."""
        for pidfd in self._pidfds:  # INIT first: the kernel then ends its whole namespace
            try:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            except OSError:
                pass

    def kill(self) -> None:
        """End the worker and everything it started; idempotent."""
        self.signal_end()
        self._placement.stop()
        for pidfd in self._pidfds:
            os.close(pidfd)
        self._pidfds = []
        if self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._process.kill()
            except ProcessLookupError:
                pass
            if isinstance(self._process, subprocess.Popen):
                self._process.wait()  # reap our own child; a zygote reaps its own
        self.meter.close()
        self._drain_output()  # what it printed before it was ended is in the pipe already
        for fd in (self._request_write, self._response_read, self._output_read):
            try:
                os.close(fd)
            except OSError:
                pass
        self._request_write = self._response_read = self._output_read = -1

    def output(self) -> str:
        """What the student's code printed, up to the output cap."""
        self._drain_output()
        return self._output.decode("utf-8", errors="replace")

    @property
    def output_bytes_seen(self) -> int:
        self._drain_output()
        return self._output_seen

    # -- measurement -----------------------------------------------------------------------

    def _attach(self, pid: object) -> None:
        """Measure the student's process `pid` (from `hello`, sent before student code ran) and
        hold pidfds of it and of its INIT, once /proc shows that it descends from our worker.
        Where that fails, time stays measured by the wall clock."""
        if type(pid) is not int or pid <= 0 or not sys.platform.startswith("linux"):
            return
        worker = self._process.pid
        meters: list[ProcMeter] = []
        pidfds: list[int] = []
        try:
            meters.append(ProcMeter(pid))
            # In a PID namespace, STUDENT's parent is the worker, or INIT whose parent is the worker.
            if pid != worker and meters[0].parent_pid() != worker:
                meters.append(ProcMeter(meters[0].parent_pid()))
                if meters[1].parent_pid() != worker:
                    raise ProcessGone("not a process of this worker")
            try:
                for meter in reversed(meters):  # INIT first
                    pidfds.append(os.pidfd_open(meter.pid))
            except (AttributeError, OSError):  # no pidfds here (Linux < 5.3): ended by the worker's death
                for fd in pidfds:
                    os.close(fd)
                pidfds = []
            for meter in meters:
                meter.parent_pid()  # still the processes checked, now pinned by their pidfds
        except (ProcessGone, OSError, ValueError):
            for meter in meters:
                meter.close()
            for fd in pidfds:
                os.close(fd)
            return
        for meter in meters[1:]:
            meter.close()
        self.meter.close()
        self.meter = meters[0]
        self._pidfds = pidfds
        self._placement = FollowTheGrader(meters[0].pid, pidfds[-1] if pidfds else None)  # INIT's comes first

    # -- plumbing --------------------------------------------------------------------------

    def _queue(self, message: dict[str, Any]) -> None:
        """Queue a frame and write as much of it as the pipe takes now; `_receive` sends the rest."""
        self._outgoing += protocol.dump_frame(message)
        self._flush()

    def _flush(self) -> None:
        try:
            written = os.write(self._request_write, self._outgoing)
        except BlockingIOError:
            return
        except OSError as error:  # the worker is gone
            raise StudentCrashed(self._death_reason()) from error
        del self._outgoing[:written]

    def _expect(self, op: str, watch: Watch) -> dict[str, Any]:
        message = self._receive(watch)
        if message.get("op") != op:
            raise protocol.ProtocolError(f"expected {op}")
        return message

    def _receive(self, watch: Watch) -> dict[str, Any]:
        """The next frame from the worker, sending what is queued meanwhile; `watch` is consulted
        whenever it asks to be, and ends the wait by raising."""
        next_check = time.monotonic() + watch.wait_seconds()
        while True:
            frame = self._take_frame()
            if frame is not None:
                return frame
            now = time.monotonic()
            if now >= next_check:
                try:
                    watch.check()
                except ProcessGone as error:
                    raise StudentCrashed(self._death_reason()) from error
                now = time.monotonic()
                next_check = now + watch.wait_seconds()
            writers = [self._request_write] if self._outgoing else []
            readers = [self._response_read, self._output_read] if self._output_read >= 0 else [self._response_read]
            readable, writable, _ = select.select(readers, writers, [], next_check - now)
            if writable:
                self._flush()
            if self._output_read in readable:
                self._drain_output()
            if self._response_read in readable:
                chunk = os.read(self._response_read, 65536)  # a larger size costs an mmap per read
                if not chunk:
                    raise StudentCrashed(self._death_reason())
                self._incoming += chunk

    def _take_frame(self) -> dict[str, Any] | None:
        if len(self._incoming) < protocol.HEADER.size:
            return None
        (size,) = protocol.HEADER.unpack_from(self._incoming)
        if size > protocol.MAX_FRAME_BYTES:
            self.kill()
            raise StudentDataError(f"the answer was larger than the {protocol.MAX_FRAME_BYTES // (1 << 20)} MiB cap")
        end = protocol.HEADER.size + size
        if len(self._incoming) < end:
            return None
        body = bytes(self._incoming[protocol.HEADER.size : end])
        del self._incoming[:end]
        try:
            return protocol.load_frame(body)
        except protocol.ProtocolError as error:
            self.kill()
            raise StudentDataError("the answer could not be read as plain data") from error

    def _death_reason(self) -> str:
        """How the worker ended, now that its channel is closed. One that closed the channel and
        lives on is ended after a moment: waiting longer for it is time nobody's budget counts."""
        try:
            code = self._process.wait(timeout=CLOSED_CHANNEL_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            return "the process closed its channel to the grader and was ended"
        self.kill()
        return describe_exit(code)

    def _drain_output(self) -> None:
        """Read what the worker printed so far (without waiting), keeping the first `output_bytes`;
        at the end of the output (every process holding the pipe gone) stop watching the pipe.

        At most OUTPUT_READS_AT_ONCE reads: a student's threads writing on another CPU as fast
        as this reads must not keep the grader from checking the budget between reads."""
        for _ in range(OUTPUT_READS_AT_ONCE):
            if self._output_read < 0:
                return
            try:
                chunk = os.read(self._output_read, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                os.close(self._output_read)
                self._output_read = -1
                return
            self._output_seen += len(chunk)
            room = self.limits.output_bytes - len(self._output)
            if room > 0:
                self._output += chunk[:room]


def answer_upcall(frame: dict[str, Any], substitute: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    """Run the trusted function a student module's call asked for, on the plain data it sent,
    and answer with plain data (or with the error it raised, by type name and message).

    The arguments are decoded as any answer is (plain data only, capped), and the function
    runs with a memory ceiling (`helper_memory`), so a call that sends a helper absurd sizes
    gets a MemoryError, not this process's memory."""
    name = frame.get("function")
    helper = substitute.get(name) if isinstance(name, str) else None
    reply: dict[str, Any] = {"id": frame.get("id"), "op": "upcall_answer"}
    try:
        if helper is None:
            raise NameError(f"no helper {str(name)[:60]!r} stands in during this call")
        args, kwargs = protocol.decode(frame.get("args", [])), protocol.decode(frame.get("kwargs", {}))
        if not isinstance(args, list) or not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
            raise TypeError("the arguments are not plain data")
        if protocol.find_unreadable(args) is not None or protocol.find_unreadable(kwargs) is not None:
            raise TypeError("an argument is not plain data (numbers, lists, dicts or numeric arrays)")
        with helper_memory():
            reply["value"] = protocol.encode(helper(*args, **kwargs))
        protocol.dump_frame(reply)  # over the frame cap: say so rather than fail later
    except protocol.ProtocolError as error:
        reply.pop("value", None)
        reply["raised"] = {"type": "TypeError", "message": f"the arguments could not be read: {error}"}
    except Exception as error:  # the helper's own complaint about what it was given
        reply.pop("value", None)
        reply["raised"] = {"type": type(error).__name__[:100], "message": cap(str(error), 300)}
    return reply


HELPER_MEMORY_BYTES = 1 << 30


@contextmanager
def helper_memory() -> Iterator[None]:
    """Lower this process's address-space ceiling to its current size plus `HELPER_MEMORY_BYTES`
    while a helper runs on a student's data, so an absurd allocation raises MemoryError here."""
    if not sys.platform.startswith("linux"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            size = int(handle.read().split()[0]) * resource.getpagesize()
        ceiling = size + HELPER_MEMORY_BYTES
        if hard != resource.RLIM_INFINITY:
            ceiling = min(ceiling, hard)
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    except (OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _import_over_budget(over: OverBudget, limits: SandboxLimits) -> ImportFailed | BudgetExhausted:
    if over.limit == "exercise_cpu":  # cut short by what earlier calls spent: it may import fine given time
        return BudgetExhausted(
            f"your module was not imported: the exercise's budget of {limits.exercise_seconds:g} s of CPU time is spent"
        )
    if over.limit == "blocked":
        return ImportFailed(
            f"importing your module was stopped: it was blocked (sleeping or waiting, not computing) for "
            f"{limits.blocked_seconds:g} s of wall-clock time (waiting for input at import time?)"
        )
    return ImportFailed(
        f"importing your module used more than {limits.call_seconds:g} s of CPU time (an endless loop at import time?)"
    )


ISOLATION_FLAGS = (
    "user_namespace",
    "network_namespace",
    "pid_namespace",
    "filesystem",
    "network_tcp",
    "signal_scope",
    "no_new_processes",
)


def read_isolation(report: object) -> dict[str, Any]:
    """The worker's account of its isolation (sent before any student code ran, with `importing`),
    kept to the keys and types it has: flags, the Landlock ABI and the memory ceiling."""
    if not isinstance(report, dict):
        return {}
    kept: dict[str, Any] = {key: report.get(key) is True for key in ISOLATION_FLAGS}
    abi = report.get("landlock_abi")
    kept["landlock_abi"] = abi if type(abi) is int and 0 <= abi < 1000 else 0
    memory = report.get("memory_limit_bytes")
    kept["memory_limit_bytes"] = memory if type(memory) is int and 0 < memory < 1 << 62 else None
    return kept


def describe_exit(code: int) -> str:
    """Say how a worker ended, in terms a student recognises."""
    number = -code if code < 0 else code - 128 if code > 128 else 0
    if number:
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        meaning = {
            "SIGSEGV": "a segmentation fault",
            "SIGKILL": "killed (out of memory, or ended by the grader)",
            "SIGXCPU": "the CPU time limit",
            "SIGABRT": "an abort",
            "SIGXFSZ": "a write to a file, which is not allowed",
        }.get(name, name)
        return f"the process died of {meaning} ({name})"
    return f"the process exited with code {code} (sys.exit or os._exit in your code?)"
