"""An instructor overrides a score, with a reason: it is kept with the attempt, counted by every
report, and shown with its reason wherever the score is."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import test_report
from test_report import T0, record, result, run

class_db = test_report.class_db  # the class of test_report, as a fixture here too

REASON = "the old suite failed a correct step; checked by hand"


@pytest.fixture
def overridden(class_db: str) -> str:
    code, output = run("override", "cy", "perceptron", "1.5", "--reason", REASON, "--db", class_db, "--json")
    assert code == 0, output
    kept = json.loads(output)
    assert {k: kept[k] for k in ("student", "exercise", "score", "graded_score", "reason", "attempt")} == {
        "student": "cy",
        "exercise": "perceptron",
        "score": 1.5,
        "graded_score": 1.0,
        "reason": REASON,
        "attempt": 1,
    }
    return class_db


def test_an_override_is_the_score_every_report_counts_with_its_reason(overridden: str) -> None:
    book = json.loads(run("report", "--db", overridden, "--format", "json")[1])["gradebook"]
    cy = next(s for s in book["students"] if s["student"] == "cy")
    assert (cy["scores"]["perceptron"], cy["total"]) == (1.5, 1.5)
    assert cy["overrides"]["perceptron"]["reason"] == REASON
    assert cy["overrides"]["perceptron"]["graded_score"] == 1.0

    table = run("report", "--db", overridden)[1]
    assert "1.5*" in table and "*: overridden by an instructor" in table
    for fmt in ("csv", "canvas", "moodle"):
        rows = list(csv.reader(io.StringIO(run("report", "--db", overridden, "--format", fmt)[1])))
        assert next(row for row in rows if "cy" in row)[rows[0].index("perceptron")] == "1.5"
    page = run("report", "--db", overridden, "--format", "html")[1]
    assert 'class="num override"' in page and REASON in page
    from grader.report.charts import histogram

    counted = [s["scores"]["perceptron"] for s in book["students"] if s["scores"].get("perceptron") is not None]
    maximum = next(c["max_score"] for c in book["columns"] if c["key"] == "perceptron")
    assert histogram("perceptron", counted, maximum) in page  # the chart counts cy's 1.5 too

    history = run("report", "--db", overridden, "--student", "cy")[1]
    assert f"override  {T0:%Y-%m-%d}" not in history  # made now, not when the attempt was
    assert f"perceptron: 1.5 (graded 1), reason: {REASON}" in history
    [attempt] = json.loads(run("report", "--db", overridden, "--student", "cy", "--format", "json")[1])["attempts"]
    assert [o["score"] for o in attempt["overrides"]] == [1.5]


def test_an_override_stands_whatever_the_student_does_after_it(overridden: str) -> None:
    record(overridden, "cy", result(perceptron={"sum": "passed", "step": "passed"}), T0 + timedelta(days=1))
    book = json.loads(run("report", "--db", overridden, "--format", "json")[1])["gradebook"]
    assert next(s for s in book["students"] if s["student"] == "cy")["scores"]["perceptron"] == 1.5
    assert run("override", "cy", "perceptron", "2", "--reason", "resubmitted fixed", "--db", overridden)[0] == 0
    book = json.loads(run("report", "--db", overridden, "--format", "json")[1])["gradebook"]
    assert next(s for s in book["students"] if s["student"] == "cy")["scores"]["perceptron"] == 2.0
    history = json.loads(run("report", "--db", overridden, "--student", "cy", "--format", "json")[1])
    assert [o["score"] for a in history["attempts"] for o in a["overrides"]] == [1.5, 2.0]  # none is lost


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["zed", "perceptron", "1"], "zed has no attempt at perceptron to override"),
        (["cy", "forward", "1"], "cy has no attempt at forward to override"),
        (
            ["cy", "nosuch", "1"],
            "unknown exercise 'nosuch'; known exercises: perceptron, activations, forward, backprop",
        ),
        (["cy", "perceptron", "3"], "perceptron is worth 2 points; 3 is more than that"),
        (["cy", "perceptron", "nan"], "the score must be a number of points, 0 or more, not nan"),
        (["--", "cy", "perceptron", "-1"], "the score must be a number of points, 0 or more, not -1"),
        (["--reason", " ", "cy", "perceptron", "1"], "--reason must say why the score is overridden"),
    ],
)
def test_an_override_that_cannot_be_kept_is_one_line_and_nothing_is_stored(
    class_db: str, args: list[str], message: str
) -> None:
    reason = [] if "--reason" in args else ["--reason", "why"]
    assert run("override", "--db", class_db, *reason, *args) == (2, f"Error: {message}\n")
    book = json.loads(run("report", "--db", class_db, "--format", "json")[1])["gradebook"]
    assert all(s["overrides"] == {} for s in book["students"])
