"""`StudentModule`: the student's module as the hidden suites see it.

`student.step(0.5)` looks like a plain call but crosses into the exercise's sandboxed worker
and back, so what the suite holds is always plain data decoded on the trusted side. The
object also keeps the exercise's time budgets (CPU time, and a backstop for blocked code; see
`grader.sandbox.budget`), starts a fresh worker after a crash or a timeout (up to
`max_restarts`), and remembers the last call for feedback messages.

The module's sources are given as a snapshot (file name -> text), never as a folder: the
sandbox imports exactly those texts, the ones that are recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.descriptions import CallDescription
from grader.sandbox import protocol
from grader.sandbox.budget import ExerciseBudget, Limit, OverBudget
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
from grader.sandbox.process import Worker
from grader.sandbox.text import cap


class CallsByName:
    """A student's module as the suites use it: `module.step(0.0)` is `module.call("step", 0.0)`,
    and `module.readonly.step(z)` passes read-only arrays. Subclasses define `call`."""

    def call(self, function: str, *args: Any, _readonly: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError

    def take_called(self) -> set[str]:
        """The functions called since this was last asked: what the runner credits a test with."""
        called: set[str] = self.__dict__.setdefault("_called", set())
        self.__dict__["_called"] = set()
        return called

    def _record_call(self, function: str) -> None:
        self.__dict__.setdefault("_called", set()).add(function)

    def forgive(self, function: str) -> None:
        """`function` passed a check only because a wrong function it builds on was forgiven
        (see `grader.grading.checks.check_downstream`): it is not right on its own."""
        self.__dict__.setdefault("_forgiven", set()).add(function)

    def take_forgiven(self) -> set[str]:
        forgiven: set[str] = self.__dict__.setdefault("_forgiven", set())
        self.__dict__["_forgiven"] = set()
        return forgiven

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    @property
    def readonly(self) -> _ReadonlyView:
        """Calls through this view receive read-only arrays: writing to an input raises."""
        return _ReadonlyView(self)


class _ReadonlyView:
    def __init__(self, module: CallsByName) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self._module.call(name, *args, _readonly=True, **kwargs)


@dataclass(frozen=True)
class StandIn:
    """A sibling file to import in place of the snapshot's, whose functions trusted code answers.

    `files` (file name -> text) replace or add to the snapshot's files for this module only;
    the names in `substitute` answer every call through upcalls (see `StudentModule.call`), so
    the text only needs to name them. `note` says what stood in, and why, in the feedback."""

    files: Mapping[str, str]
    substitute: Mapping[str, Callable[..., Any]]
    note: str


StandInFinder = Callable[[ImportFailed, frozenset[str]], StandIn | None]
"""Given why the module could not be imported, and the files already stood in, the next `StandIn`
to try, or None."""


class StudentModule(CallsByName):
    """The sandboxed module `exercise` of a snapshot, called through one worker at a time.

    `files` maps file names (`perceptron.py`) to their text: the exercise's module and every
    sibling it may import. `skipped` maps the names of files left out of the snapshot to why,
    so that an import of one of them is explained. When the module cannot be imported because
    of a sibling, `stand_in` may offer a replacement for it (see `StandIn`); the module is
    then imported again with it, and graded on its own code.
    """

    def __init__(
        self,
        exercise: str,
        files: Mapping[str, str],
        limits: SandboxLimits,
        *,
        skipped: Mapping[str, str] | None = None,
        protected: tuple[Path, ...] = (),
        layers: Layers = Layers(),
        pool: WorkerPool | None = None,
        stand_in: StandInFinder | None = None,
    ) -> None:
        self.exercise = exercise
        self.files = dict(files)
        self.stood_in: list[str] = []
        """Notes on the siblings that stood in for files that could not be imported."""
        self._find_stand_in = stand_in
        self._standing: dict[str, Callable[..., Any]] = {}
        self._stand_in_files: set[str] = set()
        self._first_import_error: ImportFailed | None = None
        self.skipped = dict(skipped or {})
        self.limits = limits
        self.layers = layers
        self.budget = ExerciseBudget(limits)
        self._pool = pool
        self._last_call = CallDescription("")
        self.restarts = 0
        self.last_warnings: list[str] = []
        """Warnings (e.g. numpy's RuntimeWarning on overflow) raised during the last call, as text."""
        self.isolation_reports: list[dict[str, Any]] = []
        self._rules = read_rules(protected) if layers.landlock else []
        self._import_error: ImportFailed | None = None
        self.arguments_after: tuple[list[Any], dict[str, Any]] | None = None
        """After a call with `_echo`, its (args, kwargs) as the call left them."""
        self._worker: Worker | None = None
        self._earlier_output = ""
        self._start()

    # -- what suites use ---------------------------------------------------------------------

    @property
    def last_call(self) -> CallDescription:
        """The last call, as `exercise.function(args…)` with arguments abbreviated, for messages
        (formatted only when a message shows it)."""
        return self._last_call

    @property
    def spent_cpu_seconds(self) -> float:
        """CPU time the exercise's calls have used so far, over all its workers."""
        return self.budget.cpu_seconds

    @property
    def blocked_seconds(self) -> float:
        """Wall-clock time the exercise's calls have spent blocked so far."""
        return self.budget.blocked_seconds

    def call(
        self,
        function: str,
        *args: Any,
        _readonly: bool = False,
        _timeout: float | None = None,
        _substitute: Mapping[str, Callable[..., Any]] | None = None,
        _echo: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Call `function` in the sandbox and return its answer as decoded plain data.

        `_timeout` raises the CPU time this one call may use above the limits' `call_seconds`
        (the exercise's budget still applies). `_substitute` maps names of the module's
        helpers (globals of any of the student's modules) to trusted functions that answer in
        their place during this call: the sandbox sends each such call here as plain data.
        With `_echo`, `arguments_after` holds the arguments as the call left them, (args, kwargs):
        whether a function changed what it was given, where read-only arrays cannot tell (a
        dict's entry replaced, an item appended to a list).
        """
        self._last_call = CallDescription((f"{self.exercise}.{function}", args, kwargs))
        self._record_call(function)
        self.arguments_after = None
        worker = self._ready_worker()
        if self._standing:
            _substitute = {**self._standing, **(_substitute or {})}
        try:
            answer = worker.call(
                function,
                list(args),
                kwargs,
                readonly=_readonly,
                budget=self.budget,
                call_seconds=_timeout,
                substitute=_substitute,
                echo=_echo,
            )
        except OverBudget as over:
            self._retire()
            raise StudentTimeout(self._over_budget_message(over.limit, _timeout)) from over
        except StudentCrashed as error:
            self._retire()
            raise StudentCrashed(f"{self.last_call}: {error.feedback}") from error
        except StudentDataError as error:
            self._retire()
            raise StudentDataError(f"{self.last_call}: {error.feedback}") from error
        value = self._unpack(function, answer)
        if _echo:
            self.arguments_after = self._arguments_after(answer.get("arguments_after"))
        return value

    def _arguments_after(self, data: Any) -> tuple[list[Any], dict[str, Any]]:
        try:
            after = protocol.decode(data)
        except protocol.ProtocolError as error:
            raise StudentDataError(f"{self.last_call} left its arguments as data the grader cannot read") from error
        if not (isinstance(after, list) and len(after) == 2 and isinstance(after[0], list)):
            raise StudentDataError(f"{self.last_call}: the grader could not understand the answer")
        return after[0], after[1] if isinstance(after[1], dict) else {}

    def run_examples(self) -> list[Any]:
        """The doctest examples of the module, run in the sandbox: a list of per-function dicts."""
        self._last_call = CallDescription(f"the examples of {self.exercise}.py")
        worker = self._ready_worker()
        try:
            answer = worker.run_examples(self.budget)
        except OverBudget as over:
            self._retire()
            raise StudentTimeout(self._over_budget_message(over.limit, self.limits.exercise_seconds)) from over
        except StudentCodeError as error:
            self._retire()
            raise type(error)(f"{self.last_call}: {error.feedback}") from error
        value = self._unpack("examples", answer)
        return value if isinstance(value, list) else []

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        self._retire()

    def signal_end(self) -> None:
        """Start ending this module's process (see `Worker.signal_end`); `close` finishes."""
        if self._worker is not None:
            self._worker.signal_end()

    @property
    def output(self) -> str:
        """What the module printed, up to the output cap (kept after its worker is gone)."""
        current = self._worker.output() if self._worker else ""
        return (self._earlier_output + current)[: self.limits.output_bytes]

    def imports(self) -> bool:
        """Whether the module can be imported: it is now, if it was not yet."""
        try:
            self._ready_worker()
        except StudentCodeError:
            return False
        return True

    @property
    def import_error(self) -> ImportFailed | None:
        """Why the module could not be imported, once a call has found out; None otherwise."""
        return self._import_error

    def _start(self) -> None:
        self._worker = self._pool.take() if self._pool is not None else Worker(self.limits, layers=self.layers)
        self._worker.send_init(self.files, self.exercise, self._rules)

    def _retire(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._earlier_output = self.output
            self._worker = None

    def _over_budget_message(self, limit: Limit, call_seconds: float | None) -> str:
        if limit == "call_cpu":
            seconds = call_seconds or self.limits.call_seconds
            return f"{self.last_call} used more than {seconds:g} s of CPU time, the limit of a call (an endless loop?)"
        if limit == "exercise_cpu":
            return (
                f"{self.last_call} was stopped: the exercise's budget of {self.limits.exercise_seconds:g} s "
                "of CPU time is spent (by this call and the earlier ones)"
            )
        return (
            f"{self.last_call} was stopped: your code was blocked (sleeping or waiting, not computing) for "
            f"{self.limits.blocked_seconds:g} s of wall-clock time in this exercise, the backstop for code that waits"
        )

    def _ready_worker(self) -> Worker:
        if self._import_error is not None:
            raise self._import_error
        spent = self.budget.spent()
        if spent is not None:
            what = (
                f"budget of {self.limits.exercise_seconds:g} s of CPU time"
                if spent == "exercise_cpu"
                else f"backstop of {self.limits.blocked_seconds:g} s for blocked code"
            )
            raise BudgetExhausted(f"{self.last_call} was not run: the exercise's {what} is spent")
        if self._worker is None:
            if self.restarts >= self.limits.max_restarts:
                raise StudentCrashed(f"{self.last_call} was not run: your module crashed or hung too often")
            self.restarts += 1
            self._start()
        assert self._worker is not None
        try:
            self._worker.wait_ready(self.budget)
        except BudgetExhausted as error:
            self._retire()
            raise BudgetExhausted(f"{self.last_call} was not run: {error.feedback}") from error
        except ImportFailed as error:
            self._retire()
            failed = error.noted(self._skipped_note(error.feedback) or self._no_data_note(error))
            if self._stand_in_for(failed):
                return self._ready_worker()
            self.stood_in = []  # nothing stood in for long: the module is not graded
            self._import_error = self._first_import_error or failed
            raise self._import_error from error
        if self._worker.isolation not in self.isolation_reports:
            self.isolation_reports.append(self._worker.isolation)
        return self._worker

    def _stand_in_for(self, failed: ImportFailed) -> bool:
        """Start again with a stand-in for the sibling that `failed` blames, if one is offered.
        If the module still cannot be imported, the first reason is the one given."""
        found = self._find_stand_in(failed, frozenset(self._stand_in_files)) if self._find_stand_in else None
        if found is None or not set(found.files) - self._stand_in_files:
            return False
        self._first_import_error = self._first_import_error or failed
        self.files.update(found.files)
        self._stand_in_files.update(found.files)
        self._standing.update(found.substitute)
        self.stood_in.append(found.note)
        self._start()  # a fresh worker on the new files: not a restart of the student's code
        return True

    def _skipped_note(self, feedback: str) -> str:
        """Why a module that the import missed is not there: the snapshot left it out, or it is
        neither the student's file nor something the sandbox offers (a package of their own
        machine: click, scipy, matplotlib)."""
        missing = re.search(r"No module named '([^'.]+)", feedback)
        if not missing:
            return ""
        reason = self.skipped.get(f"{missing[1]}.py")
        if reason:
            return f" ({missing[1]}.py was not graded: {reason})"
        if f"{missing[1]}.py" not in self.files:
            return " (the grader imports Python's standard library, numpy and your own files only)"
        return ""

    @staticmethod
    def _no_data_note(error: ImportFailed) -> str:
        """Why a file beside the module is not found: only the student's .py files are graded."""
        if error.type_name not in ("FileNotFoundError", "PermissionError", "IsADirectoryError"):
            return ""
        return (
            " (the grader imports your .py files only, in a folder of its own: no data file is there. "
            'Read files in a function the grader does not call, or under if __name__ == "__main__":)'
        )

    def _unpack(self, function: str, answer: dict[str, Any]) -> Any:
        caught = answer.get("warnings")
        self.last_warnings = [cap(w, 220) for w in caught[:5]] if isinstance(caught, list) else []
        if "value" in answer:
            try:
                value = protocol.decode(answer["value"])
            except protocol.ProtocolError as error:
                raise StudentDataError(f"{self.last_call} returned data the grader cannot read ({error})") from error
            unreadable = protocol.find_unreadable(value)
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


__all__ = ["CallsByName", "StandIn", "StandInFinder", "StudentModule", "StudentCodeError"]
