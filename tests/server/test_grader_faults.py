"""When the grader itself keeps failing on an upload, the student is not the one who pays."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.course import load_course
from grader.records import GradingResult
from grader.service.submissions import student_progress
from grader.service.uploads import GRADER_FAILURES_ALLOWED, Upload, grade_received, receive
from grader.store import open_store
from grader.store.reports import attempts_so_far
from grader.store.submissions import graded_outcome, received
from tests.web.conftest import canned_result


class GradingMachineLost(Exception):
    """Stands in for a grader fault: a grading process killed, a worker's machine gone."""


def broken_grader(files: dict[str, str], names: list[str], submission_id: int) -> GradingResult:
    raise GradingMachineLost(f"lost while grading #{submission_id}")


def test_an_upload_the_grader_fails_three_times_is_not_gradable_and_costs_no_attempt(tmp_path: Path) -> None:
    rules = tmp_path / "course.toml"
    rules.write_text("max_attempts = 1\n")
    course = load_course(rules)
    with open_store(f"sqlite:///{tmp_path / 'course.db'}") as store:
        upload = Upload({"perceptron.py": "# pass\n"}, None)
        first, _ = receive(store, "ada", upload, key=None, course=course, now=datetime.now(UTC))

        statuses = []
        for _ in range(GRADER_FAILURES_ALLOWED):
            with pytest.raises(GradingMachineLost):
                grade_received(store, first, broken_grader, course)
            with store.read() as session:
                found = received(session, first)
                assert found is not None
                statuses.append(found.status)
        assert statuses == ["queued"] * (GRADER_FAILURES_ALLOWED - 1) + ["not_gradable"]
        assert grade_received(store, first, broken_grader, course) == "not_gradable"  # never graded again

        # the one attempt allowed is still ada's: her next upload is taken and is attempt 1
        second, new = receive(store, "ada", upload, key=None, course=course, now=datetime.now(UTC))
        assert new
        assert grade_received(store, second, lambda files, names, _: canned_result(files, names), course) == "graded"
        with store.read() as session:
            assert attempts_so_far(session, "ada")[0] == 1
            outcome = graded_outcome(session, second)
            assert outcome is not None and outcome.attempt == 1  # what `grader submit` prints
        assert [a.attempt for a in student_progress(store, "ada").attempts] == [1]
