"""Submissions that arrive over the network: checked, stored before they are acknowledged,
graded afterwards, and read back by their student.

The course server calls these; so does anything else that receives files to grade later.
`receive` stores the upload (files included) in one transaction and returns its id: from then
on nothing acknowledged can be lost, because whatever grades it (the server's own pool, or a
fleet of workers) finds it in the database. `grade_received` records the result exactly
once, however many times it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from grader.course import NO_COURSE, CourseSettings, apply_course, check_attempt
from grader.errors import NotFoundError, UploadRejected, UploadTooLarge
from grader.records import GradingResult, SubmitOutcome

if TYPE_CHECKING:
    from grader.service.enrolment import Principal
    from grader.store import Store

MAX_FILE_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 512 * 1024
MAX_KEY_CHARS = 200
GRADER_FAILURES_ALLOWED = 3
"""Runs that fail through the grader's own fault before a submission is `not_gradable`."""

Grade = Callable[[dict[str, str], list[str], int], GradingResult]
"""Grades files (name -> text) for the named exercises; the int is the submission id."""


@dataclass(frozen=True)
class Upload:
    """An upload that passed every check: the course's exercise files as text."""

    files: dict[str, str]
    exercises: tuple[str, ...] | None
    """The exercises to grade; None for all of the course's."""


@dataclass(frozen=True)
class SubmissionView:
    """Where a submission stands, and its graded result once there is one."""

    submission_id: int
    student: str
    status: str
    outcome: SubmitOutcome | None


def check_upload(body: object, known: Mapping[str, str]) -> Upload:
    """`body` (decoded JSON) as an `Upload`, or an `UploadRejected` saying what is wrong.

    `known` maps each of the course's exercise names to its file name.
    """
    if not isinstance(body, dict):
        raise UploadRejected('the body must be a JSON object: {"files": {"perceptron.py": "..."}}')
    unknown_keys = sorted(str(k) for k in body if k not in ("files", "exercises"))
    if unknown_keys:
        raise UploadRejected(f"unknown field {unknown_keys[0][:40]!r} (the body has files and exercises)")
    files = body.get("files")
    if not isinstance(files, dict) or not files:
        raise UploadRejected('"files" must be an object of file name -> source text, with at least one file')
    allowed = set(known.values())
    total = 0
    checked: dict[str, str] = {}
    for name, text in files.items():
        if name not in allowed:
            shown = name[:60] if isinstance(name, str) else type(name).__name__
            raise UploadRejected(f"{shown!r} is not one of the course's files ({', '.join(sorted(allowed))})")
        if not isinstance(text, str):
            raise UploadRejected(f"{name}: the source must be text")
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:
            raise UploadRejected(f"{name}: not UTF-8 text") from None
        if size > MAX_FILE_BYTES:
            raise UploadTooLarge(f"{name} is {size} bytes: over the limits ({MAX_FILE_BYTES} bytes a file)")
        total += size
        checked[name] = text
    if total > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"the upload is {total} bytes: over the limits ({MAX_UPLOAD_BYTES} bytes in all)")
    exercises = body.get("exercises")
    if exercises is None:
        return Upload(checked, None)
    if not isinstance(exercises, list) or not all(isinstance(e, str) for e in exercises):
        raise UploadRejected('"exercises" must be a list of exercise names')
    for exercise in exercises:
        if exercise not in known:
            raise UploadRejected(f"unknown exercise {exercise[:40]!r}; known exercises: {', '.join(known)}")
    return Upload(checked, tuple(dict.fromkeys(exercises)))


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise UploadRejected(f"the Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable characters")
    return key


