"""A student's attempts, as use cases: submit a workspace, read progress, history and sources.

Every function takes an open `Store` and checked values, and returns records; none prints or
exits. `submit_workspace_beside` is the one exception to "takes an open store": it is the
command line's submit, which opens the database in a forked process while this one grades,
so that the two halves of the work use two cores (see `grader.store.forked`). It runs the same
`check_attempt_allowed` and `record_graded` as `submit_workspace`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.course import NO_COURSE, CourseSettings, apply_course, check_attempt
from grader.errors import NotFoundError
from grader.records import GradingResult, History, Progress, SubmitOutcome, result_from_record, result_to_record
from grader.students import student_name

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.sandbox.policy import SandboxLimits
    from grader.store import Store
    from grader.store.submissions import Snapshot


def submit_workspace(
    store: Store,
    workspace: Path,
    exercises: Iterable[str] = (),
    *,
    student: str,
    course: CourseSettings = NO_COURSE,
    limits: SandboxLimits | None = None,
) -> SubmitOutcome:
    """Grade `workspace` and record the attempt in one transaction; return what was stored.

    Input is checked before any work: the name, the workspace, the exercise names and the
    course's attempt rules fail fast with a `GraderError`, and nothing is stored.
    """
    from grader.store.files import database_files

    name, folder, names = _checked(student, workspace, exercises)
    now = datetime.now(UTC)
    check_attempt_allowed(store, course, [name], now)
    result = grade_folder(folder, names, limits, database_files(store.url))
    return store.write(lambda session: record_graded(session, name, str(folder), result, course, submitted_at=now))


def submit_workspace_beside(
    db_url: str,
    workspace: Path,
    exercises: Iterable[str] = (),
    *,
    student: str,
    course: CourseSettings = NO_COURSE,
    limits: SandboxLimits | None = None,
) -> SubmitOutcome:
    """`submit_workspace` for the command line: the database opens in a forked process (before
    any thread or numpy starts here) while this one starts the sandboxes and grades."""
    from grader.store.files import database_files
    from grader.store.forked import StoreBeside

    name, folder, names = _checked(student, workspace, exercises)
    now = datetime.now(UTC)

    def prepare(store: Store) -> dict[str, Any]:
        check_attempt_allowed(store, course, [name], now)
        return {}

    def finish(store: Store, graded: dict[str, Any]) -> dict[str, Any]:
        outcome = store.write(
            lambda session: record_graded(
                session, name, str(folder), result_from_record(graded), course, submitted_at=now
            )
        )
        return {
            "submission_id": outcome.submission_id,
            "attempt": outcome.attempt,
            "result": result_to_record(outcome.result),
        }

    # Only a course with attempt rules has to wait for the database before grading.
    check_first = course.max_attempts is not None or course.cooldown is not None
    with StoreBeside(db_url, prepare, finish) as database:
        if check_first:
            database.ready()  # a refused attempt stops here, before grading
        result = grade_folder(folder, names, limits, database_files(db_url))
        if not check_first:
            database.ready()  # a bad database URL is reported here, and nothing is stored
        answer = database.complete(result_to_record(result))
    return SubmitOutcome(
        int(answer["submission_id"]), int(answer["attempt"]), name, result_from_record(answer["result"])
    )


def _checked(student: str, workspace: Path, exercises: Iterable[str]) -> tuple[str, Path, list[str]]:
    from grader.grading.exercises import resolve
    from grader.grading.workspace import check_file_names, check_holds_exercises, check_workspace

    folder = check_workspace(workspace)
    check_file_names(folder)
    chosen = resolve(exercises)
    check_holds_exercises(folder, [e.filename for e in chosen])
    return student_name(student), folder, [e.name for e in chosen]


def grade_folder(
    folder: Path | Mapping[str, str],
    names: list[str],
    limits: SandboxLimits | None,
    protected: tuple[Path, ...],
    *,
    seed: int | None = None,
) -> GradingResult:
    """Grade a workspace folder, or files given in memory (a stored snapshot), with warm
    sandboxes forked from a zygote: one per exercise, started before grading. `seed` repeats
    an attempt's hidden inputs (None: new ones)."""
    from grader.sandbox.zygote import start_zygote

    with start_zygote() as zygote:  # first: it imports numpy while this process imports the suites
        from grader.grading.grade import grade_files, grade_workspace
        from grader.sandbox.policy import SandboxLimits
        from grader.sandbox.pool import WorkerPool

        with WorkerPool(limits or SandboxLimits(), size=len(names), refill=False, zygote=zygote) as pool:
            if isinstance(folder, Path):
                return grade_workspace(folder, names, pool=pool, protected=protected, seed=seed)
            return grade_files(folder, names, pool=pool, protected=protected, seed=seed)


