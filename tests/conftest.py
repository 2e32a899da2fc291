"""Shared fixtures: a workspace factory, a fresh database URL, and quick sandbox limits."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader.grading.exercises import write_reference_workspace
from grader.sandbox.policy import SandboxLimits

REPO = Path(__file__).resolve().parent.parent
EXERCISES = REPO / "exercises"

# Short limits keep tests of hanging code quick; the defaults are tested where they matter.
# They are CPU time (and time blocked), which a busy machine does not change: honest test code
# uses a few milliseconds of them.
QUICK = SandboxLimits(call_seconds=1.0, exercise_seconds=3.0, blocked_seconds=3.0, memory_bytes=512 << 20)


@pytest.fixture
def workspace(tmp_path: Path) -> Callable[..., Path]:
    """Make a workspace: `workspace(perceptron="...source...")`, optionally seeded with the reference."""

    def make(*, reference: bool = False, stubs: bool = False, **files: str) -> Path:
        folder = tmp_path / "ws"
        folder.mkdir(exist_ok=True)
        if reference:
            write_reference_workspace(folder)
        elif stubs:
            for path in EXERCISES.glob("*.py"):
                shutil.copy(path, folder / path.name)
        for name, text in files.items():
            (folder / f"{name}.py").write_text(textwrap.dedent(text))
        return folder

    return make


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'grades.db'}"


@pytest.fixture
def quick_limits() -> SandboxLimits:
    return QUICK


@pytest.fixture(autouse=True)
def _installed_course_content() -> Iterator[None]:
    """A command run in this process with `--course DIR` grades with that folder's suites from
    then on (a command serves one course); the next test starts with the installed ones."""
    yield
    from grader.grading.exercises import active_content, use_course_content

    if active_content() is not None:
        use_course_content(None)
