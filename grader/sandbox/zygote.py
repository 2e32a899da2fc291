"""A zygote: one process that imports numpy once and forks ready-made workers on request.

Starting a worker from nothing costs a Python start-up and a numpy import (about 80 ms of
CPU); forking one from the zygote costs about a millisecond. Grading one submission starts
four workers, grading a class thousands, so `grader submit` and `grader grade` fork them
from a zygote. The zygote itself runs no student code: each worker is forked before it
learns what it will import, and isolates itself after the fork. Where the kernel allows it, the
zygote runs as PID 1 of a PID namespace of its own, inside which every worker creates its own:
when the zygote dies (with the grader, even one killed with SIGKILL), the kernel ends them all.
It names its workers by the pids the grader sees.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from typing import Any

from grader.sandbox.launch import start_process
from grader.sandbox.policy import Layers

SPAWN_TIMEOUT = 10.0


class ZygoteChild:
    """A worker forked by the zygote, with the slice of `subprocess.Popen` that `Worker` uses.

    Its pid arrives when the zygote has forked it; asking for the worker does not wait for
    that (the zygote may still be importing numpy), only using the pid does.
    """

    def __init__(self, zygote: Zygote) -> None:
        self._zygote = zygote
        self._pid: int | None = None
        self._forked = threading.Event()
        self.returncode: int | None = None

    def forked(self, pid: int | None) -> None:
        self._pid = pid
        self._forked.set()

    @property
    def pid(self) -> int:
        if not self._forked.wait(SPAWN_TIMEOUT) or self._pid is None:
            raise OSError("the sandbox zygote did not start a worker")
        return self._pid

    def poll(self) -> int | None:
        if not self._forked.is_set():
            return None if self._zygote.alive else -signal.SIGKILL
        if self._pid is None:
            return -signal.SIGKILL  # never started
        code = self._zygote.exit_code(self._pid)
        if code is None and not self._zygote.alive:
            code = -signal.SIGKILL  # the zygote is gone, and its workers died with it
        self.returncode = code
        return code

    def wait(self, timeout: float | None = None) -> int:
        code = self._zygote.wait_for_exit(self.pid, timeout)
        if code is None and not self._zygote.alive:
            code = -signal.SIGKILL
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0)
        self.returncode = code
        return code

    def kill(self) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Zygote:
    """The trusted side of a zygote process; `close()` ends it and every worker it forked."""

    def __init__(
        self, command: list[str], env: dict[str, str], config: dict[str, Any], *, enabled: bool = True
    ) -> None:
        self._closed = not enabled
        self._exited = threading.Condition()
        if not enabled:  # a stand-in that is never alive: workers then start as fresh processes
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = {**config, "zygote_fd": theirs.fileno()}
        self._process = start_process(
            [*command[:-2], json.dumps(config), command[-1]], env, (theirs.fileno(),), subprocess.DEVNULL
        )
        theirs.close()
        self._control = ours
        self._send_lock = threading.Lock()  # keeps requests in the order of `_pending`
        self._pending_lock = threading.Lock()  # never held while blocking
        self._pending: deque[ZygoteChild] = deque()
        self._exits: dict[int, int] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def spawn(self, layers: Layers, request_read: int, response_write: int, output_write: int) -> ZygoteChild:
        """Fork a worker that talks over the given pipe ends (which the caller then closes)."""
        message = json.dumps({"layers": layers.as_dict()}).encode()
        child = ZygoteChild(self)
        with self._send_lock:
            with self._pending_lock:
                self._pending.append(child)
            socket.send_fds(self._control, [message], [request_read, response_write, output_write])
        return child

    @property
    def alive(self) -> bool:
        return not self._closed and self._process.poll() is None

    def exit_code(self, pid: int) -> int | None:
        with self._exited:
            return self._exits.get(pid)

    def wait_for_exit(self, pid: int, timeout: float | None) -> int | None:
        with self._exited:
            self._exited.wait_for(lambda: pid in self._exits or self._closed, timeout)
            return self._exits.get(pid)

    def close(self) -> None:
        """End the zygote; its workers die with it (the zygote is PID 1 of a PID namespace that
        holds theirs, and they hold a parent-death signal too)."""
        if self._closed:
            return
        self._closed = True
        try:
            os.killpg(self._process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._process.kill()
        self._process.wait()
        self._control.close()
        with self._exited:
            self._exited.notify_all()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self) -> None:
        while True:
            try:
                data = self._control.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            message = json.loads(data)
            if "spawned" in message:
                with self._pending_lock:
                    child = self._pending.popleft()
                child.forked(message["spawned"])
            elif "exited" in message:
                with self._exited:
                    self._exits[int(message["exited"])] = int(message["code"])
                    self._exited.notify_all()
        with self._pending_lock:
            while self._pending:
                self._pending.popleft().forked(None)
        with self._exited:
            self._closed = True
            self._exited.notify_all()


def start_zygote() -> Zygote:
    """A zygote on Linux; elsewhere (fork without exec is unsafe on macOS) a stand-in that is
    never alive, so that workers start as fresh processes."""
    from grader.sandbox.launch import worker_command
    from grader.sandbox.policy import read_rules

    command, env, config = worker_command()
    linux = sys.platform.startswith("linux")
    if linux:
        config["rules"] = read_rules()  # the usual Landlock rules, built once in the zygote
    return Zygote(command, env, config, enabled=linux)


__all__ = ["Zygote", "ZygoteChild", "start_zygote"]
