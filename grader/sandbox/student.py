"""`StudentModule`: the student's module as the hidden suites see it.

`student.step(0.5)` looks like a plain call but crosses into the exercise's sandboxed worker
and back, so what the suite holds is always plain data decoded on the trusted side. The
object also keeps the exercise's time budget, starts a fresh worker after a crash or a
timeout (up to `max_restarts`), and remembers the last call for feedback messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.grading.feedback import CallDescription
from grader.sandbox import protocol
from grader.sandbox.errors import (
    BudgetExhausted,
    ImportFailed,
    MissingFunction,
    StudentCodeError,
    StudentCrashed,
    StudentDataError,
    StudentRaised,
    StudentTimeout,
)
from grader.sandbox.policy import Layers, SandboxLimits, read_rules
from grader.sandbox.pool import WorkerPool
from grader.sandbox.process import Worker, cap


class StudentModule:
    """The sandboxed module `module` of `workspace`, called through one worker at a time."""

    def __init__(
        self,
        exercise: str,
        workspace: Path,
        limits: SandboxLimits,
        *,
        protected: tuple[Path, ...] = (),
        layers: Layers = Layers(),
        pool: WorkerPool | None = None,
    ) -> None:
        self.exercise = exercise
        self.workspace = workspace
        self.limits = limits
        self.layers = layers
        self._pool = pool
        self._last_call = CallDescription("")
        self.spent_seconds = 0.0
        self.restarts = 0
        self.last_warnings: list[str] = []
        """Warnings (e.g. numpy's RuntimeWarning on overflow) raised during the last call, as text."""
        self.isolation_reports: list[dict[str, Any]] = []
        self._rules = read_rules(workspace, protected) if layers.landlock else []
        self._import_error: ImportFailed | None = None
        self._worker: Worker | None = None
        self._earlier_output = ""
        self._start()

    # -- what suites use ---------------------------------------------------------------------

    @property
    def last_call(self) -> CallDescription:
        """The last call, as `exercise.function(args…)` with arguments abbreviated, for messages
        (formatted only when a message shows it)."""
        return self._last_call

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    @property
    def readonly(self) -> _ReadonlyView:
        """Calls through this view receive read-only arrays: writing to an input raises."""
        return _ReadonlyView(self)

    def call(
        self, function: str, *args: Any, _readonly: bool = False, _timeout: float | None = None, **kwargs: Any
    ) -> Any:
        """Call `function` in the sandbox and return its answer as decoded plain data."""
        self._last_call = CallDescription((f"{self.exercise}.{function}", args, kwargs))
        worker = self._ready_worker()
        timeout = min(_timeout or self.limits.call_seconds, self._remaining())
        started = time.monotonic()
        try:
            answer = worker.call(function, list(args), kwargs, readonly=_readonly, timeout=timeout)
        except StudentTimeout as error:
            self._retire()
            raise StudentTimeout(f"{self.last_call} did not return within {timeout:.1f} s") from error
        except StudentCrashed as error:
            self._retire()
            raise StudentCrashed(f"{self.last_call}: {error.feedback}") from error
        except StudentDataError as error:
            self._retire()
            raise StudentDataError(f"{self.last_call}: {error.feedback}") from error
        finally:
            self.spent_seconds += time.monotonic() - started
        return self._unpack(function, answer)

    def run_examples(self) -> list[Any]:
        """The doctest examples of the module, run in the sandbox: a list of per-function dicts."""
        self._last_call = CallDescription(f"the examples of {self.exercise}.py")
        worker = self._ready_worker()
        try:
            answer = worker.run_examples(timeout=self._remaining())
        except StudentCodeError as error:
            self._retire()
            raise type(error)(f"{self.last_call}: {error.feedback}") from error
        value = self._unpack("examples", answer)
        return value if isinstance(value, list) else []

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        self._retire()

    @property
    def output(self) -> str:
        """What the module printed, up to the output cap (kept after its worker is gone)."""
        current = self._worker.output() if self._worker else ""
        return (self._earlier_output + current)[: self.limits.output_bytes]

    @property
    def import_error(self) -> ImportFailed | None:
        """Why the module could not be imported, once a call has found out; None otherwise."""
        return self._import_error

    def _start(self) -> None:
        self._worker = self._pool.take() if self._pool is not None else Worker(self.limits, layers=self.layers)
        self._worker.send_init(self.workspace, self.exercise, self._rules)

    def _retire(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._earlier_output = self.output
            self._worker = None

    def _remaining(self) -> float:
        return self.limits.exercise_seconds - self.spent_seconds

    def _ready_worker(self) -> Worker:
        if self._import_error is not None:
            raise self._import_error
        if self._remaining() <= 0:
            raise BudgetExhausted(
                f"{self.last_call} was not run: the exercise's {self.limits.exercise_seconds:g} s time budget is spent"
            )
        if self._worker is None:
            if self.restarts >= self.limits.max_restarts:
                raise StudentCrashed(f"{self.last_call} was not run: your module crashed or hung too often")
            self.restarts += 1
            self._start()
        assert self._worker is not None
        started = time.monotonic()
        wait = min(self.limits.call_seconds, self._remaining())
        try:
            self._worker.wait_ready(wait)
        except ImportFailed as error:
            self._retire()
            if wait < self.limits.call_seconds and isinstance(error.__cause__, StudentTimeout):
                # Cut short by the budget, not by the module: it may import fine given time.
                raise BudgetExhausted(
                    f"{self.last_call} was not run: "
                    f"the exercise's {self.limits.exercise_seconds:g} s time budget is spent"
                ) from error
            self._import_error = error
            raise
        finally:
            self.spent_seconds += time.monotonic() - started
        if self._worker.isolation not in self.isolation_reports:
            self.isolation_reports.append(self._worker.isolation)
        return self._worker

    def _unpack(self, function: str, answer: dict[str, Any]) -> Any:
        caught = answer.get("warnings")
        self.last_warnings = [cap(w, 220) for w in caught[:5]] if isinstance(caught, list) else []
        if "value" in answer:
            try:
                value = protocol.decode(answer["value"])
            except protocol.ProtocolError as error:
                raise StudentDataError(f"{self.last_call} returned data the grader cannot read ({error})") from error
            unreadable = _find_unreadable(value)
            if unreadable is not None:
                raise StudentDataError(
                    f"{self.last_call} returned a {unreadable.type_name}, which the grader cannot read: "
                    "return numbers, lists or numpy arrays"
                )
            return value
        if answer.get("missing"):
            raise MissingFunction(
                f"{self.exercise}.py has no function {function}() (is it misspelt, or inside another block?)"
            )
        if "too_large" in answer:
            raise StudentDataError(f"{self.last_call} returned more data than the grader accepts")
        raised = answer.get("raised")
        if isinstance(raised, dict):
            type_name, message, where = (
                cap(raised.get("type"), 100),
                cap(raised.get("message"), 300),
                cap(raised.get("where"), 200),
            )
            at = f" at {where}" if where else ""
            if type_name == "NotImplementedError":
                feedback = f"{self.last_call} raised NotImplementedError{at}: not written yet"
            else:
                feedback = f"{self.last_call} raised {type_name}{at}: {message}"
            raise StudentRaised(feedback, type_name, message, where, f"{self.exercise}.{function}")
        raise StudentDataError(f"{self.last_call}: the grader could not understand the answer")


class _ReadonlyView:
    def __init__(self, module: StudentModule) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._module.call(name, *args, _readonly=True, **kwargs)


def _find_unreadable(value: Any) -> protocol.Unreadable | None:
    if isinstance(value, protocol.Unreadable):
        return value
    items = value if isinstance(value, (list, tuple)) else value.values() if isinstance(value, dict) else ()
    for item in items:
        found = _find_unreadable(item)
        if found is not None:
            return found
    return None


__all__ = ["StudentModule", "StudentCodeError"]
