"""Grading at scale: a course on PostgreSQL queues each upload with its job, and any number of
`grader worker`s grade them without losing or double-counting anything.

Runs against the server named by GRADER_TEST_POSTGRES_URL (`.ci/run` starts one and sets it);
without it there is no queue to test and these tests say so.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.server.conftest import (
    POSTGRES_URL,
    Course,
    fresh_postgres,
    grader,
    kill_group,
    reference_files,
    start_worker,
    stop_group,
)

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="GRADER_TEST_POSTGRES_URL names no PostgreSQL server")

SLOW_PERCEPTRON = "import time\ntime.sleep(10)  # blocked time: seen running even on a busy machine\n"


# -- fixtures: a queue on a fresh database, and a worker's job bodies with a stand-in grader ---


@pytest.fixture
def store() -> Iterator[Any]:
    from grader.store import open_store
    from grader.store.jobs import ensure_queue_schema

    with open_store(fresh_postgres()) as opened:
        ensure_queue_schema(opened.engine)
        yield opened


@pytest.fixture
def queued(store: Any) -> Any:
    from grader.server.queued import QueuedGrading

    grading = QueuedGrading(store)
    grading.start()
    return grading


def upload(store: Any, queued: Any, student: str, key: str | None = None, files: dict[str, str] | None = None) -> int:
    from grader.service.uploads import Upload, receive

    sent = Upload(files or {"perceptron.py": "x = 1\n"}, ("perceptron",))
    submission_id, _ = receive(store, student, sent, key=key, now=datetime.now(UTC), on_stored=queued.on_stored)
    return submission_id


def jobs(store: Any) -> list[dict[str, Any]]:
    from sqlalchemy import text

    with store.read() as session:
        rows = session.execute(text("SELECT id, task_name, status, priority, attempts, args FROM procrastinate_jobs"))
        return [dict(row._mapping) for row in rows]


def result_rows(store: Any, submission_id: int) -> int:
    from sqlalchemy import text

    with store.read() as session:
        query = text("SELECT count(*) FROM exercise_results WHERE submission_id = :id")
        return int(session.execute(query, {"id": submission_id}).scalar_one())


def submission(store: Any, submission_id: int) -> Any:
    from grader.store.submissions import received

    with store.read() as session:
        return received(session, submission_id)


class StandInGrader:
    """In place of the grading processes: counts its calls, and fails when told to."""

    def __init__(self, fail: bool = False, pause: threading.Barrier | None = None) -> None:
        self.calls = 0
        self.seeds: list[int | None] = []
        self.fail = fail
        self.pause = pause

    def grade(self, files: dict[str, str], names: list[str], seed: int | None = None) -> Any:
        from grader.records import ExerciseOutcome, GradingResult, TestOutcome

        self.calls += 1
        self.seeds.append(seed)
        if self.pause is not None:
            self.pause.wait(timeout=60)
        if self.fail:
            raise RuntimeError("a grading process stopped")
        passed = {name: (TestOutcome(f"{name}::t", "t", "passed", 18.0, 18.0),) for name in names}
        exercises = tuple(ExerciseOutcome(name, 18.0, 18.0, "passed", "", passed[name], "v1") for name in names)
        return GradingResult(exercises, {}, "v1", 0.1, files, seed)


def run(attempts: int) -> Any:
    """A job's context as procrastinate hands it to a task: `attempts` runs ended before."""
    return SimpleNamespace(job=SimpleNamespace(id=1, attempts=attempts))


@pytest.fixture
def worker(store: Any) -> Callable[..., Any]:
    from grader.course import NO_COURSE
    from grader.queue.worker import Worker

    def make(grader: StandInGrader) -> Any:
        return Worker(store, NO_COURSE, grader)  # type: ignore[arg-type]

    return make


# -- the upload and its job ----------------------------------------------------------------------


