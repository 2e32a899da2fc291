"""An instructor adds a course.toml: deadlines with a late penalty, attempt limits, which score counts."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import (
    CourseSettings,
    LatePolicy,
    check_attempt,
    find_course_file,
    lateness,
    load_course,
)
from grader.errors import AttemptRefused, InputFileError
from grader.store import open_store
from grader.store.models import Submission

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def course_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_course_file_is_read_with_every_setting(tmp_path: Path) -> None:
    course = load_course(
        course_file(
            tmp_path,
            """\
        score = "latest"
        max_attempts = 3
        cooldown_minutes = 10

        [late]
        penalty_per_day = 0.1
        max_penalty = 0.5

        [deadlines]
        perceptron = 2025-03-01T23:59:00+01:00
        """,
        )
    )
    assert course.score_policy == "latest"
    assert (course.max_attempts, course.cooldown) == (3, timedelta(minutes=10))
    assert course.late == LatePolicy(0.1, 0.5)
    assert course.deadlines["perceptron"] == datetime(2025, 3, 1, 22, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "score = 'best'\nmax_attemps = 3\n",
            "2: unknown setting 'max_attemps' (known: score, max_attempts, cooldown_minutes, late, deadlines, "
            "extensions)",
        ),
        (
            "[deadlines]\nperceptron = 2025-03-01T23:59:00\n",
            "2: the deadline of perceptron must be a date and time with a time zone, e.g. 2025-03-01T23:59:00+01:00",
        ),
        (
            "[deadlines]\n\nnosuch = 2025-03-01T23:59:00Z\n",
            "3: no exercise 'nosuch' to set a deadline for",
        ),
        (
            "[late]\npenalty_per_day = 10\n",
            "2: penalty_per_day must be a share between 0 and 1 (0.1 is 10%)",
        ),
        ("max_attempts = 0\n", "1: max_attempts must be a whole number of at least 1"),
        ("score = 'best'\nmax_attempts = \n", "2: not valid TOML: Invalid value"),
        ("\ncooldown_minutes = nan\n", "2: cooldown_minutes must be a number of minutes from 0 to 525600 (a year)"),
        ("cooldown_minutes = inf\n", "1: cooldown_minutes must be a number of minutes from 0 to 525600"),
        ("cooldown_minutes = 1e300\n", "1: cooldown_minutes must be a number of minutes from 0 to 525600"),
        ("score = 'best'\nx = " + "[" * 100_000 + "]" * 100_000 + "\n", "2: brackets nested more than 100 deep"),
        ("y = " + "{a = " * 100_000 + "}" * 100_000 + "\n", "1: brackets nested more than 100 deep"),
        (
            "[deadlines]\nforward = 2025-03-01T23:59:00Z\n[extensions.ada]\nperceptron = 2025-03-08T23:59:00Z\n",
            "4: 'perceptron' has no deadline in [deadlines] to extend for ada",
        ),
        (
            '[deadlines]\nperceptron = 2025-03-01T23:59:00Z\n\n[extensions."Ada L"]\nperceptron = 2025-03-08\n',
            "5: Ada L's deadline for perceptron must be a date and time with a time zone",
        ),
        ("[extensions]\nada = 3\n", "2: [extensions] holds one table per student"),
        (
            '[deadlines]\nperceptron = 2025-03-01T23:59:00Z\n[extensions."a/b"]\nperceptron = 2025-03-08T23:59:00Z\n',
            "3: 'a/b' in [extensions] is not a usable student name",
        ),
    ],
)
def test_a_mistake_in_the_course_file_names_its_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = course_file(tmp_path, text)
    with pytest.raises(InputFileError) as error:
        load_course(path)
    assert str(error.value).startswith(f"{path}:{message}")


def test_a_course_file_with_a_mistake_stops_any_command_with_one_line_and_exit_2(tmp_path: Path, db_url: str) -> None:
    path = course_file(tmp_path, "cooldown_minutes = nan\n")
    outcome = CliRunner().invoke(main, ["report", "--db", db_url, "--course", str(path)])
    assert (outcome.exit_code, outcome.output) == (
        2,
        f"Error: {path}:1: cooldown_minutes must be a number of minutes from 0 to 525600 (a year)\n",
    )


def test_one_students_extension_moves_only_their_deadline(tmp_path: Path) -> None:
    course = load_course(
        course_file(
            tmp_path,
            """\
        [late]
        penalty_per_day = 0.1
        max_penalty = 0.5
        [deadlines]
        perceptron = 2025-03-01T23:59:00+01:00
        forward = 2025-03-01T23:59:00+01:00
        [extensions."Chloe\u0301"]
        perceptron = 2025-03-08T23:59:00+01:00
        """,
        )
    )
    a_week_late = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)
    assert lateness(course, "perceptron", a_week_late, "Chloé") is None  # the name is NFC, as students' are
    assert lateness(course, "forward", a_week_late, "Chloé").penalty == 0.5  # type: ignore[union-attr]
    assert lateness(course, "perceptron", a_week_late, "ada").days_late == 7  # type: ignore[union-attr]


def test_the_course_file_comes_from_the_option_then_the_environment_then_the_current_folder(
    tmp_path: Path,
) -> None:
    local = course_file(tmp_path, "")
    other = tmp_path / "other.toml"
    other.write_text("")
    assert find_course_file(None, {}, tmp_path) == local
    assert find_course_file(None, {"GRADER_COURSE": str(other)}, tmp_path) == other
    assert find_course_file(other, {"GRADER_COURSE": "x"}, tmp_path) == other
    assert find_course_file(None, {}, tmp_path / "elsewhere") is None
    with pytest.raises(InputFileError, match="no such course file"):
        find_course_file(tmp_path / "missing.toml", {}, tmp_path)


def test_late_work_loses_a_share_per_started_day_up_to_the_cap() -> None:
    deadline = datetime(2025, 3, 1, tzinfo=UTC)
    course = CourseSettings("c.toml", late=LatePolicy(0.2, 0.5), deadlines={"perceptron": deadline})
    assert lateness(course, "perceptron", deadline) is None
    assert lateness(course, "perceptron", deadline + timedelta(minutes=1)).penalty == 0.2  # type: ignore[union-attr]
    assert lateness(course, "perceptron", deadline + timedelta(days=1, seconds=1)).days_late == 2  # type: ignore[union-attr]
    assert lateness(course, "perceptron", deadline + timedelta(days=9)).penalty == 0.5  # type: ignore[union-attr]
    assert lateness(course, "forward", deadline + timedelta(days=9)) is None


def test_attempts_beyond_the_limit_or_inside_the_cool_down_are_refused() -> None:
    course = CourseSettings("course.toml", max_attempts=2, cooldown=timedelta(minutes=15))
    check_attempt(course, "ada", 0, None, NOW)
    check_attempt(course, "ada", 1, NOW - timedelta(minutes=15), NOW)
    with pytest.raises(
        AttemptRefused,
        match="^attempt refused: ada has used all 2 attempts that course.toml allows$",
    ):
        check_attempt(course, "ada", 2, NOW - timedelta(days=1), NOW)
    with pytest.raises(AttemptRefused, match="try again in 5 minutes$"):
        check_attempt(course, "ada", 1, NOW - timedelta(minutes=10), NOW)


def submissions(db_url: str) -> list[Submission]:
    from sqlalchemy import select

    store = open_store(db_url)
    try:
        with store.read() as session:
            return list(session.scalars(select(Submission).order_by(Submission.id)))
    finally:
        store.close()


@pytest.mark.sandbox
def test_submit_refuses_an_attempt_over_the_limit_before_grading_and_stores_nothing(
    workspace, db_url: str, tmp_path: Path
) -> None:
    folder = workspace(reference=True)
    path = course_file(tmp_path, "max_attempts = 1\n")
    args = [
        "submit",
        "perceptron",
        "--workspace",
        str(folder),
        "--student",
        "ada",
        "--db",
        db_url,
        "--course",
        str(path),
        "--json",
    ]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(main, args)
    assert (second.exit_code, second.output) == (
        2,
        "Error: attempt refused: ada has used all 1 attempt that course.toml allows\n",
    )
    [stored] = submissions(db_url)
    assert stored.settings["attempt"] == 1 and stored.settings["max_attempts"] == 1


@pytest.mark.sandbox
def test_late_submission_is_penalised_and_the_submission_records_what_was_applied(
    workspace, db_url: str, tmp_path: Path
) -> None:
    folder = workspace(reference=True)
    path = course_file(
        tmp_path,
        """\
        [late]
        penalty_per_day = 0.25
        [deadlines]
        perceptron = 2020-01-01T00:00:00Z
        """,
    )
    outcome = CliRunner().invoke(
        main,
        [
            "submit",
            "perceptron",
            "--workspace",
            str(folder),
            "--student",
            "ada",
            "--db",
            db_url,
            "--course",
            str(path),
            "--json",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    reported = json.loads(outcome.output)
    full = sum(t["max_points"] for t in reported["exercises"][0]["tests"])
    assert reported["score"] == full * 0.0  # years late: the whole score, as no cap was set
    [stored] = submissions(db_url)
    late = stored.settings["late"]["perceptron"]
    assert (late["original_score"], late["penalty"], late["score"]) == (full, 1.0, 0.0)
    assert stored.settings["course"] == str(path)
    assert "late: 100% off" in reported["exercises"][0]["message"]


@pytest.mark.sandbox
def test_without_a_course_file_nothing_is_limited_or_recorded(
    workspace, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    folder = workspace(stubs=True)
    for _ in range(2):
        CliRunner().invoke(
            main,
            [
                "submit",
                "perceptron",
                "--workspace",
                str(folder),
                "--student",
                "ada",
                "--db",
                db_url,
            ],
        )
    assert [s.settings for s in submissions(db_url)] == [{}, {}]


def test_the_course_score_policy_is_the_reports_default(tmp_path: Path, db_url: str) -> None:
    from grader.store import open_store

    path = course_file(tmp_path, "score = 'latest'\n")
    open_store(db_url).close()  # a course's database, nothing recorded in it yet
    output = CliRunner().invoke(main, ["report", "--db", db_url, "--format", "json", "--course", str(path)]).output
    assert json.loads(output)["policy"] == "latest"
