"""An instructor reviews the class: the gradebook, where students struggle, one student's history.

The database is filled with recorded results directly (no sandbox needed), the way
`grader submit` and `grader grade` record them.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.plan import max_points
from grader.records import ExerciseOutcome, GradingResult, TestOutcome
from grader.store import open_store
from grader.store.submissions import record_submission

QUIZZES = Path(__file__).resolve().parent.parent / "quizzes"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def result(**exercises: dict[str, str]) -> GradingResult:
    """A graded workspace: exercise -> {test name: "passed" or a failure message}; 1 point a test."""
    outcomes = []
    for name, tests in exercises.items():
        records = tuple(
            TestOutcome(
                f"{name}::{test}",
                test.replace("_", " "),
                "passed" if verdict == "passed" else "failed",
                1.0 if verdict == "passed" else 0.0,
                1.0,
                "" if verdict == "passed" else verdict,
            )
            for test, verdict in tests.items()
        )
        score = sum(t.points for t in records)
        status = "passed" if score == len(records) else "failed"
        outcomes.append(ExerciseOutcome(name, score, float(len(records)), status, "", records, "v1"))
    return GradingResult(
        tuple(outcomes),
        {"level": "full"},
        "v1",
        0.1,
        {"perceptron.py": "def step(z):\n    return 1\n"},
    )


def record(db_url: str, student: str, graded: GradingResult, at: datetime) -> int:
    store = open_store(db_url)
    try:

        def work(session):  # type: ignore[no-untyped-def]
            submission_id, _ = record_submission(session, student, "/ws", graded)
            from grader.store.models import Submission

            session.get(Submission, submission_id).created_at = at
            return submission_id

        return store.write(work)
    finally:
        store.close()


WRONG_SIGN = "perceptron.step(0.4)\n  expected: 1\n  got:      0\n  expected 1, got 0\nlesson: Step 3"


@pytest.fixture
def class_db(db_url: str) -> str:
    """Ada finished; Ben improved then slipped; Cy never got `step` right."""
    record(db_url, "ada", result(perceptron={"sum": "passed", "step": "passed"}), T0)
    record(
        db_url,
        "ben",
        result(perceptron={"sum": "passed", "step": "passed"}),
        T0 + timedelta(hours=1),
    )
    record(
        db_url,
        "ben",
        result(perceptron={"sum": "passed", "step": WRONG_SIGN}),
        T0 + timedelta(hours=2),
    )
    record(
        db_url,
        "cy",
        result(perceptron={"sum": "passed", "step": WRONG_SIGN.replace("0.4", "0.9")}),
        T0 + timedelta(hours=3),
    )
    return db_url


def run(*args: str) -> tuple[int, str]:
    outcome = CliRunner().invoke(main, list(args))
    return outcome.exit_code, outcome.output


def test_gradebook_counts_each_students_best_attempt_by_default_and_latest_on_request(
    class_db: str,
) -> None:
    code, output = run("report", "--db", class_db, "--format", "json")
    assert code == 0
    book = json.loads(output)["gradebook"]
    assert book["policy"] == "best"
    assert [(s["student"], s["scores"]["perceptron"], s["scores"]["forward"]) for s in book["students"]] == [
        ("ada", 2.0, None),
        ("ben", 2.0, None),
        ("cy", 1.0, None),
    ]
    assert not any(s["done"] for s in book["students"])  # done is every exercise of the course at full marks

    latest = json.loads(run("report", "--db", class_db, "--format", "json", "--policy", "latest")[1])
    assert [s["total"] for s in latest["gradebook"]["students"]] == [2.0, 1.0, 1.0]


def test_gradebook_csv_has_a_header_and_one_row_per_student_for_an_lms_import(
    class_db: str,
) -> None:
    code, output = run("report", "--db", class_db, "--format", "csv", "--quizzes", str(QUIZZES))
    assert code == 0
    rows = list(csv.reader(io.StringIO(output)))
    quizzes = sorted(p.stem for p in QUIZZES.glob("*.md") if p.name != "README.md")
    # every exercise and quiz of the course has its column, whether or not anyone handed it in
    assert rows[0] == [
        "student",
        "perceptron",
        "activations",
        "forward",
        "backprop",
        *(f"quiz {q}" for q in quizzes),
        "total",
    ]
    blanks = [""] * (3 + len(quizzes))
    assert rows[1:] == [["ada", "2", *blanks, "2"], ["ben", "2", *blanks, "2"], ["cy", "1", *blanks, "1"]]


def test_a_student_name_that_looks_like_a_formula_is_not_run_by_the_spreadsheet(
    db_url: str,
) -> None:
    record(db_url, "=HYPERLINK(1)", result(perceptron={"sum": "passed"}), T0)
    record(db_url, "x;=1", result(perceptron={"sum": "passed"}), T0)  # a ;-separated spreadsheet splits it
    output = run("report", "--db", db_url, "--format", "csv")[1]
    names = [row[0] for row in list(csv.reader(io.StringIO(output)))[1:]]
    assert names == ["'=HYPERLINK(1)", "x;'=1"]
    semicolons = [cell for line in output.splitlines()[1:] for cell in line.split(";")]
    assert not [cell for cell in semicolons if cell.startswith(("=", "+", "-", "@"))]


def test_where_students_struggle_counts_students_failing_each_test_and_groups_their_messages(
    class_db: str,
) -> None:
    report = json.loads(run("report", "--db", class_db, "--format", "json", "--policy", "latest")[1])
    [exercise] = report["exercises"]
    assert (exercise["exercise"], exercise["students"], exercise["failing"]) == ("perceptron", 3, 2)
    step = next(t for t in exercise["tests"] if t["id"] == "perceptron::step")
    assert (step["failing"], step["students"], step["share_failing"]) == (2, 3, 0.6667)
    # the same mistake on different inputs is one message, told by its call and its difference
    assert step["messages"] == [{"message": "perceptron.step(…): expected 1, got 0", "students": 2}]


def test_table_output_lines_up_the_gradebook_and_lists_the_most_failed_tests(class_db: str) -> None:
    every = {name: {"works": "passed"} for name in ("perceptron", "activations", "forward", "backprop")}
    record(class_db, "dot", result(**every), T0)
    code, output = run("report", "--db", class_db)
    assert code == 0
    lines = output.splitlines()
    header = next(line for line in lines if "perceptron" in line)
    end = header.index("perceptron") + len("perceptron")  # columns of numbers are right-aligned
    rows = {line.split()[0]: line for line in lines if line.strip().startswith(("ada", "ben", "cy", "dot"))}
    assert [rows[name][end - 1] for name in ("ada", "ben", "cy")] == ["2", "2", "1"]
    assert rows["dot"].rstrip().endswith("✓") and not rows["ada"].rstrip().endswith("✓")  # every exercise done
    assert "Most failed hidden tests" in output
    assert "perceptron: step" in output and "1/3 (33%)" in output


def test_quiz_scores_and_item_statistics_join_the_report(db_url: str) -> None:
    from grader.quiz.bank import load_bank
    from grader.service.quizzes import submit_attempt

    quiz = load_bank([QUIZZES])[0]
    first = quiz.questions[0]
    right = [o.key for o in first.options if o.correct]
    wrong = [o.key for o in first.options if not o.correct][:1]
    store = open_store(db_url)
    try:
        submit_attempt(store, quiz, "ada", {first.id: right}, at=T0)
        submit_attempt(store, quiz, "ben", {first.id: wrong}, at=T0)
    finally:
        store.close()
    report = json.loads(run("report", "--db", db_url, "--format", "json")[1])
    scores = {s["student"]: s["scores"][f"quiz:{quiz.id}"] for s in report["gradebook"]["students"]}
    assert scores["ada"] > scores["ben"]
    [stats] = report["quizzes"]
    item = stats["questions"][0]
    assert (item["id"], item["answered"], item["facility"]) == (first.id, 2, 0.5)
    assert sum(o["chosen"] for o in item["options"] if not o["correct"]) == 1


def test_a_students_history_shows_every_attempt_with_feedback_and_its_source(class_db: str) -> None:
    code, output = run("report", "--db", class_db, "--student", "ben")
    assert code == 0
    assert output.startswith("ben: 2 attempts")
    assert "✗ step" in output and "expected 1, got 0" in output
    attempt = json.loads(run("report", "--db", class_db, "--student", "ben", "--format", "json")[1])["attempts"][1]
    source = ["report", "--db", class_db, "--source", str(attempt["submission_id"]), "--file", "perceptron.py"]
    assert run(*source, "--raw") == (0, "def step(z):\n    return 1\n")
    # without --raw the file comes under a header (a Python comment) saying whose it is
    assert run(*source) == (
        0,
        f"# submission #{attempt['submission_id']}: attempt 2 of ben, 2025-03-01 14:00 UTC\n"
        "def step(z):\n    return 1\n",
    )


def test_unknown_student_or_submission_is_bad_input(class_db: str) -> None:
    assert run("report", "--db", class_db, "--student", "zed") == (
        2,
        "Error: no submissions or quiz attempts from 'zed' in the database\n",
    )
    assert run("report", "--db", class_db, "--source", "99") == (
        2,
        "Error: no submission #99 in the database\n",
    )


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _headless(*args: str) -> subprocess.CompletedProcess[str]:
    browser = _chromium()
    assert browser is not None
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="no chromium binary (CI: apt-get install -y chromium)")
def test_html_report_renders_offline_in_a_real_browser_with_gradebook_and_charts(class_db: str, tmp_path: Path) -> None:
    record(
        class_db,
        "<script>alert(1)</script>",
        result(perceptron={"sum": WRONG_SIGN, "step": "passed"}),
        T0,
    )
    page = tmp_path / "report.html"
    code, _ = run("report", "--db", class_db, "--format", "html", "--output", str(page))
    assert code == 0
    html = page.read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html

    dom = _headless("--dump-dom", page.as_uri()).stdout
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.cells: list[str] = []
            self._in_cell = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            self._in_cell = tag == "td"

        def handle_data(self, data: str) -> None:
            if self._in_cell and data.strip():
                self.cells.append(data.strip())
                self._in_cell = False

    reader = Reader()
    reader.feed(dom)
    assert "script" not in reader.tags  # the student's name stayed text
    assert "<script>alert(1)</script>" in reader.cells
    assert {"ada", "ben", "cy"} <= set(reader.cells)
    assert reader.tags.count("svg") == 2  # one score distribution, and the most failed tests
    assert reader.tags.count("rect") >= 6

    shot = tmp_path / "report.png"
    _headless("--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_canvas_and_moodle_read_their_own_import_formats_with_every_column_of_the_course(class_db: str) -> None:
    record(class_db, "=HYPERLINK(1)", result(perceptron={"sum": "passed"}), T0)
    quizzes = sorted(p.stem for p in QUIZZES.glob("*.md") if p.name != "README.md")
    items = ["perceptron", "activations", "forward", "backprop", *(f"quiz {q}" for q in quizzes)]

    code, output = run("report", "--db", class_db, "--format", "canvas", "--quizzes", str(QUIZZES))
    assert code == 0
    canvas = list(csv.reader(io.StringIO(output)))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *items]
    points_possible = canvas[1]
    assert points_possible[:5] == ["    Points Possible", "", "", "", ""]
    assert points_possible[5:9] == [
        "2",
        *(f"{max_points()[n]:g}" for n in ("activations", "forward", "backprop")),
    ]  # the rest from the suites
    assert all(float(p) > 0 for p in points_possible[9:])
    assert canvas[2][:6] == ["'=HYPERLINK(1)", "", "", "'=HYPERLINK(1)", "", "1"]
    assert canvas[3][:10] == ["ada", "", "", "ada", "", "2", "", "", "", ""]  # no attempt: no grade, not 0
    assert "total" not in canvas[0]  # Canvas computes its own

    moodle = list(csv.reader(io.StringIO(run("report", "--db", class_db, "--format", "moodle")[1])))
    assert moodle[0][:5] == ["Username", "perceptron", "activations", "forward", "backprop"]
    assert [row[:2] for row in moodle[1:]] == [["'=HYPERLINK(1)", "1"], ["ada", "2"], ["ben", "2"], ["cy", "1"]]


def test_the_canvas_export_gives_each_student_the_section_of_the_roster(class_db: str) -> None:
    from grader.service.enrolment import RosterEntry, enrol

    with open_store(class_db) as store:
        enrol(store, [RosterEntry("ada", section="A"), RosterEntry("ben", section="=B")], "student")
    canvas = list(csv.reader(io.StringIO(run("report", "--db", class_db, "--format", "canvas")[1])))
    assert {row[0]: row[4] for row in canvas[2:]} == {"ada": "A", "ben": "'=B", "cy": ""}


def test_a_students_history_collapses_tests_of_functions_not_written_yet(db_url: str) -> None:
    waiting = tuple(
        TestOutcome(
            f"perceptron::t{i}", f"test {i}", "error", 0.0, 1.0, "raised NotImplementedError", f"perceptron.f{i % 2}"
        )
        for i in range(40)
    )
    stubs = ExerciseOutcome("perceptron", 0.0, 40.0, "failed", "0 of 40 tests passed", waiting, "v1")
    missing = ExerciseOutcome("forward", 0.0, 2.0, "missing", "forward.py is not in the workspace", waiting[:2], "v1")
    graded = GradingResult((stubs, missing), {"level": "full"}, "v1", 0.1, {"perceptron.py": "x = 1\n"})
    with open_store(db_url) as store:
        store.write(lambda session: record_submission(session, "ada", "/ws", graded))
    code, output = run("report", "--db", db_url, "--student", "ada")
    assert code == 0
    assert output.splitlines()[3:7] == [
        "  perceptron     0/40  failed   0 of 40 tests passed",
        "    … not written yet (still NotImplementedError): f0, f1; 40 tests, 40 points wait for them",
        "  forward         0/2  missing  forward.py is not in the workspace",
        "  files: perceptron.py  (grader report --source 1)",
    ]


def test_file_or_raw_without_source_is_bad_input_not_ignored(class_db: str) -> None:
    for flag in (["--file", "perceptron.py"], ["--raw"]):
        assert run("report", "--db", class_db, *flag) == (
            2,
            "Error: --file and --raw go with --source ID: say which submission\n",
        )
    assert run("report", "--db", class_db, "--source", "1", "--student", "ada") == (
        2,
        "Error: --student and --source each ask for one view: give one of them\n",
    )
