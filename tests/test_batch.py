"""An instructor grades a whole class in one command: one folder per student, named after them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.service.batch import grade_class
from grader.service.submissions import submit_workspace
from grader.store import open_store
from grader.store.submissions import student_attempts

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


@pytest.fixture
def classroom(tmp_path: Path, workspace) -> Path:  # type: ignore[no-untyped-def]
    """ada handed in the reference, ben the untouched stubs, cy a perceptron whose step is wrong."""
    root = tmp_path / "class"
    root.mkdir()
    shutil.copytree(workspace(reference=True), root / "ada")
    shutil.copytree(workspace(stubs=True), tmp_path / "stubs")
    shutil.move(tmp_path / "stubs", root / "ben")
    shutil.copytree(root / "ada", root / "cy")
    step = (root / "cy" / "perceptron.py").read_text().replace("def step(", "def _step(", 1)
    (root / "cy" / "perceptron.py").write_text(step + "\n\ndef step(z, threshold=0.0):\n    return 1\n")
    return root


def recorded(db_url: str, student: str) -> list[tuple[str, str, str]]:
    store = open_store(db_url)
    try:
        with store.read() as session:
            [attempt] = student_attempts(session, student)
    finally:
        store.close()
    return [(e.name, t.name, t.outcome) for e in attempt.exercises for t in e.tests]


def test_each_student_is_graded_and_recorded_exactly_as_if_they_had_submitted(classroom: Path, tmp_path: Path) -> None:
    batch_db, submit_db = f"sqlite:///{tmp_path}/batch.db", f"sqlite:///{tmp_path}/submit.db"
    seen: list[str] = []
    with open_store(batch_db) as store:
        result = grade_class(store, classroom, jobs=2, on_progress=lambda done, total, s: seen.append(s))
    assert result.failed == ()
    assert sorted(seen) == ["ada", "ben", "cy"]
    scores = {s.student: (s.score, s.max_score) for s in result.students}
    assert scores["ada"][0] == scores["ada"][1] > scores["cy"][0] > scores["ben"][0] == 0
    for student in ("ada", "ben", "cy"):
        with open_store(submit_db) as store:
            alone = submit_workspace(store, classroom / student, student=student)
        assert (alone.result.score, alone.result.max_score) == scores[student]
        assert recorded(batch_db, student) == recorded(submit_db, student)


def test_folders_that_cannot_be_graded_are_reported_per_student_and_the_rest_is_graded(
    classroom: Path, db_url: str
) -> None:
    (classroom / "dee").mkdir()
    (classroom / "eve").mkdir()
    (classroom / "eve" / "notes.txt").write_text("my answers are on paper")
    (classroom / "fay.zip").write_text("not unpacked")
    (classroom / "gus\tbad").mkdir()
    (classroom / "gus\tbad" / "perceptron.py").write_text("")
    shutil.rmtree(classroom / "ben")
    outcome = CliRunner().invoke(main, ["grade", str(classroom), "--db", db_url, "--jobs", "1", "--json"])
    assert outcome.exit_code == 1, outcome.output
    report = json.loads(outcome.output)
    assert report["graded"] == 2
    assert [s["student"] for s in report["students"]] == ["ada", "cy"]
    assert {"student", "submission_id", "score", "max_score"} == set(report["students"][0])
    assert report["failed"] == [
        {"student": "dee", "reason": "no Python files in the folder"},
        {"student": "eve", "reason": "no Python files in the folder"},
        {"student": "fay.zip", "reason": "a file, not a student folder"},
        {
            "student": "gus\tbad",
            "reason": "the student name 'gus\\tbad' has a slash or an unprintable character",
        },
    ]


def test_a_student_whose_code_hangs_or_kills_itself_does_not_stop_the_batch(
    classroom: Path, db_url: str, quick_limits
) -> None:  # type: ignore[no-untyped-def]
    for name, source in {
        "hal": "while True:\n    pass\n",
        "ivy": "import os\nos._exit(3)\n",
    }.items():
        (classroom / name).mkdir()
        (classroom / name / "perceptron.py").write_text(source)
    with open_store(db_url) as store:
        result = grade_class(store, classroom, limits=quick_limits)
    assert result.failed == ()
    scores = {s.student: s.score for s in result.students}
    assert scores["hal"] == scores["ivy"] == 0
    assert scores["ada"] > scores["cy"] > 0


def test_an_empty_class_grades_nobody_and_a_missing_folder_is_bad_input(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "empty").mkdir()
    outcome = CliRunner().invoke(main, ["grade", str(tmp_path / "empty"), "--db", db_url, "--json"])
    assert (outcome.exit_code, json.loads(outcome.output)) == (
        0,
        {"graded": 0, "failed": [], "students": []},
    )
    missing = CliRunner().invoke(main, ["grade", str(tmp_path / "nope"), "--db", db_url])
    assert (missing.exit_code, missing.output) == (
        2,
        f"Error: {tmp_path / 'nope'}: no such folder of student submissions\n",
    )


def test_the_course_files_attempt_limit_applies_to_grade_too(classroom: Path, db_url: str, tmp_path: Path) -> None:
    course = tmp_path / "course.toml"
    course.write_text("max_attempts = 1\n")
    args = ["grade", str(classroom), "--db", db_url, "--jobs", "1", "--course", str(course), "--json"]
    first = json.loads(CliRunner().invoke(main, args).output)
    assert (first["graded"], first["failed"]) == (3, [])
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1
    refused = json.loads(again.output)
    assert refused["graded"] == 0
    assert [f["student"] for f in refused["failed"]] == ["ada", "ben", "cy"]
    assert all(f["reason"].startswith("attempt refused: ") for f in refused["failed"])
