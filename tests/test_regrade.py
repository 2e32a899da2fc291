"""After a suite or reference change, an instructor regrades the stored snapshots: no attempt is
spent, the old result stays in history beside the new one, and reports count the new one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from grader.cli import main
from grader.grading.plan import max_points
from grader.service.regrade import regrade_submission
from grader.store import open_store
from grader.store.models import ExerciseResult, Submission

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def run(*args: str) -> tuple[int, str]:
    outcome = CliRunner().invoke(main, list(args))
    return outcome.exit_code, outcome.output


@pytest.fixture
def graded_class(tmp_path: Path, workspace, db_url: str) -> Path:  # type: ignore[no-untyped-def]
    """ada handed in the reference perceptron and ben the stub, graded under `max_attempts = 1`;
    then the old suite is found to have marked ada's perceptron wrong (her stored score is 3)."""
    root = tmp_path / "class"
    for student, kind in (("ada", "reference"), ("ben", "stubs")):
        (root / student).mkdir(parents=True)
        shutil.copy(workspace(**{kind: True}) / "perceptron.py", root / student / "perceptron.py")
    course = tmp_path / "course.toml"
    course.write_text("max_attempts = 1\n")
    code, output = run("grade", str(root), "--db", db_url, "--course", str(course), "--jobs", "1")
    assert code == 0, output
    with open_store(db_url) as store:
        store.write(
            lambda session: session.execute(
                update(ExerciseResult)
                .where(ExerciseResult.exercise == "perceptron", ExerciseResult.score == 18)
                # the "old suite" gave ada 3 of 18
                .values(score=3.0)
            )
        )
    shutil.copy(workspace(stubs=True) / "perceptron.py", root / "ada" / "perceptron.py")  # her folder changed since
    return course


def gradebook(db_url: str) -> dict[str, float]:
    code, output = run("report", "--db", db_url, "--format", "json")
    assert code == 0, output
    return {s["student"]: s["scores"]["perceptron"] for s in json.loads(output)["gradebook"]["students"]}


def test_regrade_grades_the_stored_snapshot_again_without_spending_an_attempt(graded_class: Path, db_url: str) -> None:
    assert gradebook(db_url) == {"ada": 3.0, "ben": 0.0}
    code, output = run("regrade", "--db", db_url, "--course", str(graded_class), "--jobs", "1", "--json")
    assert code == 0, output
    regraded = {r["student"]: r for r in json.loads(output)["regraded"]}
    assert (regraded["ada"]["old_score"], regraded["ada"]["new_score"], regraded["ada"]["attempt"]) == (3.0, 18.0, 1)
    assert list(regraded["ada"]) == [
        "submission_id",
        "regrade_id",
        "student",
        "attempt",
        "exercises",
        "old_score",
        "new_score",
        "max_score",
    ]
    # the snapshot was graded, not ada's folder (which now holds the stub)
    assert gradebook(db_url) == {"ada": 18.0, "ben": 0.0}

    history = json.loads(run("report", "--db", db_url, "--student", "ada", "--format", "json")[1])
    [attempt] = history["attempts"]  # still one attempt: the regrade is beside it
    assert attempt["exercises"][0]["score"] == 3.0  # the old result stays
    assert [r["exercises"][0]["score"] for r in attempt["regrades"]] == [18.0]
    text = run("report", "--db", db_url, "--student", "ada")[1]
    full = sum(max_points().values())
    assert f"score 18/{full:g} for perceptron, activations, forward, backprop; this counts now" in text
    progress = json.loads(run("progress", "--student", "ada", "--db", db_url, "--json")[1])
    assert (len(progress["attempts"]), progress["exercises"][0]["best"]) == (1, 18.0)

    # the course's one attempt is still the only one: a new grade is refused, a regrade is not
    again = run("regrade", "perceptron", "--student", "ada", "--db", db_url, "--course", str(graded_class))
    assert again[0] == 0 and again[1].startswith("Regraded 1 of 1 attempt; no attempt was spent.")


def test_regrading_one_submission_is_a_unit_a_job_queue_can_run(graded_class: Path, db_url: str) -> None:
    with open_store(db_url) as store:
        with store.read() as session:
            ada = session.scalars(select(Submission.id).where(Submission.regrade_of.is_(None))).first()
        assert ada is not None
        first = regrade_submission(store, ada)
        second = regrade_submission(store, first.regrade_id)  # a regrade's id leads to its attempt
    assert (first.submission_id, second.submission_id) == (ada, ada)
    assert (first.old_score, first.new_score, second.old_score) == (3.0, 18.0, 18.0)
    assert second.regrade_id > first.regrade_id
    assert gradebook(db_url)["ada"] == 18.0


def test_regrade_of_nothing_or_an_unknown_exercise_is_bad_input(graded_class: Path, db_url: str) -> None:
    assert run("regrade", "--db", db_url, "--student", "zed") == (
        2,
        "Error: no attempts of zed in the database to regrade\n",
    )
    code, output = run("regrade", "nosuch", "--db", db_url)
    assert (code, output.startswith("Error: unknown exercise 'nosuch'")) == (2, True)


def test_a_regrade_applies_an_extension_granted_since(tmp_path: Path, workspace, db_url: str) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "class"
    (root / "ada").mkdir(parents=True)
    shutil.copy(workspace(reference=True) / "perceptron.py", root / "ada" / "perceptron.py")
    course = tmp_path / "course.toml"
    rules = "[late]\npenalty_per_day = 0.5\n[deadlines]\nperceptron = 2025-03-01T00:00:00Z\n"
    course.write_text(rules)
    late = ["--submitted-at", "2025-03-01T12:00:00Z"]
    assert run("grade", str(root), "--db", db_url, "--course", str(course), *late)[0] == 0
    assert gradebook(db_url) == {"ada": 9.0}
    course.write_text(rules + "[extensions.ada]\nperceptron = 2025-03-02T00:00:00Z\n")
    code, output = run("regrade", "--db", db_url, "--course", str(course), "--json")
    assert code == 0, output
    assert gradebook(db_url) == {"ada": 18.0}  # the hand-in time recorded at grading, the deadline of now
