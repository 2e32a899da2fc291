"""Regrading: attempts' stored snapshots graded again, after a suite or reference change.

A regrade grades exactly the files an attempt stored (never a folder on disk, which may have
changed since) and records a regrade row linked to that attempt (see `grader.store.models`):
it spends no attempt and is refused by no attempt limit or cool-down; the attempt's own
result stays in its history; reports count the newest regrade of each exercise. The late
penalty is worked out again with the course as it is now (a moved deadline or a new
extension counts) and the hand-in time the attempt recorded; an attempt that recorded none
gets none.

`regrade_submission` is the unit, one attempt by its id: what a job queue runs, one job per
attempt. `regrade_attempts` regrades many in parallel for `grader regrade`, with the same
trusted worker processes as `grader grade`.

A regrade grades the stored files from memory with the attempt's seed, so that randomised
tests ask exactly the questions the attempt was asked (attempts recorded before seeds were
kept draw a new one).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.course import NO_COURSE, CourseSettings, apply_course
from grader.errors import GraderError, NotFoundError
from grader.records import GradingResult, result_from_record
from grader.students import student_name
from grader.visible import one_line

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.sandbox.policy import SandboxLimits
    from grader.store import Store
    from grader.store.submissions import Snapshot

ProgressHook = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RegradeOutcome:
    submission_id: int
    """The attempt regraded."""
    regrade_id: int
    """The regrade's own row."""
    student: str
    attempt: int
    exercises: tuple[str, ...]
    old_score: float
    """What the attempt counted for these exercises before (its result, or an earlier regrade's)."""
    new_score: float
    max_score: float


@dataclass(frozen=True)
class FailedRegrade:
    submission_id: int
    student: str
    reason: str


@dataclass(frozen=True)
class RegradeBatch:
    regraded: tuple[RegradeOutcome, ...]
    failed: tuple[FailedRegrade, ...]


@dataclass(frozen=True)
class _Plan:
    snapshot: Snapshot
    exercises: tuple[str, ...]
    old_score: float


SnapshotGrader = Callable[["Snapshot", Sequence[str]], GradingResult]
"""Grades an attempt's snapshot for the named exercises: a long-running grader's warm
processes (a queue worker's) instead of sandboxes started for one regrade."""


def regrade_submission(
    store: Store,
    submission_id: int,
    exercises: Iterable[str] = (),
    *,
    course: CourseSettings = NO_COURSE,
    limits: SandboxLimits | None = None,
    grade: SnapshotGrader | None = None,
    key: str | None = None,
) -> RegradeOutcome:
    """Grade attempt `submission_id`'s snapshot again (only `exercises` of it, when named) and
    record the regrade in one transaction; a GraderError when there is nothing to regrade.

    With `key` the regrade is recorded once: a second call with the same key (a queued job
    delivered twice) grades nothing and returns the regrade recorded first.
    """
    from sqlalchemy.exc import IntegrityError

    from grader.service.submissions import grade_folder
    from grader.store.files import database_files

    plan = _plan(store, submission_id, _names(exercises))
    if key is not None:
        earlier = _keyed(store, plan, key)
        if earlier is not None:
            return earlier
    if grade is not None:
        result = grade(plan.snapshot, plan.exercises)
    else:
        files, seed = gradable_files(plan.snapshot), plan.snapshot.seed
        result = grade_folder(files, list(plan.exercises), limits, database_files(store.url), seed=seed)
    try:
        return store.write(lambda session: record_regrade(session, plan, result, course, key=key))
    except IntegrityError:
        earlier = _keyed(store, plan, key) if key is not None else None
        if earlier is None:
            raise
        return earlier  # the same job, run twice at once, recorded first elsewhere


def _keyed(store: Store, plan: _Plan, key: str) -> RegradeOutcome | None:
    from grader.store.submissions import regrade_keyed

    with store.read() as session:
        found = regrade_keyed(session, plan.snapshot.student, key)
    if found is None:
        return None
    regrade_id, score, max_score, names = found
    snapshot = plan.snapshot
    return RegradeOutcome(
        snapshot.submission_id, regrade_id, snapshot.student, snapshot.attempt, names, plan.old_score, score, max_score
    )