def test_an_upload_and_its_grading_job_commit_together_or_not_at_all(store: Any, queued: Any) -> None:
    first = upload(store, queued, "ada", key="k1")
    [job] = jobs(store)
    assert (job["task_name"], job["status"], job["args"]) == (
        "grade_submission",
        "todo",
        {"submission_id": first, "student": "ada"},
    )

    def stored_then_failed(session: Any, submission_id: int) -> None:
        queued.on_stored(session, submission_id)  # the job is deferred...
        raise RuntimeError("...and the transaction fails after it")

    from grader.service.uploads import Upload, receive

    with pytest.raises(RuntimeError):
        receive(store, "ada", Upload({"perceptron.py": "y = 2\n"}, None), key="k2", now=datetime.now(UTC),
                on_stored=stored_then_failed)  # fmt: skip
    assert len(jobs(store)) == 1  # neither the row nor its job
    from grader.store.submissions import submission_id_for_key

    with store.read() as session:
        assert submission_id_for_key(session, "ada", "k2") is None
    assert upload(store, queued, "ada", key="k1") == first  # the same key again: no second job
    assert len(jobs(store)) == 1


def test_a_job_delivered_twice_records_one_result(store: Any, queued: Any, worker: Callable[..., Any]) -> None:
    submission_id = upload(store, queued, "ada")
    stand_in = StandInGrader()
    graded = worker(stand_in)
    assert graded.grade_submission(run(0), submission_id, "ada") == "graded"
    assert graded.grade_submission(run(0), submission_id, "ada") == "graded"  # the same job again
    assert stand_in.calls == 1
    assert result_rows(store, submission_id) == 1


def test_a_job_run_twice_at_once_records_one_result(store: Any, queued: Any, worker: Callable[..., Any]) -> None:
    """Two workers grade the same submission at the same moment (one was taken for dead)."""
    submission_id = upload(store, queued, "ada")
    stand_in = StandInGrader(pause=threading.Barrier(2))
    graded = worker(stand_in)
    answers: list[str] = []
    runs = [threading.Thread(target=lambda: answers.append(graded.grade_submission(run(0), submission_id, "ada")))]
    runs.append(threading.Thread(target=lambda: answers.append(graded.grade_submission(run(1), submission_id, "ada"))))
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=120)
    assert stand_in.calls == 2 and answers == ["graded", "graded"]
    assert result_rows(store, submission_id) == 1
    assert submission(store, submission_id).status == "graded"


def test_three_failures_of_the_grader_make_it_not_gradable_and_cost_no_attempt(
    store: Any, queued: Any, worker: Callable[..., Any]
) -> None:
    from grader.queue.worker import RunAgain
    from grader.service.submissions import student_progress

    submission_id = upload(store, queued, "ada")
    failing = worker(StandInGrader(fail=True))
    for attempts in (0, 1):
        with pytest.raises(RunAgain):  # procrastinate runs it again
            failing.grade_submission(run(attempts), submission_id, "ada")
        assert (submission(store, submission_id).status, submission(store, submission_id).failures) == (
            "queued",
            attempts + 1,
        )
    assert failing.grade_submission(run(2), submission_id, "ada") == "not_gradable"  # the third: no more runs
    assert submission(store, submission_id).failures == 3
    assert student_progress(store, "ada").attempts == ()
    later = upload(store, queued, "ada")
    assert worker(StandInGrader()).grade_submission(run(0), later, "ada") == "graded"
    assert [a.attempt for a in student_progress(store, "ada").attempts] == [1]


def test_runs_lost_with_their_worker_count_as_failures(store: Any, queued: Any, worker: Callable[..., Any]) -> None:
    once_lost, thrice_lost = upload(store, queued, "ada"), upload(store, queued, "ben")
    stand_in = StandInGrader()
    assert worker(stand_in).grade_submission(run(1), once_lost, "ada") == "graded"
    assert submission(store, once_lost).failures == 1
    assert worker(stand_in).grade_submission(run(3), thrice_lost, "ben") == "not_gradable"
    assert stand_in.calls == 1  # the one given up on was not graded again


# -- the order of the queue --------------------------------------------------------------------


def fetch_order(store: Any) -> list[dict[str, Any]]:
    """The jobs in the order procrastinate's own fetch hands them to a worker."""
    from sqlalchemy import text

    order = []
    with store.engine.begin() as connection:
        worker_id = connection.execute(text("SELECT worker_id FROM procrastinate_register_worker_v1()")).scalar()
        while True:
            row = connection.execute(
                text("SELECT id, task_name, args FROM procrastinate_fetch_job_v2(NULL, :w)"), {"w": worker_id}
            ).one()
            if row.id is None:
                return order
            order.append({"task": row.task_name, **row.args})


