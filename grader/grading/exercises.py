"""The exercises the grader knows: one hidden suite each, found in `grader/suites/`.

Adding an exercise is adding three files with one name: the stub `exercises/NAME.py`, the
solution `reference/NAME.py` and the suite `grader/suites/test_NAME.py`. `COURSE_ORDER`
only says in which order known exercises are listed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.errors import UnknownExerciseError

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"
REFERENCE_PACKAGE = "grader.reference"
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
        SUITES_DIR / f"test_{name}.py",
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
    found = {p.stem.removeprefix("test_"): p for p in SUITES_DIR.glob("test_*.py")}
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