def regrade_attempts(
    store: Store,
    exercises: Iterable[str] = (),
    students: Iterable[str] = (),
    *,
    course: CourseSettings = NO_COURSE,
    jobs: int | None = None,
    limits: SandboxLimits | None = None,
    on_progress: ProgressHook | None = None,
) -> RegradeBatch:
    """Regrade every attempt of `students` (everyone when none is named) that graded any of
    `exercises` (all when none is named); one attempt's failure does not stop the others."""
    from grader.sandbox.policy import SandboxLimits
    from grader.service.parallel import GradingTask, run_tasks
    from grader.store.files import database_files

    wanted, ids = attempts_to_regrade(store, exercises, students)
    regraded: dict[int, RegradeOutcome] = {}
    failed: dict[int, FailedRegrade] = {}

    def finish(outcome: RegradeOutcome | FailedRegrade) -> None:
        if isinstance(outcome, RegradeOutcome):
            regraded[outcome.submission_id] = outcome
        else:
            failed[outcome.submission_id] = outcome
        if on_progress is not None:
            on_progress(len(regraded) + len(failed), len(ids), outcome.student)

    plans: dict[str, _Plan] = {}
    for submission_id in ids:
        try:
            plans[str(submission_id)] = _plan(store, submission_id, wanted)
        except GraderError as error:
            finish(FailedRegrade(submission_id, "", one_line(str(error))))

    def record(task: GradingTask, data: dict[str, Any]) -> None:
        plan = plans[task.key]
        try:
            finish(store.write(lambda session: record_regrade(session, plan, result_from_record(data), course)))
        except Exception as error:  # this attempt only; the others go on
            reason = str(error) if isinstance(error, GraderError) else f"the grader failed: {type(error).__name__}"
            finish(FailedRegrade(plan.snapshot.submission_id, plan.snapshot.student, one_line(reason)))

    def fail(task: GradingTask, reason: str) -> None:
        plan = plans[task.key]
        finish(FailedRegrade(plan.snapshot.submission_id, plan.snapshot.student, one_line(reason)))

    tasks = [
        GradingTask(key, "", plan.exercises, plan.snapshot.seed, files=gradable_files(plan.snapshot))
        for key, plan in plans.items()
    ]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    if tasks:
        run_tasks(tasks, workers, limits or SandboxLimits(), database_files(store.url), record, fail)
    return RegradeBatch(
        regraded=tuple(regraded[i] for i in ids if i in regraded),
        failed=tuple(failed[i] for i in ids if i in failed),
    )


def attempts_to_regrade(
    store: Store, exercises: Iterable[str], students: Iterable[str]
) -> tuple[tuple[str, ...], list[int]]:
    """The exercises named (checked) and the ids of the attempts of `students` (everyone's
    when none is named) that graded any of them, oldest first; a NotFoundError when none did."""
    from grader.store.submissions import attempt_ids

    wanted = _names(exercises)
    names = [student_name(s) for s in students]
    with store.read() as session:
        ids = attempt_ids(session, names, wanted)
    if not ids:
        who = f" of {', '.join(names)}" if names else ""
        what = f" at {', '.join(wanted)}" if wanted else ""
        raise NotFoundError(f"no attempts{who}{what} in the database to regrade")
    return wanted, ids


def record_regrade(
    session: Session, plan: _Plan, result: GradingResult, course: CourseSettings, *, key: str | None = None
) -> RegradeOutcome:
    """Record `result` as a regrade of the plan's attempt, with the course's late penalty (and
    `key`, unique per student, when given)."""
    from grader.service.extensions import with_stored_extensions
    from grader.store.submissions import record_submission

    snapshot = plan.snapshot
    submitted = snapshot.settings.get("submitted_at")
    submitted_at = datetime.fromisoformat(submitted) if isinstance(submitted, str) else None
    rules = with_stored_extensions(session, course, snapshot.student)
    applied_result, applied = apply_course(rules, result, submitted_at, snapshot.attempt, snapshot.student)
    regrade_id, _ = record_submission(
        session,
        snapshot.student,
        snapshot.workspace,
        applied_result,
        settings={**applied, "regrade_of": snapshot.submission_id},
        regrade_of=snapshot.submission_id,
        idempotency_key=key,
    )
    return RegradeOutcome(
        submission_id=snapshot.submission_id,
        regrade_id=regrade_id,
        student=snapshot.student,
        attempt=snapshot.attempt,
        exercises=tuple(e.name for e in applied_result.exercises),
        old_score=plan.old_score,
        new_score=applied_result.score,
        max_score=applied_result.max_score,
    )


def _names(exercises: Iterable[str]) -> tuple[str, ...]:
    from grader.grading.exercises import resolve

    given = list(exercises)
    return tuple(e.name for e in resolve(given)) if given else ()


def _plan(store: Store, submission_id: int, wanted: Sequence[str]) -> _Plan:
    """What regrading attempt `submission_id` grades (its exercises, or those of them wanted),
    from its snapshot; a GraderError when it cannot be regraded."""
    from grader.store.reports import exercise_rows
    from grader.store.submissions import snapshot

    with store.read() as session:
        found = snapshot(session, submission_id)
        current = [] if found is None else exercise_rows(session, attempt=found.submission_id)
    if found is None:
        raise NotFoundError(f"no submission #{submission_id} in the database")
    names = tuple(e for e in found.exercises if not wanted or e in wanted)
    if not names:
        raise NotFoundError(f"submission #{found.submission_id} graded none of {', '.join(wanted)}")
    if not found.files:
        raise NotFoundError(f"submission #{found.submission_id} stored no files to grade again")
    old = round(sum(row.score for row in current if row.exercise in names), 6)
    return _Plan(found, names, old)


def gradable_files(snapshot: Snapshot) -> dict[str, str]:
    """The snapshot's files with plain Python file names: what is graded again (any other
    name is one a snapshot never takes; nothing outside a grading folder is ever written)."""
    return {
        path: text
        for path, text in snapshot.files.items()
        if path == Path(path).name and not path.startswith(".") and path.endswith(".py")
    }
