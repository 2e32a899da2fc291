"""Grading a whole class: one folder per student, graded in parallel, each recorded like a submit.

Every folder in the submissions folder is one student, named after it. Hidden entries and
archive debris (`__MACOSX`, `Thumbs.db`, ...) are skipped; a student whose folder holds no
Python files but one subfolder that does (`ada/nested/exercises/*.py`, as an unpacked
archive often has) is graded from that subfolder, and the result says so.

Students are graded by `grader.service.parallel` (trusted worker processes, each with warm
sandboxes) and each is recorded in its own transaction, applying the course settings. Late
penalties count from the hand-in time the instructor gives (`grader.handin`), never from
file times, which students control.

Whatever goes wrong with one student (two folders that are the same student, no Python
files, a bad name or file name, an attempt the course refuses, even a trusted worker process
dying) is reported for that student in `failed`; the rest of the class is graded and stored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.course import NO_COURSE, CourseSettings
from grader.errors import GraderError, WorkspaceError
from grader.grading.workspace import check_file_names
from grader.handin import NO_TIMES, HandInTimes
from grader.records import SubmitOutcome, result_from_record
from grader.sandbox.policy import SandboxLimits
from grader.service.parallel import GradingTask, run_tasks
from grader.students import student_name
from grader.visible import one_line

if TYPE_CHECKING:
    from grader.store import Store

DEBRIS = frozenset({"__MACOSX", "__pycache__", "Thumbs.db", "desktop.ini", "$RECYCLE.BIN", "System Volume Information"})
"""Names that archives and file managers leave behind; skipped like hidden files."""
NESTED_DEPTH = 3
"""How deep below a student's folder `grade` looks for their Python files."""

ProgressHook = Callable[[int, int, str], None]
"""Called in this process as each student is finished: (done, total, student)."""


@dataclass(frozen=True)
class GradedStudent:
    student: str
    submission_id: int
    score: float
    max_score: float
    folder: str = ""
    """The subfolder that was graded, relative to the student's folder ("" for the folder itself)."""


@dataclass(frozen=True)
class FailedStudent:
    student: str
    """The student's name, or the folder's name when it is not a usable student name."""
    reason: str


@dataclass(frozen=True)
class BatchResult:
    students: tuple[GradedStudent, ...]
    failed: tuple[FailedStudent, ...]
    not_enrolled: tuple[str, ...] = ()
    """Students graded who are not on the course's roster, when it has one (a typo in a folder's
    name, or someone not in the course): graded and recorded all the same, and listed."""


@dataclass(frozen=True)
class StudentFolder:
    name: str
    folder: Path
    """The folder to grade: the student's, or the one subfolder holding their files."""
    subfolder: str
    submitted_at: datetime | None


def grade_class(
    store: Store,
    submissions: Path,
    *,
    jobs: int | None = None,
    limits: SandboxLimits | None = None,
    course: CourseSettings = NO_COURSE,
    times: HandInTimes = NO_TIMES,
    on_progress: ProgressHook | None = None,
) -> BatchResult:
    """Grade every student folder in `submissions` and record each one; see the module docstring.

    `jobs` trusted worker processes grade in parallel (default: one per core). A student's
    late penalty counts from their time in `times`; with no time given, none applies.
    An empty submissions folder is a `WorkspaceError`: there is nothing to grade.
    """
    from grader.service.submissions import check_attempt_allowed
    from grader.store.base import utcnow
    from grader.store.files import database_files

    if jobs is not None and jobs < 1:
        raise GraderError(f"--jobs must be 1 or more, not {jobs}")
    found = student_folders(submissions, times)
    order = found.order
    graded: dict[str, GradedStudent] = {}
    failed: dict[str, FailedStudent] = {}

    def finish(outcome: GradedStudent | FailedStudent) -> None:
        if isinstance(outcome, GradedStudent):
            graded[outcome.student] = outcome
        else:
            failed[outcome.student] = outcome
        if on_progress is not None:
            on_progress(len(graded) + len(failed), len(order), outcome.student)

    students: dict[str, StudentFolder] = {}
    now = utcnow()
    for key in order:
        if key in found.refused:
            finish(FailedStudent(key, found.refused[key]))
            continue
        try:
            check_attempt_allowed(store, course, [found.students[key].name], now)
            students[key] = found.students[key]
        except GraderError as error:
            finish(FailedStudent(key, one_line(str(error))))

    def record(task: GradingTask, data: dict[str, Any]) -> None:
        student = students[task.key]
        try:
            outcome = store.write(lambda session: _record(session, student, data, course, utcnow()))
        except GraderError as error:
            finish(FailedStudent(student.name, one_line(str(error))))
        except Exception as error:  # the grader's own fault, for this student only: the class goes on
            finish(FailedStudent(student.name, f"the grader failed to record this student: {_fault(error)}"))
        else:
            score, top = outcome.result.score, outcome.result.max_score
            finish(GradedStudent(student.name, outcome.submission_id, score, top, student.subfolder))

    def fail(task: GradingTask, reason: str) -> None:
        finish(FailedStudent(task.key, one_line(reason)))

    tasks = [GradingTask(key, str(student.folder)) for key, student in students.items()]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    if tasks:
        run_tasks(tasks, workers, limits or SandboxLimits(), database_files(store.url), record, fail)
    done = tuple(graded[n] for n in order if n in graded)
    return BatchResult(
        students=done,
        failed=tuple(failed[n] for n in order if n in failed),
        not_enrolled=_not_enrolled(store, [s.student for s in done]),
    )