def test_everyones_first_submission_goes_before_anyones_second_and_regrades_go_last(store: Any, queued: Any) -> None:
    from grader.queue.jobs import RegradeJob, defer_regrades, deferring_app

    for _ in range(50):
        upload(store, queued, "ada")
    app = deferring_app()
    store.write(lambda session: defer_regrades(app, session, [RegradeJob(1, "ada", (), "r1")]))
    ben = upload(store, queued, "ben")
    store.write(lambda session: defer_regrades(app, session, [RegradeJob(2, "ada", (), "r2")]))
    cy = upload(store, queued, "cy")

    order = fetch_order(store)
    assert len(order) == 54
    assert [job.get("submission_id") for job in order[:3]] == [1, ben, cy]  # ada's first, then ben's, cy's
    assert [job["task"] for job in order[-2:]] == ["regrade_attempt"] * 2
    assert [job["submission_id"] for job in order[3:52]] == list(range(2, 51))  # then ada's others, in order


# -- regrades through the queue ----------------------------------------------------------------


def test_a_regrade_job_delivered_twice_records_one_regrade(store: Any, worker: Callable[..., Any]) -> None:
    from sqlalchemy import text

    from grader.records import ExerciseOutcome, GradingResult, TestOutcome
    from grader.store.submissions import record_submission

    test = TestOutcome("perceptron::t", "t", "failed", 0.0, 18.0)
    result = GradingResult(
        (ExerciseOutcome("perceptron", 0.0, 18.0, "failed", "", (test,), "v0"),),
        {},
        "v0",
        0.1,
        {"perceptron.py": "x"},
        seed=2**40 + 3,
    )
    attempt, _ = store.write(lambda session: record_submission(session, "ada", "ws", result))
    grading = StandInGrader()
    regrading = worker(grading)
    first = regrading.regrade_attempt(run(0), attempt, "ada", ["perceptron"], "regrade:b1:1")
    again = regrading.regrade_attempt(run(1), attempt, "ada", ["perceptron"], "regrade:b1:1")
    assert first == again == 18.0
    assert grading.seeds == [2**40 + 3]  # graded once, with the attempt's hidden inputs
    with store.read() as session:
        regrades = session.execute(text("SELECT count(*) FROM submissions WHERE regrade_of = :a"), {"a": attempt})
        assert regrades.scalar_one() == 1


@pytest.mark.slow
@pytest.mark.sandbox
def test_grader_regrade_goes_through_the_workers_queue_and_spends_no_attempt(tmp_path: Path) -> None:
    course = queued_course(tmp_path)
    classroom = tmp_path / "class"
    for student, files in (("ada", reference_files(("perceptron",))), ("ben", {"perceptron.py": "x = 1\n"})):
        (classroom / student).mkdir(parents=True)
        for name, text in files.items():
            (classroom / student / name).write_text(text)
    grader("grade", str(classroom), "--db", course.db_url, "--jobs", "1", check=False)
    worker = start_worker(course, tmp_path / "worker.log", processes=1)
    try:
        wait_for(lambda: queue_json(course)["workers"] >= 1, "a worker alive")
        regraded = grader("regrade", "perceptron", "--db", course.db_url, "--json")
        assert "through the course's job queue" in regraded.stderr
        data = json.loads(regraded.stdout)
        scores = {r["student"]: (r["old_score"], r["new_score"], r["attempt"]) for r in data["regraded"]}
        assert scores == {"ada": (18.0, 18.0, 1), "ben": (0.0, 0.0, 1)} and data["failed"] == []
        assert "regrading attempt" in (tmp_path / "worker.log").read_text()
        state = queue_json(course)
        assert state["queue"] == "procrastinate" and state["jobs"]["succeeded"] == 2 and state["depth"] == 0
        history = json.loads(grader("report", "--db", course.db_url, "--student", "ada", "--format", "json").stdout)
        assert [len(a["regrades"]) for a in history["attempts"]] == [1]  # one attempt, its regrade beside it

        # An instructor's regrade from the class page goes to the same workers.
        from grader.server.run import open_course
        from grader.server.web import regrading

        [ada] = [r["submission_id"] for r in data["regraded"] if r["student"] == "ada"]
        served = open_course(course.folder, db_url=course.db_url)
        try:
            outcome = regrading.regrade(served, ada)
        finally:
            served.store.close()
        assert (outcome.student, outcome.attempt, outcome.old_score, outcome.new_score) == ("ada", 1, 18.0, 18.0)
        assert queue_json(course)["jobs"]["succeeded"] == 3
        history = json.loads(grader("report", "--db", course.db_url, "--student", "ada", "--format", "json").stdout)
        assert [len(a["regrades"]) for a in history["attempts"]] == [2]  # still one attempt: none spent
    finally:
        stop_group(worker)


