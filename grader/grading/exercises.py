"""The exercises the grader knows: one hidden suite each, found in `grader/suites/`, or in a
course pack's `suites/` once a grading process has called `use_course_content`.

Adding an exercise is adding three files with one name: the stub `exercises/NAME.py`, the
solution `reference/NAME.py` and the suite `grader/suites/test_NAME.py` (in a course pack:
`exercises/`, `reference/` and `suites/`). `COURSE_ORDER` only says in which order known
exercises are listed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.errors import UnknownExerciseError

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"
"""The built-in hidden suites (and their pytest.ini, which every run uses)."""
REFERENCE_PACKAGE = "grader.reference"
_suites_dir = SUITES_DIR
"""Where this process finds the hidden suites: the built-in ones unless a course pack's."""


_content: CourseContent | None = None
_built_in_reference: list[str] = []
"""Where the installed `grader.reference` package is, kept when a course's replaces it."""


def suites_dir() -> Path:
    return _suites_dir


def active_content() -> CourseContent | None:
    """The course content this process grades with (None: the installed package's), for the
    processes it starts to grade with the same."""
    return _content


@dataclass(frozen=True)
class CourseContent:
    """A course pack's hidden suites and reference solutions (folders of trusted files)."""

    suites: Path
    reference: Path


def use_course_content(content: CourseContent | None) -> None:
    """Grade, in this process, with a course pack's hidden suites and reference solutions
    instead of the installed package's (call it before grading anything); None goes back to
    the installed ones.

    A grading process serves one course, so this is process-wide: the pack's `reference/`
    becomes the `grader.reference` package, which is what the suites import (`from
    grader.reference import forward`) and what the `reference` fixture loads, and the suites
    are collected from `suites`. Only trusted, instructor-written code is imported from them.
    Modules imported from the content used before are forgotten, so nothing of it lingers.
    """
    global _suites_dir, _content
    package = importlib.import_module(REFERENCE_PACKAGE)
    _built_in_reference.extend([] if _built_in_reference else list(package.__path__))
    for name, module in list(sys.modules.items()):
        origin = str(getattr(module, "__file__", None) or "")
        suite = origin and Path(origin).parent == _suites_dir and Path(origin).name.startswith("test_")
        if name.startswith(f"{REFERENCE_PACKAGE}.") or suite:  # not grader.suites.inprocess: a library
            del sys.modules[name]
    package.__path__[:] = [str(content.reference)] if content is not None else _built_in_reference
    _suites_dir = content.suites if content is not None else SUITES_DIR
    _content = content
    importlib.invalidate_caches()
    _version.cache_clear()
    all_exercises.cache_clear()


COURSE_ORDER = ("perceptron", "activations", "forward", "backprop")


@dataclass(frozen=True)
class Exercise:
    name: str
    suite: Path

    @property
    def filename(self) -> str:
        """The file the student edits, relative to the workspace."""
        return f"{self.name}.py"

    @property
    def version(self) -> str:
        """A hash of what decides this exercise's grade: its suite, reference and the check helpers."""
        return _version(self.name)


def reference_path(name: str) -> Path | None:
    """Where the instructors' solution of exercise `name` is installed (None if it is not)."""
    spec = importlib.util.find_spec(f"{REFERENCE_PACKAGE}.{name}")
    return Path(spec.origin) if spec is not None and spec.origin else None


def as_workspace_module(source: str) -> str:
    """A reference module's text as a student's file has it: the package's relative imports
    (`from .forward import x`) become a workspace's sibling imports (`from forward import x`)."""
    return re.sub(r"^from \.(\w+) import", r"from \1 import", source, flags=re.MULTILINE)


def write_reference_workspace(folder: Path, names: Iterable[str] | None = None) -> Path:
    """Write the reference solutions of the named exercises (all when none is named) into
    `folder` as a student's files: a workspace that scores full marks."""
    folder.mkdir(parents=True, exist_ok=True)
    for exercise in resolve(names):
        path = reference_path(exercise.name)
        if path is not None:
            (folder / exercise.filename).write_text(as_workspace_module(path.read_text()))
    return folder


@cache
def _version(name: str) -> str:
    digest = hashlib.sha256()
    paths = [
        suites_dir() / f"test_{name}.py",
        Path(__file__).with_name("checks.py"),
        Path(__file__).with_name("feedback.py"),
    ]
    reference = reference_path(name)
    if reference is not None:
        paths.append(reference)
    for path in paths:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def all_exercises() -> tuple[Exercise, ...]:
    found = {p.stem.removeprefix("test_"): p for p in suites_dir().glob("test_*.py")}
    order = [n for n in COURSE_ORDER if n in found] + sorted(n for n in found if n not in COURSE_ORDER)
    return tuple(Exercise(name, found[name]) for name in order)


def resolve(names: Iterable[str] | None = None) -> tuple[Exercise, ...]:
    """The exercises named (all when none is), in course order; unknown names are bad input."""
    known = {e.name: e for e in all_exercises()}
    if not names:
        return tuple(known.values())
    wanted = []
    for raw in names:
        name = raw.removesuffix(".py")
        if name not in known:
            raise UnknownExerciseError(f"unknown exercise {raw!r}; known exercises: {', '.join(known)}")
        wanted.append(name)
    return tuple(e for e in known.values() if e.name in wanted)


def suite_version(exercises: Iterable[Exercise]) -> str:
    digest = hashlib.sha256()
    for exercise in exercises:
        digest.update(f"{exercise.name}={exercise.version};".encode())
    return digest.hexdigest()[:16]
