"""What the commands do, as functions: `grader submit`, `progress` and `report` call these.

Each takes resolved settings (a student name, a database URL) and returns records; none
prints or exits, so a web server can call the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.course import NO_COURSE, CourseSettings, ScorePolicy, apply_course, check_attempt
from grader.errors import ConfigError, NotFoundError
from grader.results import GradingResult, submission_to_dict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.report.model import ClassReport
    from grader.sandbox.policy import SandboxLimits
    from grader.store import Store
    from grader.store.reports import AttemptRecord
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
    """The files of a SQLite database (with its WAL and shared-memory files), to fence off.

    Read from the URL's text (`sqlite[+driver]:///path`) rather than with SQLAlchemy, which
    this process of `grader submit` does not import; a URL it cannot read fences nothing and
    is reported by the store.
    """
    match = re.fullmatch(r"sqlite(?:\+\w+)?:///(?P<database>[^?]*)(?:\?.*)?", db_url.strip())
    if match is None or match["database"] in ("", ":memory:"):
        return ()
    database = match["database"].removeprefix("file:")
    path = Path(database).expanduser().resolve()
    return (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))


def submit_workspace(
    workspace: Path,
    exercises: Iterable[str] = (),
    *,
    student: str,
    db_url: str,
    limits: SandboxLimits | None = None,
    course: CourseSettings = NO_COURSE,
) -> SubmitOutcome:
    """Grade `workspace` and record the attempt in one transaction; return what was stored.

    Input is checked before any work: the name, the workspace, the exercise names, the
    database and the course's attempt rules all fail fast with a `GraderError`.
    """
    from grader.exercises import resolve
    from grader.results import result_from_record, result_to_record
    from grader.store.forked import StoreBeside
    from grader.workspace import check_workspace

    name = check_student_name(student)
    folder = check_workspace(workspace)
    names = [e.name for e in resolve(exercises)]
    now = datetime.now(UTC)

    def prepare(store: Store) -> dict[str, Any]:
        check_course_allows(store, course, [name], now)
        return {}

    def finish(store: Store, graded: dict[str, Any]) -> dict[str, Any]:
        submission_id, applied = store.write(
            lambda session: record_graded(
                session, name, str(folder), result_from_record(graded), course, submitted_at=now, now=now
            )
        )
        return {"submission_id": submission_id, "result": result_to_record(applied)}

    # The database opens in a forked process (before any thread or numpy starts here) while
    # this one starts the sandboxes and grades: two cores, two halves of the work. Only a
    # course with attempt rules has to wait for it before grading.
    check_first = course.max_attempts is not None or course.cooldown is not None
    with StoreBeside(db_url, prepare, finish) as database:
        from grader.sandbox.zygote import start_zygote

        with start_zygote() as zygote:  # first: it imports numpy while this process imports the suites
            from grader.grading import grade_workspace
            from grader.sandbox.policy import SandboxLimits
            from grader.sandbox.pool import WorkerPool

            with WorkerPool(limits or SandboxLimits(), size=len(names), refill=False, zygote=zygote) as pool:
                if check_first:
                    database.ready()  # a refused attempt stops here, before grading
                result = grade_workspace(folder, names, pool=pool, protected=database_files(db_url))
        if not check_first:
            database.ready()  # a bad database URL is reported here, and nothing is stored
        answer = database.complete(result_to_record(result))
    return SubmitOutcome(int(answer["submission_id"]), name, result_from_record(answer["result"]))


def check_course_allows(store: Store, course: CourseSettings, students: Iterable[str], now: datetime) -> None:
    """Refuse, before grading, an attempt that the course's attempt limit or cool-down forbids."""
    from grader.store.reports import attempts_so_far

    if course.max_attempts is None and course.cooldown is None:
        return
    with store.read() as session:
        for student in students:
            check_attempt(course, student, *attempts_so_far(session, student), now)


def record_graded(
    session: Session,
    student: str,
    workspace: str,
    result: GradingResult,
    course: CourseSettings,
    *,
    submitted_at: datetime,
    now: datetime,
) -> tuple[int, GradingResult]:
    """Record a graded attempt with the course applied: the attempt rules checked again (another
    attempt may have landed meanwhile), late penalties taken off, and what was applied noted in
    the submission. Returns its id and the result as recorded."""
    from grader.store.reports import attempts_so_far
    from grader.store.submissions import record_submission

    attempts = 0
    if course.source:
        attempts, last = attempts_so_far(session, student)
        check_attempt(course, student, attempts, last, now)
    applied_result, applied = apply_course(course, result, submitted_at, attempts + 1)
    return record_submission(session, student, workspace, applied_result, settings=applied), applied_result


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


def class_report(db_url: str, policy: ScorePolicy) -> ClassReport:
    """The gradebook, the struggles per exercise and test, and the item analysis of every quiz."""
    from grader.exercises import all_exercises
    from grader.quiz.service import quiz_stats
    from grader.report.model import build_report
    from grader.report.struggles import counted_rows
    from grader.store import open_store, reports

    store = open_store(db_url)
    try:
        with store.read() as session:
            students = reports.student_names(session)
            exercises = reports.exercise_rows(session)
            tests = reports.test_rows(session, counted_rows(exercises, policy))
            quizzes = reports.quiz_score_rows(session)
        stats = quiz_stats(store)
    finally:
        store.close()
    order = [e.name for e in all_exercises()]
    return build_report(students, exercises, tests, quizzes, stats, policy, order)


def student_history(student: str, db_url: str) -> list[AttemptRecord]:
    """Every submission of `student`, oldest first, with the feedback of every test."""
    from grader.store import open_store
    from grader.store.reports import student_attempts

    name = check_student_name(student)
    store = open_store(db_url)
    try:
        with store.read() as session:
            attempts = student_attempts(session, name)
    finally:
        store.close()
    if not attempts:
        raise NotFoundError(f"no submissions from {name!r} in the database")
    return attempts


def submission_source(submission_id: int, db_url: str, path: str | None = None) -> tuple[str, dict[str, str]]:
    """The student and the files of submission `submission_id` (only `path` when one is named)."""
    from grader.store import open_store
    from grader.store.reports import submission_source as read_source

    store = open_store(db_url)
    try:
        with store.read() as session:
            found = read_source(session, submission_id)
    finally:
        store.close()
    if found is None:
        raise NotFoundError(f"no submission #{submission_id} in the database")
    student, files = found
    if path is not None:
        if path not in files:
            has = ", ".join(files) or "none"
            raise NotFoundError(f"submission #{submission_id} has no file {path!r} (it has: {has})")
        files = {path: files[path]}
    return student, files
