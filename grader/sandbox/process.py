"""One sandboxed worker process, driven from the trusted side over a private pair of pipes.

The worker's stdout and stderr are a third pipe that a thread drains (keeping the first
`output_bytes`), so nothing student code prints can be mistaken for an answer, and a flood
of output neither blocks the worker nor fills memory. `kill()` ends the worker's process
group; the worker's child is PID 1 of its own PID namespace and dies with it, taking every
process it started along.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from grader.sandbox import protocol
from grader.sandbox.errors import ImportFailed, StudentCrashed, StudentDataError, StudentTimeout
from grader.sandbox.policy import Layers, SandboxLimits
from grader.sandbox.zygote import Zygote, ZygoteChild

WORKER_ENV_PASSTHROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL", "TZ")


@cache
def _sources() -> tuple[str, str]:
    here = Path(__file__).parent
    return (here / "worker.py").read_text(encoding="utf-8"), (here / "protocol.py").read_text(encoding="utf-8")


@cache
def _numpy_parent() -> str:
    import numpy

    return str(Path(numpy.__file__).resolve().parent.parent)


def _worker_env() -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update({key: os.environ[key] for key in WORKER_ENV_PASSTHROUGH if key in os.environ})
    return env


def worker_command() -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """How to start a worker (or a zygote): the command whose last two arguments are the JSON
    configuration and the protocol's source, its environment, and the base configuration."""
    worker_source, protocol_source = _sources()
    command = [sys.executable, "-I", "-S", "-B", "-c", worker_source, "{}", protocol_source]
    return command, _worker_env(), {"numpy_parent": _numpy_parent()}