# -- workers that die ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.sandbox
def test_a_job_held_by_a_worker_killed_with_kill_9_is_graded_by_another(tmp_path: Path) -> None:
    from grader.store import open_store

    course = queued_course(tmp_path)
    files = reference_files(("perceptron",))
    files["perceptron.py"] = SLOW_PERCEPTRON + files["perceptron.py"]
    with open_store(course.db_url) as store:
        from grader.server.queued import QueuedGrading

        grading = QueuedGrading(store)
        grading.start()
        submission_id = upload(store, grading, "ada", files=files)
        first = start_worker(course, tmp_path / "first.log", processes=1)
        try:
            wait_for(lambda: [j["status"] for j in jobs(store)] == ["doing"], "the first worker to take the job")
        finally:
            kill_group(first)  # mid-job: its heartbeat stops
        second = start_worker(course, tmp_path / "second.log", processes=1)
        try:
            wait_for(lambda: submission(store, submission_id).status == "graded", "another worker to grade it")
        finally:
            stop_group(second)
        [job] = jobs(store)
        assert (job["status"], job["attempts"]) == ("succeeded", 2)  # two runs: procrastinate counts both
        assert submission(store, submission_id).failures == 1  # the run lost with the first worker
        assert result_rows(store, submission_id) == 1
        assert "run 2" in (tmp_path / "second.log").read_text()


# -- operating it ----------------------------------------------------------------------------------


def test_grader_queue_shows_depth_the_oldest_job_and_jobs_per_state(store: Any, queued: Any, tmp_path: Path) -> None:
    for student in ("ada", "ada", "ben"):
        upload(store, queued, student)
    state = json.loads(grader("queue", "--db", POSTGRES_URL, "--json").stdout)
    assert (state["queue"], state["depth"], state["running"], state["workers"]) == ("procrastinate", 3, 0, 0)
    assert state["jobs"]["todo"] == 3 and set(state["jobs"]) >= {"todo", "doing", "succeeded", "failed"}
    assert state["waiting"] == {"submissions": 3, "regrades": 0} and state["oldest_seconds"] >= 0
    text = grader("queue", "--db", POSTGRES_URL).stdout
    assert "waiting: 3 (3 submissions)" in text

    from grader.store import open_store

    open_store(f"sqlite:///{tmp_path / 'g.db'}").close()  # a course's SQLite database, nothing queued
    embedded = json.loads(grader("queue", "--db", f"sqlite:///{tmp_path / 'g.db'}", "--json").stdout)
    assert (embedded["queue"], embedded["depth"], embedded["workers"]) == ("embedded", 0, None)


def test_the_class_page_shows_the_queues_depth_and_oldest_job(store: Any, queued: Any) -> None:
    from grader.server.web.queue import queue_state

    upload(store, queued, "ada")
    upload(store, queued, "ben")
    state = queue_state(queued)
    assert state is not None and state.depth == 2
    assert state.oldest_seconds is not None and state.oldest_seconds >= 0


def test_finished_jobs_are_pruned_and_waiting_ones_kept(store: Any, queued: Any, worker: Callable[..., Any]) -> None:
    from sqlalchemy import text

    from grader.store.jobs import prune_finished_jobs

    done, waiting = upload(store, queued, "ada"), upload(store, queued, "ben")
    worker(StandInGrader()).grade_submission(run(0), done, "ada")
    [job_id] = [job["id"] for job in jobs(store) if job["args"]["submission_id"] == done]
    finish = text("SELECT procrastinate_finish_job_v1(:id, 'succeeded', false)")
    store.write(lambda session: session.execute(finish, {"id": job_id}))
    assert store.write(lambda session: prune_finished_jobs(session, 3600)) == 0  # finished a moment ago: kept
    assert store.write(lambda session: prune_finished_jobs(session, 0)) == 1
    assert [job["args"]["submission_id"] for job in jobs(store)] == [waiting]