def receive(
    store: Store,
    student: str,
    upload: Upload,
    *,
    key: str | None,
    course: CourseSettings = NO_COURSE,
    now: datetime,
    on_stored: Callable[[Any, int], None] | None = None,
) -> tuple[int, bool]:
    """Store `upload` as `student`'s attempt received `now`; return its id and whether it is new.

    The course's attempt limit and cool-down are applied here, with the server's clock; a
    repeated key returns the earlier submission without checking or storing anything.
    `on_stored(session, id)` runs in the same transaction (a job queue defers the grading
    job there, so the submission and its job commit together).
    """
    from grader.store.reports import attempts_so_far
    from grader.store.submissions import receive_submission, submission_id_for_key

    def work(session: Any) -> tuple[int, bool]:
        if key is not None:
            earlier = submission_id_for_key(session, student, key)
            if earlier is not None:
                return earlier, False
        if course.source:
            check_attempt(course, student, *attempts_so_far(session, student), now)
        requested = list(upload.exercises) if upload.exercises is not None else None
        submission_id, new = receive_submission(session, student, upload.files, requested, key, created_at=now)
        if new and on_stored is not None:
            on_stored(session, submission_id)
        return submission_id, new

    return store.write(work)


def grade_received(store: Store, submission_id: int, grade: Grade, course: CourseSettings = NO_COURSE) -> str:
    """Grade a received submission and record the result once; return its final status.

    A submission already graded (a job delivered twice) is left as it is. If `grade` raises,
    that is the grader's own failure, not the student's: it is counted, the submission goes
    back to the queue, and after `GRADER_FAILURES_ALLOWED` failures it is `not_gradable`,
    which costs no attempt. The exception is raised again for the caller to log.
    """
    from grader.grading.exercises import resolve
    from grader.store import submissions

    with store.read() as session:
        found = submissions.received(session, submission_id)
        files = submissions.submission_files(session, submission_id) if found is not None else {}
    if found is None:
        raise NotFoundError(f"no submission #{submission_id}")
    if found.status in ("graded", "not_gradable"):
        return found.status
    store.write(lambda session: submissions.set_status(session, submission_id, "grading"))
    names = [e.name for e in resolve(found.requested)]
    try:
        result = grade(files, names, submission_id)
    except Exception:
        failures = found.failures + 1
        final = "not_gradable" if failures >= GRADER_FAILURES_ALLOWED else "queued"
        store.write(lambda session: submissions.set_status(session, submission_id, final, failed=True))
        raise

    def record(session: Any) -> str:
        from grader.service.extensions import with_stored_extensions

        attempt = submissions.attempt_number(session, _student_id(session, submission_id), submission_id)
        rules = with_stored_extensions(session, course, found.student)
        applied_result, applied = apply_course(rules, result, found.created_at, attempt, found.student)
        submissions.complete_submission(session, submission_id, applied_result, settings=applied)
        return "graded"

    return store.write(record)


def count_lost_runs(store: Store, submission_id: int, runs: int) -> str:
    """Before a job queue grades a submission again: `runs` of its grading ended without a
    result (a worker killed or cut off counts, as a failure `grade_received` saw does), so
    its failures are at least that many, and at `GRADER_FAILURES_ALLOWED` it is
    `not_gradable`. Returns its status; the caller grades it only if it still waits."""
    from grader.store import submissions

    status = store.write(
        lambda session: submissions.count_lost_runs(session, submission_id, runs, GRADER_FAILURES_ALLOWED)
    )
    if status is None:
        raise NotFoundError(f"no submission #{submission_id}")
    return status


def give_up(store: Store, submission_id: int) -> None:
    """Mark a submission that cannot be graded by the grader's fault (its runs keep failing)."""
    from grader.store import submissions

    store.write(lambda session: submissions.set_status(session, submission_id, "not_gradable", failed=True))


def view(store: Store, principal: Principal, submission_id: int) -> SubmissionView:
    """A submission as `principal` may see it: their own, or anyone's for a TA or instructor.

    Someone else's submission is reported as not found, so ids reveal nothing.
    """
    from grader.store import submissions

    with store.read() as session:
        found = submissions.received(session, submission_id)
        if found is None or (found.student != principal.student and not principal.reads_the_class):
            raise NotFoundError(f"no submission #{submission_id} of yours")
        outcome = submissions.graded_outcome(session, submission_id) if found.status == "graded" else None
    return SubmissionView(submission_id, found.student, found.status, outcome)


def _student_id(session: Any, submission_id: int) -> int:
    from grader.store.models import Submission

    row = session.get(Submission, submission_id)
    assert row is not None
    return int(row.student_id)
