"""An instructor grades a whole class in one command: one folder per student, named after them."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
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
    assert {"student", "submission_id", "score", "max_score", "folder"} == set(report["students"][0])
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


def test_an_empty_class_or_a_missing_folder_is_bad_input(tmp_path: Path, db_url: str) -> None:
    empty = tmp_path / "empty"
    (empty / "__MACOSX").mkdir(parents=True)
    (empty / ".DS_Store").write_text("")
    outcome = CliRunner().invoke(main, ["grade", str(empty), "--db", db_url, "--json"])
    assert (outcome.exit_code, outcome.output) == (
        2,
        f"Error: {empty}: no student folders to grade (hidden folders and archive debris such as __MACOSX "
        "are skipped)\n",
    )
    missing = CliRunner().invoke(main, ["grade", str(tmp_path / "nope"), "--db", db_url])
    assert (missing.exit_code, missing.output) == (
        2,
        f"Error: {tmp_path / 'nope'}: no such folder of student submissions (one subfolder per student)\n",
    )
    a_file = tmp_path / "perceptron.py"
    a_file.write_text("x = 1\n")
    given_a_file = CliRunner().invoke(main, ["grade", str(a_file), "--db", db_url])
    assert (given_a_file.exit_code, given_a_file.output) == (
        2,
        f"Error: {a_file}: a file, not a folder of student submissions (one subfolder per student)\n",
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


def graded(db_url: str) -> dict[str, float]:
    """Every recorded attempt's score, by student."""
    store = open_store(db_url)
    try:
        with store.read() as session:
            from grader.store.reports import student_names

            return {
                name: attempt.score for name in student_names(session) for attempt in student_attempts(session, name)
            }
    finally:
        store.close()


def test_two_folders_that_are_the_same_student_are_one_error_and_neither_is_recorded(
    classroom: Path, db_url: str
) -> None:
    shutil.move(classroom / "ben", classroom / "ada ")  # the stubs, beside ada's reference: a trailing space
    nfd = "chloe\u0301"  # chloé with a combining accent, beside a precomposed one
    shutil.copytree(classroom / "ada", classroom / nfd)
    shutil.copytree(classroom / "cy", classroom / "chlo\u00e9")
    outcome = CliRunner().invoke(main, ["grade", str(classroom), "--db", db_url, "--jobs", "1", "--json"])
    assert outcome.exit_code == 1
    report = json.loads(outcome.output)
    assert [s["student"] for s in report["students"]] == ["cy"]
    assert [f["student"] for f in report["failed"]] == ["ada", "chlo\u00e9"]
    assert report["failed"][0]["reason"].startswith("2 folders are this one student ('ada', 'ada '): ")
    assert set(graded(db_url)) == {"cy"}  # nothing silently dropped, nothing half-recorded