def test_the_queue_schema_installs_once_however_many_start_at_once() -> None:
    from sqlalchemy import text

    from grader.store import open_store
    from grader.store.jobs import ensure_queue_schema

    fresh_postgres()
    failures: list[BaseException] = []

    def start() -> None:
        try:
            with open_store(POSTGRES_URL) as opened:
                ensure_queue_schema(opened.engine)
        except BaseException as error:  # pragma: no cover - what the test looks for
            failures.append(error)

    starting = [threading.Thread(target=start) for _ in range(4)]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join(timeout=120)
    assert failures == []
    with open_store(POSTGRES_URL) as opened, opened.read() as session:
        assert session.execute(text("SELECT count(*) FROM grader_queue_schema")).scalar_one() == 1
        assert session.execute(text("SELECT count(*) FROM procrastinate_jobs")).scalar_one() == 0


def test_procrastinate_migrations_apply_in_version_order() -> None:
    from grader.store.jobs import _migrations_between

    scripts = _migrations_between((3, 0, 0), (3, 4, 0))
    assert scripts and "heartbeat" in scripts[0] + scripts[1]  # 3.1.0 first: pre, then post
    assert _migrations_between((3, 4, 0), (3, 4, 0)) == []


@pytest.mark.slow
@pytest.mark.sandbox
def test_several_server_processes_share_one_queue(tmp_path: Path) -> None:
    from tests.server.conftest import free_port

    course = queued_course(tmp_path)
    port = free_port()
    command = ["serve", "--course", str(course.folder), "--db", course.db_url, "--port", str(port), "--workers", "2"]
    log = tmp_path / "serve.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "grader", *command], stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = start_worker(course, tmp_path / "worker.log", processes=1)
    try:
        import httpx

        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _healthy(url), "the server processes to start")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {course.tokens['ada']}"}, timeout=60) as ada:
            sent = ada.post("/api/v1/submissions", json={"files": reference_files(("perceptron",))}).json()
            graded = ada.get(f"/api/v1/submissions/{sent['submission_id']}", params={"wait": 60}).json()
        assert graded["status"] == "graded" and graded["score"] == 18.0
        assert log.read_text().count("Started server process") == 2
    finally:
        stop_group(process)
        stop_group(worker)


def test_several_server_processes_or_jobs_are_refused_where_they_make_no_sense(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    grader("course", "init", str(folder))
    sqlite = grader("serve", "--course", str(folder), "--workers", "2", check=False)
    assert sqlite.returncode == 2 and "--workers above 1 needs a PostgreSQL --db" in sqlite.stderr
    fresh_postgres()
    pg = grader("serve", "--course", str(folder), "--db", POSTGRES_URL, "--jobs", "2", check=False)
    assert pg.returncode == 2 and "grader worker --processes N" in pg.stderr
    worker = grader("worker", "--course", str(folder), "--db", f"sqlite:///{tmp_path / 'g.db'}", check=False)
    assert worker.returncode == 2 and "PostgreSQL queue" in worker.stderr


# -- helpers -------------------------------------------------------------------------------------


def queued_course(tmp_path: Path) -> Course:
    """A course folder on a fresh PostgreSQL database, with ada and ben enrolled."""
    folder = tmp_path / "course"
    grader("course", "init", str(folder))
    course = Course(folder, fresh_postgres())
    roster = tmp_path / "roster.csv"
    roster.write_text("student\nada\nben\n")
    enrolled = grader("course", "enrol", str(roster), "--course", str(folder), "--db", course.db_url, "--json")
    course.tokens.update({row["student"]: row["token"] for row in json.loads(enrolled.stdout)["enrolled"]})
    return course


def queue_json(course: Course) -> dict[str, Any]:
    return dict(json.loads(grader("queue", "--db", course.db_url, "--json").stdout))


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 180.0) -> None:
    """Poll `condition` until it holds; a generous limit, for a busy machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds:.0f} s for {what}")


def _healthy(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False
