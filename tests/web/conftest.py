"""The course's web pages in process: the real application (`create_app`) over a real SQLite
database, driven by Starlette's TestClient, with grading replaced by an instant, canned grader
(no sandbox), so that the many small cases (escaping, CSRF, cookies, permissions) run fast.

`site` enrols ada and ben (students), tara (TA) and ian (instructor) in a course whose
course.toml gives perceptron a deadline; `site.browser("ada")` is a client signed in as ada.
Each upload is graded the moment it is stored: the first line of perceptron.py decides the
outcome ("# pass" passes everything), and a failure message quotes that line, so a student's
own text reaches every page that shows feedback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from grader.course import CourseSettings, load_course
from grader.records import ExerciseOutcome, GradingResult, TestOutcome
from grader.store import Store, open_store

REPO = Path(__file__).resolve().parent.parent.parent
QUIZZES = REPO / "quizzes"
PEOPLE = {"ada": "student", "ben": "student", "tara": "ta", "ian": "instructor"}
DEADLINE = "2030-03-01T23:59:00+01:00"
COURSE_TOML = f"""\
score = "best"
max_attempts = 10

[late]
penalty_per_day = 0.1
max_penalty = 0.5

[deadlines]
perceptron = {DEADLINE}
"""


def canned_result(files: dict[str, str], names: list[str]) -> GradingResult:
    """perceptron graded from its first line; every other exercise is not written yet."""
    exercises = []
    for name in names:
        first = files.get(f"{name}.py", "").splitlines()[0] if files.get(f"{name}.py") else ""
        if name == "perceptron" and first:
            passing = first.strip() == "# pass"
            tests = (
                TestOutcome("perceptron::sum", "weighted sum", "passed", 2.0, 2.0),
                TestOutcome(
                    "perceptron::step",
                    "step at the threshold",
                    "passed" if passing else "failed",
                    2.0 if passing else 0.0,
                    2.0,
                    ""
                    if passing
                    else f"perceptron.step(0.0)\n  expected: 1\n  got:      0\n  hint: {first}\nlesson: Step 3",
                ),
            )
        else:
            tests = (
                TestOutcome(f"{name}::a", "first", "failed", 0.0, 1.0, "NotImplementedError", f"{name}.forward"),
                TestOutcome(f"{name}::b", "second", "failed", 0.0, 1.0, "NotImplementedError", f"{name}.forward"),
            )
        score = sum(t.points for t in tests)
        top = sum(t.max_points for t in tests)
        status = "passed" if score == top else "failed"
        passed = sum(t.outcome == "passed" for t in tests)
        message = f"{passed} of {len(tests)} tests passed"
        exercises.append(ExerciseOutcome(name, score, top, status, message, tests, "v1"))
    return GradingResult(tuple(exercises), {"level": "full", "warnings": []}, "v1", 0.01, dict(files))


class InstantGrading:
    """Grades each upload as soon as it is stored, in the request's thread."""

    def __init__(self, store: Store, settings: CourseSettings) -> None:
        self.store = store
        self.settings = settings

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def on_stored(self, session: Any, submission_id: int) -> None: ...

    def submitted(self, submission_id: int, student: str) -> None:
        from grader.service.uploads import grade_received

        grade_received(self.store, submission_id, lambda files, names, _: canned_result(files, names), self.settings)

    def state(self) -> dict[str, int]:
        return {"waiting": 0, "graders": 1}


@dataclass
class Site:
    app: Any
    store: Store
    tokens: dict[str, str]
    clients: list[TestClient] = field(default_factory=list)

    def browser(self, person: str | None = None) -> TestClient:
        """A browser: signed in as `person` (by pasting the token), or signed out."""
        client = TestClient(self.app, base_url="http://testserver")
        client.__enter__()
        self.clients.append(client)
        if person is not None:
            answer = client.post("/login", data={"token": self.tokens[person], "csrf_token": csrf(client, "/login")})
            assert answer.status_code == 200 and f"Signed in as {escape(person)}" in answer.text, answer.text
        return client

    def submit(self, person: str, perceptron: str, **others: str) -> int:
        """Upload as `person` through the API, as `grader submit` does; graded at once."""
        with TestClient(self.app, base_url="http://testserver") as api:
            files = {"perceptron.py": perceptron, **{f"{k}.py": v for k, v in others.items()}}
            answer = api.post(
                "/api/v1/submissions", json={"files": files}, headers={"Authorization": f"Bearer {self.tokens[person]}"}
            )
            assert answer.status_code in (200, 202), answer.text
            return int(answer.json()["submission_id"])


def csrf(client: TestClient, path: str) -> str:
    """The CSRF token of the form on the page at `path`."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """On SQLite; a test parametrized with `indirect=True` over ["sqlite", "postgresql"] runs on both."""
    from grader.grading.exercises import resolve
    from grader.server.app import Course, create_app
    from grader.service.enrolment import RosterEntry, enrol
    from tests.server.conftest import POSTGRES_URL, fresh_postgres

    engine = getattr(request, "param", "sqlite")
    if engine == "postgresql" and not POSTGRES_URL:
        pytest.skip("GRADER_TEST_POSTGRES_URL names no PostgreSQL server")
    (tmp_path / "course.toml").write_text(COURSE_TOML)
    settings = load_course(tmp_path / "course.toml")
    store = open_store(fresh_postgres() if engine == "postgresql" else f"sqlite:///{tmp_path / 'grader.db'}")
    tokens = {}
    for person, role in PEOPLE.items():
        [issued] = enrol(store, [RosterEntry(person)], role)  # type: ignore[arg-type]
        tokens[person] = issued.token
    course = Course(
        store=store,
        settings=settings,
        grading=InstantGrading(store, settings),
        files_by_exercise={e.name: e.filename for e in resolve(None)},
        quizzes_dir=QUIZZES,
        folder=tmp_path,
    )
    made = Site(create_app(course), store, tokens)
    yield made
    for client in made.clients:
        client.__exit__(None, None, None)
    store.close()


both_databases = pytest.mark.parametrize("site", ["sqlite", "postgresql"], indirect=True)
