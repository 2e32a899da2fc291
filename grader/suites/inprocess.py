"""Trusted modules graded in this process: the reference, or a mistake planted in it.

For the course's own tests and benchmarks only, never for a student's code (that runs in
`grader.sandbox`): grading the reference under hundreds of seeds, or every planted mistake of a
benchmark, costs seconds here instead of a sandbox per module.

`InProcessModule` answers a suite's calls as `grader.sandbox.student.StudentModule` does:
arguments and answers go through the same wire format (so the module gets fresh copies and
the suite plain data), read-only arguments cannot be written, warnings are recorded, and an
exception becomes `StudentRaised` with the module's own line. `_substitute` replaces the named
globals of the module for one call, as the sandbox's upcalls do.

    modules = load_modules({"activations": text, "forward": text})   # sibling imports resolved
    students = {name: InProcessModule(name, module) for name, module in modules.items()}
    tests = run_suites(exercises, students, seed=7)
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from grader.descriptions import CallDescription
from grader.records import TestOutcome
from grader.sandbox import protocol
from grader.sandbox.errors import ImportFailed, MissingFunction, StudentDataError, StudentRaised
from grader.sandbox.student import CallsByName

_IMPORT_LOCK = threading.Lock()


def load_modules(sources: Mapping[str, str]) -> dict[str, ModuleType | ImportFailed]:
    """Each `name -> source` executed as module `name`, in the order given, where
    `from forward import x` finds the module loaded before it, as in a student's folder.
    A module that fails to import is its `ImportFailed` instead."""
    loaded: dict[str, ModuleType | ImportFailed] = {}
    with _IMPORT_LOCK:
        saved = {name: sys.modules.get(name) for name in sources}
        try:
            for name in sources:
                module = ModuleType(name)
                module.__file__ = f"{name}.py"
                try:
                    exec(compile(sources[name], module.__file__, "exec"), module.__dict__)
                except Exception as error:
                    loaded[name] = ImportFailed(f"importing {name}.py raised {type(error).__name__}: {error}")
                    sys.modules.pop(name, None)
                    continue
                loaded[name] = module
                sys.modules[name] = module
        finally:
            for name, previous in saved.items():
                if previous is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = previous
    return loaded


def _wire(value: Any) -> Any:
    """`value` as the other side of the wire receives it: fresh plain data."""
    return protocol.decode(protocol.encode(value))


def _frozen(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return np.frombuffer(value.tobytes(), dtype=value.dtype).reshape(value.shape)
    if isinstance(value, list):
        return [_frozen(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return {key: _frozen(item) for key, item in value.items()}
    return value


def _where(error: BaseException) -> str:
    """`forward.py:12`: the last line of an exercise module in the traceback (modules made by
    `load_modules` have bare file names; the reference's live in its package folder)."""
    where = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if "/" not in frame.filename or f"{os.sep}reference{os.sep}" in frame.filename:
            where = f"{os.path.basename(frame.filename)}:{frame.lineno}"
    return where


class InProcessModule(CallsByName):
    """A trusted module as a suite's `student`: see the module docstring."""

    def __init__(self, exercise: str, module: ModuleType | ImportFailed) -> None:
        self.exercise = exercise
        self._module = module
        self._last_call = CallDescription("")
        self.last_warnings: list[str] = []
        self.isolation_reports: list[dict[str, Any]] = []
        self.output = ""
        self.arguments_after: tuple[list[Any], dict[str, Any]] | None = None
        """After a call with `_echo`, its (args, kwargs) as the call left them."""
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        """Every call made, as (function, args, kwargs): what a student could harvest from feedback."""

    @property
    def import_error(self) -> ImportFailed | None:
        return self._module if isinstance(self._module, ImportFailed) else None

    @property
    def last_call(self) -> CallDescription:
        return self._last_call

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
        self._last_call = CallDescription((f"{self.exercise}.{function}", args, kwargs))
        self._record_call(function)
        self.arguments_after = None
        self.calls.append((function, args, kwargs))
        if isinstance(self._module, ImportFailed):
            raise self._module
        target = self._module.__dict__.get(function) if not function.startswith("_") else None
        if not callable(target):
            raise MissingFunction(f"{self.exercise}.py has no function {function}()")
        args, kwargs = _wire(args), _wire(kwargs)
        if _readonly:
            args, kwargs = _frozen(args), _frozen(kwargs)
        replaced = _substituted(self._module.__dict__, _substitute or {})
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = target(*args, **kwargs)
        except Exception as error:
            raise self._raised(function, error) from None
        finally:
            for table, key, original in reversed(replaced):
                table[key] = original
        self.last_warnings = [f"{w.category.__name__}: {str(w.message)[:200]}" for w in caught[:5]]
        value = _wire(result)
        if _unreadable(value):
            raise StudentDataError(f"{self.last_call} returned something the grader cannot read")
        if _echo:
            self.arguments_after = (_wire(list(args)), _wire(kwargs))
        return value

    def _raised(self, function: str, error: Exception) -> StudentRaised:
        type_name, message = type(error).__name__, str(error)[:300]
        where = _where(error)
        at = f" at {where}" if where else ""
        if type_name == "NotImplementedError":
            feedback = f"{self.last_call} raised NotImplementedError{at}: not written yet"
        else:
            feedback = f"{self.last_call} raised {type_name}{at}: {message}"
        return StudentRaised(feedback, type_name, message, where, f"{self.exercise}.{function}")

    def close(self) -> None:
        pass


def _substituted(namespace: dict[str, Any], substitute: Mapping[str, Callable[..., Any]]) -> list[tuple[Any, Any, Any]]:
    """Put proxies of `substitute`'s functions in place of the module's globals of those names,
    and of the entries of its dicts and lists that hold those very globals (a table of functions
    built at import), as the sandbox does; the (table, key, original) to put back."""
    replaced: list[tuple[Any, Any, Any]] = []
    proxies: dict[int, tuple[Any, Callable[..., Any]]] = {}
    for name in substitute:
        if name in namespace:
            original, proxy = namespace[name], _upcall(substitute[name])
            proxies[id(original)] = (original, proxy)
            replaced.append((namespace, name, original))
            namespace[name] = proxy
    for table in list(namespace.values()) if proxies else ():
        entries = table.items() if type(table) is dict else enumerate(table) if type(table) is list else ()
        for key, item in list(entries):
            found = proxies.get(id(item))
            if found is not None and found[0] is item:
                replaced.append((table, key, item))
                table[key] = found[1]
    return replaced


def _upcall(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` as a substituted global: plain data in, plain data out, as over the wire."""

    def proxy(*args: Any, **kwargs: Any) -> Any:
        return _wire(function(*_wire(args), **_wire(kwargs)))

    return proxy


def _unreadable(value: Any) -> bool:
    if isinstance(value, protocol.Unreadable):
        return True
    items = value if isinstance(value, (list, tuple)) else value.values() if isinstance(value, dict) else ()
    return any(_unreadable(item) for item in items)


def reference_sources() -> dict[str, str]:
    """The reference of every exercise as a student's file has it (sibling imports)."""
    from grader.grading.exercises import COURSE_ORDER, as_workspace_module, reference_path

    sources = {}
    for name in COURSE_ORDER:
        path = reference_path(name)
        if path is not None:
            sources[name] = as_workspace_module(path.read_text())
    return sources


class WithoutSubstitution(InProcessModule):
    """An `InProcessModule` that cannot replace its globals, as a sandbox without upcalls: what
    the suites do then (recompute the expected value from the graded earlier exercises)."""

    def call(
        self, function: str, *args: Any, _readonly: bool = False, _timeout: float | None = None, **kwargs: Any
    ) -> Any:
        return super().call(function, *args, _readonly=_readonly, _timeout=_timeout, **kwargs)


def open_sources(sources: Mapping[str, str], *, substitution: bool = True) -> dict[str, InProcessModule]:
    """An `InProcessModule` for each exercise's source, imported in course order."""
    from grader.grading.exercises import COURSE_ORDER

    order = [n for n in COURSE_ORDER if n in sources] + sorted(n for n in sources if n not in COURSE_ORDER)
    modules = load_modules({name: sources[name] for name in order})
    kind = InProcessModule if substitution else WithoutSubstitution
    return {name: kind(name, module) for name, module in modules.items()}


def grade_sources(
    sources: Mapping[str, str] | Mapping[str, InProcessModule],
    exercises: Iterable[str] | None = None,
    *,
    seed: int,
    plugins: Sequence[object] = (),
) -> dict[str, list[TestOutcome]]:
    """Run the hidden suites of `exercises` (all when None) in this process on trusted `sources`
    (or modules already opened with `open_sources`), with the attempt's `seed`; every exercise
    named must have a source. `plugins` go to pytest beside the runner's."""
    from grader.grading.exercises import resolve
    from grader.grading.runner import run_suites

    opened = [module for module in sources.values() if isinstance(module, InProcessModule)]
    students = dict(sources) if len(opened) == len(sources) else open_sources(sources)  # type: ignore[arg-type]
    return run_suites(resolve(exercises), students, seed=seed, upstream=students.get, plugins=plugins)
