"""A sibling that cannot be imported is charged once: in its own exercise, not in every later one.

`forward.py` imports `activations.py`, and `backprop.py` imports both. A syntax error in
`activations.py`, a function renamed there, or an import of a package the sandbox does not
have would otherwise stop the later modules from being imported too, and cost every point of
their exercises for one mistake made elsewhere.

When a module cannot be imported and the reason lies in a sibling exercise file (the error
was raised in that file, or names it: `cannot import name 'tanh_derivative' from
'activations'`, `No module named 'forward'`), the module is imported again with a stand-in
for that sibling: a file that only names the reference's public functions, whose calls the
grader answers with the reference itself (upcalls, as `check_downstream` substitutes a wrong
helper). No reference code enters the sandbox. If the module still cannot be imported, its
first reason is the one reported.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any

from grader.grading.exercises import REFERENCE_PACKAGE, all_exercises
from grader.sandbox.errors import ImportFailed
from grader.sandbox.student import StandIn, StandInFinder

_NAMED = re.compile(r"(?:cannot import name '\w+' from '(\w+)'|No module named '(\w+)')")
_IMPORTED = re.compile(r"cannot import name '(\w+)'")


def stand_in_finder(
    exercise: str, graded: frozenset[str], files: Mapping[str, str], imports: Callable[[str], bool]
) -> StandInFinder:
    """What `StudentModule(stand_in=...)` asks when exercise `exercise`'s module cannot be imported.

    A stand-in is offered only for a file whose mistake is charged in this attempt: an earlier
    exercise (one this one builds on, never a later one), graded now (`graded`), that fails on
    its own: it is missing from `files`, it does not define the name imported from it, or its
    own module cannot be imported (`imports(name)` is False). An error raised or named by the
    module itself, to get the reference's answers for functions never written, earns nothing.
    """
    own = f"{exercise}.py"

    def find(failed: ImportFailed, already: frozenset[str]) -> StandIn | None:
        culprit = blamed_sibling(failed, own)
        if culprit is None or culprit in already:
            return None
        name = culprit.removesuffix(".py")
        if name not in graded or not _earlier(name, exercise) or not _fails_alone(failed, culprit, files, imports):
            return None
        functions = reference_functions(name)
        if not functions:
            return None
        at = f" at {failed.where}" if failed.where else ""
        if failed.where.startswith(f"{culprit}:"):
            what = f"your {culprit} could not be imported ({failed.type_name}{at})"
        elif failed.message.startswith("No module named"):
            skipped = re.search(rf"\({re.escape(culprit)} was not graded: .*\)$", failed.feedback)
            what = f"there was no {culprit} to import" + (f" {skipped[0]}" if skipped else "")
        else:
            what = f"importing from your {culprit} failed ({failed.type_name}{at}: {failed.message})"
        note = f"{what}, so the reference's functions stood in for it here: that mistake costs points in {name} only"
        return StandIn({culprit: stand_in_source(culprit, functions)}, functions, note)

    return find


def _earlier(name: str, exercise: str) -> bool:
    order = [e.name for e in all_exercises()]
    return name in order and exercise in order and order.index(name) < order.index(exercise)


def _fails_alone(failed: ImportFailed, culprit: str, files: Mapping[str, str], imports: Callable[[str], bool]) -> bool:
    """Whether `culprit` is broken by itself, as its own exercise grades it."""
    name = culprit.removesuffix(".py")
    if failed.where.startswith(f"{culprit}:"):  # raised in it
        return culprit in files and not imports(name)
    if failed.message.startswith("No module named"):  # it is not there
        return culprit not in files
    imported = _IMPORTED.search(failed.message)  # `from activations import x`: x is not in it
    return culprit in files and imported is not None and (not imports(name) or not defines(files[culprit], imported[1]))


_DEFINING = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_PLAIN = (*_DEFINING, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr)


def defines(source: str, name: str) -> bool:
    """Whether module text `source` binds `name` at its top level (a def, a class, an assignment,
    an import), or may (`from x import *`, a write through globals(), a binding inside an `if`
    or a `try`): only a name it surely lacks is taken as missing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    if any(word in source for word in ("globals()", "__dict__", "setattr", "exec(")):
        return True
    for node in tree.body:
        if not isinstance(node, _PLAIN):
            return True
        if isinstance(node, _DEFINING) and node.name == name:
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            alias.name == "*" or (alias.asname or alias.name.split(".")[0]) == name for alias in node.names
        ):
            return True
        targets = node.targets if isinstance(node, ast.Assign) else getattr(node, "target", None)
        for target in targets if isinstance(targets, list) else [targets] if targets is not None else []:
            if any(isinstance(t, ast.Name) and t.id == name for t in ast.walk(target)):
                return True
    return False


def blamed_sibling(failed: ImportFailed, own: str) -> str | None:
    """The exercise file (other than `own`) that the import error lies in or names, if any."""
    exercise_files = {e.filename for e in all_exercises()} - {own}
    raised_in = failed.where.rpartition(":")[0] if failed.where else ""
    if raised_in in exercise_files:
        return raised_in
    if failed.type_name in ("ImportError", "ModuleNotFoundError"):
        named = _NAMED.search(failed.message)
        module = named and (named[1] or named[2])
        if module and f"{module}.py" in exercise_files:
            return f"{module}.py"
    return None


def reference_functions(exercise: str) -> dict[str, Callable[..., Any]]:
    """The public functions that the reference module of `exercise` defines (not those it imports)."""
    try:
        module = importlib.import_module(f"{REFERENCE_PACKAGE}.{exercise}")
    except ImportError:
        return {}
    return {
        name: value
        for name, value in vars(module).items()
        if not name.startswith("_") and inspect.isfunction(value) and value.__module__ == module.__name__
    }


def stand_in_source(filename: str, functions: dict[str, Callable[..., Any]]) -> str:
    """A module that only names `functions`. During a call the sandbox puts a proxy to the grader
    in place of each of these globals; a stand-in kept elsewhere (a dict of functions built at
    import) looks its global up at each call, so it reaches the proxy too. Outside a call (at
    import time) a stand-in says why it cannot run."""
    cannot = f"{filename} could not be imported; the grader answers its functions only in a test"
    lines = [
        f'"""Stands in for your {filename}, which could not be imported: the grader answers these."""',
        "",
        "",
        "def _stand_in(name):",
        "    def function(*args, **kwargs):",
        "        current = globals()[name]",
        "        if current is function:",
        f"            raise ImportError({cannot!r})",
        "        return current(*args, **kwargs)",
        "",
        "    function.__name__ = function.__qualname__ = name",
        "    return function",
        "",
        "",
    ]
    lines += [f"{name} = _stand_in({name!r})" for name in functions]
    return "\n".join(lines) + "\n"
