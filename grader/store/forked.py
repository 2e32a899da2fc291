"""Database work beside grading: open the store in a forked process while this one grades.

Opening a store costs about a quarter of a second of imports (SQLAlchemy) and schema checks;
grading costs as much again of CPU in this process. On a machine with two cores, a fork lets
both happen at once, which is most of what keeps `grader submit` well under a second. The
child opens the store and runs `prepare` (checks that must pass before grading), reports
back with what `prepare` returned, then waits for the graded payload, runs `finish` in one transaction and answers with
its result. Only plain JSON crosses, and only between two trusted processes.

Where forking is not safe (not Linux, or other threads already running) the same calls run
in this process, in the same order.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any

from grader.errors import GraderError, GraderFault

Prepare = Callable[[Any], dict[str, Any]]
Finish = Callable[[Any, dict[str, Any]], dict[str, Any]]
_HEADER = struct.Struct(">I")


class StoreBeside:
    """`ready()` once before grading, `complete(payload)` once after; `close()` always."""

    def __init__(self, db_url: str, prepare: Prepare, finish: Finish, *, fork: bool | None = None) -> None:
        self._db_url, self._prepare, self._finish = db_url, prepare, finish
        self._store: Any = None
        self._pid = 0
        if fork is None:
            fork = sys.platform.startswith("linux") and threading.active_count() == 1
        if fork:
            self._start_child()

    # -- what callers use --------------------------------------------------------------------

    def ready(self) -> dict[str, Any]:
        """Wait until the store is open and `prepare` passed; return what `prepare` returned,
        or raise its GraderError."""
        if self._pid:
            answer = self._receive_or_fail()
            _raise_if_error(answer)
            return dict(answer["value"])
        from grader.store import open_store

        self._store = open_store(self._db_url)
        return self._prepare(self._store)

    def complete(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Run `finish` with `payload` and return its answer."""
        if not self._pid:
            return self._finish(self._store, payload)
        self._send(payload)
        answer = self._receive_or_fail()
        _raise_if_error(answer)
        return dict(answer["value"])

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._pid:
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            os.waitpid(self._pid, 0)
            self._pid = 0

    def __enter__(self) -> StoreBeside:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the child ---------------------------------------------------------------------------

    def _start_child(self) -> None:
        child_read, self._to_child = os.pipe()
        self._from_child, child_write = os.pipe()
        pid = os.fork()
        if pid:
            os.close(child_read)
            os.close(child_write)
            self._pid = pid
            return
        code = 1
        try:
            os.close(self._to_child)
            os.close(self._from_child)
            self._to_child, self._from_child = child_write, child_read
            code = self._child()
        finally:
            os._exit(code)  # never return into the parent's code, never run its exit handlers

    def _child(self) -> int:
        from grader.store import open_store

        try:
            store = open_store(self._db_url)
            prepared = self._prepare(store)
        except BaseException as error:
            self._send(_error(error))
            return 0
        self._send({"value": prepared})
        _warm_up()
        try:
            payload = self._receive()
        except EOFError:
            return 0  # the parent gave up before grading finished
        try:
            self._send({"value": self._finish(store, payload)})
        except BaseException as error:
            self._send(_error(error))
        finally:
            store.close()
        return 0

    # -- plumbing ----------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        os.write(self._to_child, _HEADER.pack(len(body)))
        view = memoryview(body)
        while view:
            view = view[os.write(self._to_child, view) :]

    def _receive_or_fail(self) -> dict[str, Any]:
        try:
            return self._receive()
        except EOFError:
            raise GraderFault("the process writing to the database ended unexpectedly") from None

    def _receive(self) -> dict[str, Any]:
        (size,) = _HEADER.unpack(self._read(_HEADER.size))
        return dict(json.loads(self._read(size)))

    def _read(self, size: int) -> bytes:
        chunks = []
        while size:
            chunk = os.read(self._from_child, size)
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)


def _warm_up() -> None:
    """Configure the ORM's mappers while the parent grades. The first write of a process does it
    otherwise (about 70 ms here, of an 80 ms first write against 6 ms for the next), and in the
    child that write comes after grading, while the student waits for the score. Best effort: a
    problem here shows again, and is reported, in the write itself."""
    try:
        from sqlalchemy.orm import configure_mappers

        import grader.store.submissions  # noqa: F401  (the mapped classes the write uses)

        configure_mappers()
    except Exception:  # noqa: BLE001
        pass


def _error(error: BaseException) -> dict[str, Any]:
    """An error of the child, for the parent to raise as it was: the user's (`GraderError`) as
    itself, anything else as the grader's own fault with the traceback it had here."""
    import base64
    import pickle
    import traceback

    if not isinstance(error, GraderError):
        detail = "".join(traceback.format_exception(error))
        error = GraderFault(f"the database work failed: {type(error).__name__}: {error}", detail)
    return {"error": base64.b64encode(pickle.dumps(error)).decode("ascii")}


def _raise_if_error(answer: dict[str, Any]) -> None:
    """Raise the child's error here. Both processes are the grader's own (a fork of this one),
    so its pickled exception is trusted data."""
    if "error" not in answer:
        return
    import base64
    import pickle

    error = pickle.loads(base64.b64decode(answer["error"]))
    if not isinstance(error, (GraderError, GraderFault)):
        raise GraderFault(f"the database process answered with {type(error).__name__}")
    raise error