def _not_enrolled(store: Store, names: list[str]) -> tuple[str, ...]:
    """Those of `names` who are not enrolled as students, when anyone is (no roster: none)."""
    from grader.store.enrolments import roles

    with store.read() as session:
        enrolled = {name for name, role in roles(session).items() if role == "student"}
    return tuple(name for name in names if name not in enrolled) if enrolled else ()


@dataclass(frozen=True)
class StudentFolders:
    """The students of a submissions folder, in order, each found or refused (with why)."""

    order: list[str]
    students: dict[str, StudentFolder]
    refused: dict[str, str]


def student_folders(submissions: Path, times: HandInTimes = NO_TIMES) -> StudentFolders:
    """Every student of `submissions` (a folder each), as `grader grade` finds them whether it
    grades here or through a course server: debris skipped, a lone subfolder of Python files
    taken, names that normalise alike refused. A WorkspaceError when there is no one to grade."""
    if not submissions.is_dir():
        what = "a file, not a folder" if submissions.exists() else "no such folder"
        raise WorkspaceError(f"{submissions}: {what} of student submissions (one subfolder per student)")
    entries = sorted(p for p in submissions.iterdir() if not _skipped(p.name))
    if not entries:
        raise WorkspaceError(
            f"{submissions}: no student folders to grade (hidden folders and archive debris such as __MACOSX "
            "are skipped)"
        )
    claims = _claims(entries)
    students: dict[str, StudentFolder] = {}
    refused: dict[str, str] = {}
    for key, folders in claims.items():
        try:
            students[key] = _student(key, folders, times)
        except GraderError as error:
            refused[key] = one_line(str(error))
    return StudentFolders(list(claims), students, refused)


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in DEBRIS


def _claims(entries: list[Path]) -> dict[str, list[Path]]:
    """Student name -> the folders that are that student (one, unless two normalise alike);
    an entry whose name is no usable student name stands for itself, under its own name."""
    claims: dict[str, list[Path]] = {}
    for entry in entries:
        try:
            key = student_name(entry.name)
        except GraderError:
            key = entry.name
        claims.setdefault(key, []).append(entry)
    return claims


def _student(key: str, folders: list[Path], times: HandInTimes) -> StudentFolder:
    """The student `key` ready to grade, or a GraderError saying why they cannot be."""
    if len(folders) > 1:
        names = ", ".join(ascii(f.name) for f in folders)  # spellings that look alike are told apart
        raise WorkspaceError(
            f"{len(folders)} folders are this one student ({names}): names are compared without surrounding "
            "spaces and in Unicode NFC; keep one and grade again"
        )
    [entry] = folders
    if entry.is_symlink():
        raise WorkspaceError("a symbolic link, not a student folder")
    if not entry.is_dir():
        raise WorkspaceError("a file, not a student folder")
    name = student_name(entry.name)
    folder = _python_folder(entry)
    check_file_names(folder)
    subfolder = "" if folder == entry else folder.relative_to(entry).as_posix()
    return StudentFolder(name, folder.resolve(), subfolder, times.of(name))


def _python_folder(student: Path) -> Path:
    """The student's folder if it holds Python files, else the one subfolder (a few levels down,
    hidden folders and debris skipped) that does; a WorkspaceError when there is none, or
    several."""
    if _has_python(student):
        return student
    found = [folder for folder in _subfolders(student, NESTED_DEPTH) if _has_python(folder)]
    if len(found) == 1:
        return found[0]
    if found:
        shown = ", ".join(f.relative_to(student).as_posix() for f in found[:5])
        raise WorkspaceError(f"no Python files in the folder itself, and several subfolders have some ({shown})")
    raise WorkspaceError("no Python files in the folder")


def _subfolders(folder: Path, depth: int) -> Iterator[Path]:
    """Real subfolders of `folder`, breadth first, `depth` levels down; no link is followed."""
    level = [folder]
    for _ in range(depth):
        below = []
        for parent in level:
            try:
                children = sorted(parent.iterdir())
            except OSError:
                continue
            below += [c for c in children if not _skipped(c.name) and c.is_dir() and not c.is_symlink()]
        yield from below
        level = below


def _has_python(folder: Path) -> bool:
    return any(p.is_file() and not p.is_symlink() for p in folder.glob("*.py"))


def _fault(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {one_line(text[0][:300]) if text else 'no message'}"


def _record(
    session: Any, student: StudentFolder, data: dict[str, Any], course: CourseSettings, now: datetime
) -> SubmitOutcome:
    from grader.service.submissions import record_graded

    return record_graded(
        session,
        student.name,
        str(student.folder),
        result_from_record(data),
        course,
        submitted_at=student.submitted_at,
        now=now,
    )
