"""What the commands do, as functions: `grader submit` and `grader progress` call these.

Each takes resolved settings (a student name, a database URL) and returns records; none
prints or exits, so a web server can call the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.errors import ConfigError
from grader.results import GradingResult, submission_to_dict

if TYPE_CHECKING:
    from grader.store.submissions import Progress

STUDENT_NAME_MAX = 100


def check_student_name(name: str) -> str:
    """A usable student name: one line of printable text without path separators."""
    cleaned = name.strip()
    if not cleaned:
        raise ConfigError("the student name is empty: use --student NAME or set GRADER_STUDENT")
    if len(cleaned) > STUDENT_NAME_MAX:
        raise ConfigError(f"the student name is longer than {STUDENT_NAME_MAX} characters")
    if not cleaned.isprintable() or "/" in cleaned or "\\" in cleaned:
        raise ConfigError(f"the student name {cleaned!r} has a slash or an unprintable character")
    return cleaned


@dataclass(frozen=True)
class SubmitOutcome:
    submission_id: int
    student: str
    result: GradingResult

    def to_dict(self) -> dict[str, Any]:
        return submission_to_dict(self.submission_id, self.student, self.result)


def database_files(db_url: str) -> tuple[Path, ...]:
    """The files of a SQLite database (with its WAL and shared-memory files), to fence off."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return ()
    path = Path(url.database).expanduser().resolve()
    return (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))


def submit_workspace(
    workspace: Path,
    exercises: Iterable[str] = (),
    *,
    student: str,
    db_url: str,
    limits: Any = None,
) -> SubmitOutcome:
    """Grade `workspace` and record the attempt in one transaction; return what was stored.

    Input is checked before any work: the name, the workspace, the exercise names and the
    database all fail fast with a `GraderError`.
    """
    from grader.exercises import resolve
    from grader.grading import check_workspace, grade_workspace
    from grader.sandbox.policy import SandboxLimits
    from grader.sandbox.pool import WorkerPool

    name = check_student_name(student)
    folder = check_workspace(workspace)
    names = [e.name for e in resolve(exercises)]
    # Sandboxes start first, so they import numpy while this process opens the database.
    with WorkerPool(limits or SandboxLimits(), size=len(names), refill=False) as pool:
        from grader.store import open_store
        from grader.store.submissions import record_submission

        store = open_store(db_url)
        try:
            result = grade_workspace(folder, names, pool=pool, protected=database_files(db_url))
            submission_id = store.write(lambda session: record_submission(session, name, str(folder), result))
        finally:
            store.close()
    return SubmitOutcome(submission_id, name, result)


def student_progress(student: str, db_url: str) -> Progress:
    from grader.store import open_store
    from grader.store.submissions import student_progress as read_progress

    name = check_student_name(student)
    store = open_store(db_url)
    try:
        with store.read() as session:
            return read_progress(session, name)
    finally:
        store.close()