def test_late_penalties_come_from_the_instructors_times_never_from_file_times(
    tmp_path: Path, workspace, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    reference = workspace(reference=True)
    root = tmp_path / "class"
    for student in ("ada", "ben"):
        (root / student).mkdir(parents=True)
        shutil.copy(reference / "perceptron.py", root / student / "perceptron.py")
    long_ago = datetime(2019, 1, 1, tzinfo=UTC).timestamp()
    os.utime(root / "ben" / "perceptron.py", (long_ago, long_ago))  # ben back-dates his late copy
    course = tmp_path / "course.toml"
    course.write_text("[late]\npenalty_per_day = 0.5\n[deadlines]\nperceptron = 2020-01-01T00:00:00Z\n")
    grade = ["grade", str(root), "--course", str(course), "--jobs", "1", "--json"]

    notes: list[str] = []

    def scores(db: str, *extra: str) -> dict[str, float]:
        outcome = CliRunner().invoke(main, [*grade, "--db", db, *extra])
        assert outcome.exit_code == 0, outcome.output
        notes.append(outcome.stderr)
        return {s["student"]: s["score"] for s in json.loads(outcome.stdout)["students"]}

    assert scores(f"{db_url}-none") == {"ada": 18.0, "ben": 18.0}  # no hand-in time given: no penalty at all
    assert notes == [
        "note: no late penalty applies: give --submitted-at or --times for one (file times are not used)\n"
    ]
    assert scores(f"{db_url}-all", "--submitted-at", "2020-01-01T12:00:00+00:00") == {"ada": 9.0, "ben": 9.0}
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at\nada,2019-12-31T23:00:00Z\nben,2020-01-03T00:00:01Z\n")
    assert scores(f"{db_url}-each", "--times", str(times)) == {"ada": 18.0, "ben": 0.0}

    times.write_text("student,submitted_at\nada,2019-12-31T23:00:00Z\n")
    outcome = CliRunner().invoke(main, [*grade, "--db", f"{db_url}-missing", "--times", str(times)])
    assert outcome.exit_code == 1
    assert json.loads(outcome.stdout)["failed"] == [
        {"student": "ben", "reason": f"not in the times file {times}, and no --submitted-at was given for the rest"}
    ]
    times.write_text("student,submitted_at\nada,yesterday\n")
    outcome = CliRunner().invoke(main, [*grade, "--db", db_url, "--times", str(times)])
    assert (outcome.exit_code, outcome.output) == (
        2,
        f"Error: {times}:2: submitted_at must be a date and time with a time zone, e.g. 2025-03-01T23:59:00+01:00, "
        "not 'yesterday'\n",
    )


def test_a_file_name_that_is_not_utf8_is_that_students_error_and_the_class_is_still_recorded(
    classroom: Path, db_url: str
) -> None:
    (classroom / "ben").joinpath(os.fsdecode(b"notes\xff.py")).write_text("x = 1\n")
    outcome = CliRunner().invoke(main, ["grade", str(classroom), "--db", db_url, "--jobs", "1", "--json"])
    assert outcome.exit_code == 1, outcome.output
    report = json.loads(outcome.output)
    assert report["failed"] == [
        {"student": "ben", "reason": "the file name 'notes\\\\xff.py' is not UTF-8 text: rename it"}
    ]
    assert set(graded(db_url)) == {"ada", "cy"}


def test_archive_debris_is_skipped_and_files_in_one_subfolder_are_found(classroom: Path, db_url: str) -> None:
    (classroom / "__MACOSX" / "ada").mkdir(parents=True)
    (classroom / "__MACOSX" / "ada" / "._perceptron.py").write_text("\0\0")
    nested = classroom / "dee" / "hw1" / "exercises"
    shutil.copytree(classroom / "ada", nested)
    (classroom / "dee" / "__MACOSX" / "hw1").mkdir(parents=True)
    (classroom / "dee" / "__MACOSX" / "hw1" / "._perceptron.py").write_text("\0\0")
    for twice in ("a", "b"):
        shutil.copytree(classroom / "cy", classroom / "eve" / twice)
    outcome = CliRunner().invoke(main, ["grade", str(classroom), "--db", db_url, "--jobs", "2"])
    assert outcome.exit_code == 1
    lines = outcome.output.splitlines()
    assert lines[0] == "Graded 4 of 5 students."
    assert lines[2:] == [
        "Graded from a subfolder (1):",
        "  dee: hw1/exercises",
        "Not graded (1):",
        "  eve: no Python files in the folder itself, and several subfolders have some (a, b)",
    ]
    scores = graded(db_url)
    assert scores["dee"] == scores["ada"] > 0 and "__MACOSX" not in scores


def test_students_graded_who_are_not_on_the_roster_are_listed(classroom: Path, db_url: str) -> None:
    """A folder named with a typo is graded as a new student: the instructor is told which."""
    from grader.service.enrolment import RosterEntry, enrol

    with open_store(db_url) as store:
        enrol(store, [RosterEntry("ada"), RosterEntry("ben")], "student")
        enrol(store, [RosterEntry("cy")], "ta")  # a TA's folder is no student's either
        result = grade_class(store, classroom, jobs=1)
    assert [s.student for s in result.students] == ["ada", "ben", "cy"] and result.not_enrolled == ("cy",)
    output = CliRunner().invoke(main, ["grade", str(classroom), "--db", db_url, "--json"]).output
    assert json.loads(output)["not_enrolled"] == ["cy"]
    text = CliRunner().invoke(main, ["grade", str(classroom), "--db", db_url]).output
    assert "Graded, but not on the course's roster (1): a misnamed folder?\n  cy\n" in text


def test_without_a_roster_nobody_is_listed_as_not_enrolled(classroom: Path, db_url: str) -> None:
    with open_store(db_url) as store:
        assert grade_class(store, classroom, jobs=1).not_enrolled == ()