def check_attempt_allowed(store: Store, course: CourseSettings, students: Iterable[str], now: datetime) -> None:
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
    submitted_at: datetime | None,
    now: datetime | None = None,
) -> SubmitOutcome:
    """Record a graded attempt with the course applied: the attempt rules checked again (another
    attempt may have landed meanwhile), late penalties taken off (none when `submitted_at` is
    None: the hand-in time is not known), and what was applied noted in the submission.
    Returns the attempt as recorded."""
    from grader.service.extensions import with_stored_extensions
    from grader.store.base import utcnow
    from grader.store.reports import attempts_so_far
    from grader.store.submissions import record_submission

    attempts = 0
    if course.source:
        attempts, last = attempts_so_far(session, student)
        check_attempt(course, student, attempts, last, now or submitted_at or utcnow())
    rules = with_stored_extensions(session, course, student)
    applied_result, applied = apply_course(rules, result, submitted_at, attempts + 1, student)
    submission_id, attempt = record_submission(session, student, workspace, applied_result, settings=applied)
    return SubmitOutcome(submission_id, attempt, student, applied_result)


def student_progress(store: Store, student: str) -> Progress:
    """A student's submissions, best and latest score per exercise, and quiz attempts."""
    from grader.service.quizzes import quiz_progress_in
    from grader.store.submissions import student_progress as read_progress

    name = student_name(student)
    with store.read() as session:
        progress = read_progress(session, name)
        return replace(progress, quizzes=quiz_progress_in(session, name))


def student_history(store: Store, student: str) -> History:
    """Every submission of `student`, oldest first, with the feedback of every test, and every
    quiz attempt; `NotFoundError` when there is neither."""
    from grader.service.quizzes import quiz_progress_in
    from grader.store.submissions import student_attempts

    name = student_name(student)
    with store.read() as session:
        attempts = student_attempts(session, name)
        quizzes = quiz_progress_in(session, name)
    if not attempts and not quizzes.attempts:
        raise NotFoundError(f"no submissions or quiz attempts from {name!r} in the database")
    return History(name, tuple(attempts), quizzes)


def submission_source(store: Store, submission_id: int, path: str | None = None) -> tuple[str, dict[str, str]]:
    """The student and the files of submission `submission_id` (only `path` when one is named)."""
    found = submission_snapshot(store, submission_id, path)
    return found.student, found.files


def submission_snapshot(store: Store, submission_id: int, path: str | None = None) -> Snapshot:
    """Submission `submission_id` (a regrade's id leads to the attempt it graded) with who made
    it and when, and its files (only `path` when one is named)."""
    from dataclasses import replace

    from grader.store.submissions import snapshot

    with store.read() as session:
        found = snapshot(session, submission_id)
    if found is None:
        raise NotFoundError(f"no submission #{submission_id} in the database")
    if path is not None:
        if path not in found.files:
            has = ", ".join(found.files) or "none"
            raise NotFoundError(f"submission #{submission_id} has no file {path!r} (it has: {has})")
        found = replace(found, files={path: found.files[path]})
    return found