class Worker:
    """A worker process: forked from a zygote when one is given and alive, else started afresh.

    Constructing one returns at once; `wait_ready` (which the first call makes) waits for it.
    """

    def __init__(self, limits: SandboxLimits, *, layers: Layers = Layers(), zygote: Zygote | None = None) -> None:
        self.limits = limits
        self.isolation: dict[str, Any] = {}
        self._output = bytearray()
        self._output_seen = 0
        self._next_id = 0
        self._ready = False
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
                self._process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=output_write,
                    stderr=output_write,
                    pass_fds=(request_read, response_write),
                    start_new_session=True,
                    env=env,
                    cwd="/",
                )
        except BaseException:
            for fd in (output_read, self._request_write, self._response_read):
                os.close(fd)
            raise
        finally:
            for fd in (request_read, response_write, output_write):
                os.close(fd)
        self._output_stream = os.fdopen(output_read, "rb", buffering=0)
        os.set_blocking(self._request_write, False)
        self._drain = threading.Thread(target=self._drain_output, daemon=True)
        self._drain.start()

    # -- lifecycle -------------------------------------------------------------------------

    def send_init(self, workspace: Path, module: str, rules: list[tuple[str, int]]) -> None:
        """Tell the worker what to import; it arrives while the worker is still starting up."""
        self._send(
            {
                "op": "init",
                "workspace": str(workspace.resolve()),
                "module": module,
                "rules": rules,
                "limits": self.limits.as_dict(),
            },
            deadline=time.monotonic() + 5,
        )

    def wait_ready(self, timeout: float) -> None:
        """Wait for the module to be imported; raise ImportFailed if it could not be."""
        if self._ready:
            return
        deadline = time.monotonic() + timeout
        try:
            hello = self._receive(deadline)
            if hello.get("op") != "hello":
                raise protocol.ProtocolError("expected hello")
            message = self._receive(deadline)
        except StudentTimeout as error:
            self.kill()
            raise ImportFailed(
                f"importing your module took longer than {timeout:g} s (an endless loop at import time?)"
            ) from error
        except StudentCrashed as error:
            raise ImportFailed(f"your module stopped the process while being imported: {error.feedback}") from error
        except (StudentDataError, protocol.ProtocolError) as error:
            self.kill()
            raise ImportFailed("the grader could not talk to your module's process while importing it") from error
        isolation = message.get("isolation")
        self.isolation = isolation if isinstance(isolation, dict) else {}
        if message.get("op") == "import_failed":
            raised = message.get("raised") or {}
            self.kill()
            where = f" at {raised.get('where')}" if raised.get("where") else ""
            raise ImportFailed(
                f"importing your module raised {cap(raised.get('type'), 100)}{where}: {cap(raised.get('message'), 300)}"
            )
        if message.get("op") != "ready":
            self.kill()
            raise ImportFailed("your module's process answered with something other than a ready signal")
        self._ready = True

    def call(
        self, function: str, args: list[Any], kwargs: dict[str, Any], *, readonly: bool, timeout: float
    ) -> dict[str, Any]:
        """Send one call and return the worker's raw answer (value, raised, missing or too_large)."""
        return self._exchange(
            {
                "op": "call",
                "function": function,
                "args": protocol.encode(list(args)),
                "kwargs": protocol.encode(dict(kwargs)),
                "readonly": readonly,
            },
            timeout,
        )

    def run_examples(self, timeout: float) -> dict[str, Any]:
        """Ask the worker to run the doctest examples of the student's module (informational only)."""
        return self._exchange({"op": "examples"}, timeout)

    def _exchange(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        self._next_id += 1
        message["id"] = self._next_id
        try:
            self._send(message, deadline)
            answer = self._receive(deadline)
        except StudentTimeout:
            self.kill()
            raise
        if answer.get("id") != message["id"]:
            self.kill()
            raise StudentDataError("your module's process answered out of turn (did it write to the grader's channel?)")
        return answer

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def kill(self) -> None:
        """End the worker and everything it started; idempotent."""
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
        self._drain.join(timeout=0.5)  # the output pipe closes with the last process holding it
        for fd in (self._request_write, self._response_read):
            try:
                os.close(fd)
            except OSError:
                pass
        self._request_write = self._response_read = -1

    def output(self) -> str:
        """What the student's code printed, up to the output cap."""
        return self._output.decode("utf-8", errors="replace")

    @property
    def output_bytes_seen(self) -> int:
        return self._output_seen

    # -- plumbing --------------------------------------------------------------------------

    def _send(self, message: dict[str, Any], deadline: float) -> None:
        view = memoryview(protocol.dump_frame(message))
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StudentTimeout("the call was not accepted in time")
            _, writable, _ = select.select([], [self._request_write], [], remaining)
            if not writable:
                continue
            try:
                view = view[os.write(self._request_write, view) :]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError) as error:
                raise StudentCrashed(self._death_reason()) from error

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StudentTimeout("timed out")
            readable, _, _ = select.select([self._response_read], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self._response_read, min(size, 1 << 20))
            if not chunk:
                raise StudentCrashed(self._death_reason())
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline: float) -> dict[str, Any]:
        (size,) = protocol.HEADER.unpack(self._read_exactly(protocol.HEADER.size, deadline))
        if size > protocol.MAX_FRAME_BYTES:
            self.kill()
            raise StudentDataError(f"the answer was larger than the {protocol.MAX_FRAME_BYTES // (1 << 20)} MiB cap")
        try:
            return protocol.load_frame(self._read_exactly(size, deadline))
        except protocol.ProtocolError as error:
            self.kill()
            raise StudentDataError("the answer could not be read as plain data") from error

    def _death_reason(self) -> str:
        try:
            code = self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            return "the process stopped answering"
        self.kill()
        return describe_exit(code)

    def _drain_output(self) -> None:
        stream = self._output_stream
        while chunk := stream.read(65536):
            self._output_seen += len(chunk)
            room = self.limits.output_bytes - len(self._output)
            if room > 0:
                self._output += chunk[:room]
        stream.close()


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


def cap(text: object, limit: int) -> str:
    """Student-produced text, cut to `limit` characters and to printable single-line form."""
    value = str(text if text is not None else "")
    value = "".join(ch if ch.isprintable() else " " for ch in value)
    return value if len(value) <= limit else value[: limit - 1] + "…"
