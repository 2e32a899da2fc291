"""The course in a real browser: `grader serve` in a subprocess, the real command line beside it,
and Chromium driven by Selenium, as students and instructors use them.

Each test saves screenshots of the pages it visits to `.ci/artifacts/web/` (see `browser.py`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Course, Server, course, grader, reference_files, server, start_server, student_env
from tests.server.test_course_server import workspace_of
from tests.web.browser import WAIT_SECONDS, browser, needs_browser, shoot

pytestmark = [pytest.mark.slow, pytest.mark.sandbox, needs_browser]
sqlite_only = pytest.mark.parametrize("course", ["sqlite"], indirect=True)

__all__ = ["browser", "course", "server", "student_env"]  # fixtures, used by name

STEP_BUG = ("if z > threshold", "if z >= threshold")


LEFT_THE_DOCUMENT = "does not belong to the document"
"""Chromium's words when an element found a moment ago went with the page that held it: a navigation
between finding it and reading it. Selenium raises them as a plain WebDriverException, not as stale."""


def wait_for(driver: Any, check: Callable[[Any], Any], seconds: float = WAIT_SECONDS) -> Any:
    """Wait until `check` holds; an element read while its page or live region is being replaced
    is looked for again at the next poll."""
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.support.ui import WebDriverWait

    def check_again_if_replaced(d: Any) -> Any:
        try:
            return check(d)
        except WebDriverException as error:
            if LEFT_THE_DOCUMENT in str(error.msg):
                return False
            raise

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(driver, seconds, poll_frequency=0.2, ignored_exceptions=ignored).until(check_again_if_replaced)


def sign_in(driver: Any, server: Server, person: str) -> None:
    """Follow the link the instructor sends, and confirm."""
    from selenium.webdriver.common.by import By

    driver.get(f"{server.url}/login?token={server.course.tokens[person]}")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(driver, lambda d: f"Signed in as {person}" in d.find_element(By.CSS_SELECTOR, ".notice").text)


def mark_page(driver: Any) -> None:
    """Leave a mark in the page's JavaScript state: it survives only if the page is not reloaded."""
    driver.execute_script("window.notReloaded = true;")


def still_marked(driver: Any) -> bool:
    return bool(driver.execute_script("return window.notReloaded === true;"))


def next_page(answered: int, questions: int) -> Callable[[Any], bool]:
    """The page after the answer: the next question's, or the result once all are answered."""
    from selenium.webdriver.common.by import By

    def check(driver: Any) -> bool:
        if answered == questions:
            return bool(driver.find_elements(By.ID, "score"))
        lines = driver.find_elements(By.CSS_SELECTOR, ".progress-line")
        return bool(lines) and lines[0].text.startswith(f"{answered} of {questions} questions answered")

    return check


def visible_text(markdown: str) -> str:
    """What a browser shows of a line of the course's Markdown."""
    from grader.server.web.templating import markdown_inline

    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", str(markdown_inline(markdown)))).split())


@sqlite_only
def test_a_student_signs_in_submits_from_the_terminal_and_sees_the_feedback_appear(
    server: Server, browser: Any, tmp_path: Path, student_env: dict[str, str]
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server.url}/login?token={server.course.tokens['ada']}")
    shoot(browser, "01-login-link")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(browser, lambda d: d.current_url.endswith("/me"))
    wait_for(browser, lambda d: "Live" in d.find_element(By.ID, "live-status").text)
    shoot(browser, "02-student-before-submitting")
    mark_page(browser)

    files = reference_files()
    files["perceptron.py"] = files["perceptron.py"].replace(*STEP_BUG)
    folder = workspace_of(tmp_path, files)
    grader("login", server.url, "--token", server.course.tokens["ada"], env=student_env)
    submitted = grader("submit", "--workspace", str(folder), env=student_env, check=False)
    assert submitted.returncode == 1, submitted.stderr

    headings = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-work .test-heading"))
    assert still_marked(browser)  # the feedback arrived without a reload
    shoot(browser, "03-student-feedback-arrived")
    printed = [line.strip() for line in submitted.stdout.splitlines()]
    for heading in headings:
        assert heading.text.strip() in printed  # "✗ name (2 points, failed)", as the terminal says it
    for message in browser.find_elements(By.CSS_SELECTOR, "#live-work pre.message"):
        for line in message.text.splitlines():
            assert line.strip() in printed
    exercise_lines = browser.find_elements(By.CSS_SELECTOR, "#live-work .exercise-line")
    assert len(exercise_lines) == len(reference_files())
    assert "Attempts: 1 made" in browser.find_element(By.ID, "live-work").text

    browser.find_element(By.LINK_TEXT, "Your files for attempt 1").click()
    wait_for(browser, lambda d: "Files of attempt 1" in d.find_element(By.TAG_NAME, "h1").text)
    assert "if z >= threshold" in "\n".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, ".source"))
    shoot(browser, "04-student-own-files")


@sqlite_only
def test_a_quiz_in_the_browser_scores_as_the_command_line_does_with_the_same_answers(
    server: Server, browser: Any, tmp_path: Path, student_env: dict[str, str]
) -> None:
    from selenium.webdriver.common.by import By

    from grader.quiz.bank import find_quiz, load_bank

    quiz = find_quiz(load_bank([server.course.folder / "quizzes"]), "activation-functions")
    sign_in(browser, server, "ben")
    browser.get(f"{server.url}/quizzes")
    shoot(browser, "05-quiz-list")
    row = browser.find_element(By.XPATH, f"//tr[th[normalize-space()='{quiz.title}']]")
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    answers: dict[str, Any] = {}
    for number, _ in enumerate(quiz.questions):
        fieldset = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "fieldset[data-question]"))
        question = quiz.question(fieldset.get_attribute("data-question"))
        assert question is not None
        right_ones = number % 2 == 0  # the right answer to every other question, a wrong one to the rest
        if question.type == "numeric":
            assert question.answer is not None
            value = question.answer if right_ones else question.answer + 1000
            fieldset.find_element(By.ID, "number").send_keys(f"{value:g}")
            answers[question.id] = value
        else:
            wanted = [o for o in question.options if o.correct == right_ones][: 1 if question.type == "single" else 2]
            for choice in fieldset.find_elements(By.CSS_SELECTOR, ".choice"):
                label = " ".join(choice.find_element(By.TAG_NAME, "label").text.split()).split(") ", 1)[1]
                if label in {visible_text(o.text) for o in wanted}:
                    choice.find_element(By.TAG_NAME, "input").click()
            answers[question.id] = [o.key for o in wanted]
        if number == 1:
            shoot(browser, "06-quiz-question")
        browser.find_element(By.CSS_SELECTOR, "#question-form button[type=submit]").click()
        wait_for(browser, next_page(number + 1, len(quiz.questions)))
        assert not browser.find_elements(By.ID, "answer-problem")
        if number < len(quiz.questions) - 1:
            verdict = browser.find_element(By.ID, "verdict")
            assert " ".join(question.explanation.split()[:3]) in " ".join(verdict.text.split())
        if number == 1:
            shoot(browser, "07-quiz-verdict")

    score = wait_for(browser, lambda d: d.find_element(By.ID, "score")).text
    shoot(browser, "08-quiz-result")
    answers_file = tmp_path / "answers.json"
    answers_file.write_text(json.dumps(answers))
    local_env = {**student_env, "GRADER_STUDENT": "ben", "GRADER_DB": f"sqlite:///{tmp_path / 'local.db'}"}
    cli = json.loads(
        grader(
            "quiz",
            "take",
            quiz.id,
            "--answers",
            str(answers_file),
            "--json",
            "--quizzes",
            str(server.course.folder / "quizzes"),
            env=local_env,
        ).stdout
    )
    assert f"Score: {cli['score']:g} / {cli['max_score']:g} (attempt 1)" == score
    assert 0 < cli["score"] < cli["max_score"]
    missed = [q["id"] for q in cli["questions"] if not q["correct"]]
    shown = [s.find_element(By.TAG_NAME, "h3").text for s in browser.find_elements(By.CSS_SELECTOR, "section.missed")]
    assert len(shown) == len(missed) and all(h.startswith("Question ") for h in shown)

    # the quiz's answers were reviews: its questions come back later, on the same schedule as practice
    browser.get(f"{server.url}/practice?quiz={quiz.id}")
    summary = wait_for(browser, lambda d: d.find_element(By.ID, "summary")).text
    assert "Nothing is due. Next review in" in summary
    shoot(browser, "09-practice-nothing-due")
    browser.get(f"{server.url}/practice?quiz=key-concepts")
    wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "fieldset[data-question]"))
    browser.find_element(By.ID, "choice-1").click()
    browser.find_element(By.CSS_SELECTOR, "#question-form button[type=submit]").click()
    verdict = wait_for(browser, lambda d: d.find_element(By.ID, "verdict"))
    assert "Next review in" in verdict.text
    shoot(browser, "10-practice-verdict")


def test_an_instructor_watches_the_gradebook_change_without_reloading(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    on = "" if server.course.db_url.startswith("sqlite") else "-postgresql"
    sign_in(browser, server, "ian")
    wait_for(browser, lambda d: d.current_url.endswith("/class"))
    wait_for(browser, lambda d: "Live" in d.find_element(By.ID, "live-status").text)
    shoot(browser, f"11-class-before{on}")
    mark_page(browser)

    def row_of(student: str) -> Callable[[Any], str | None]:
        def check(driver: Any) -> str | None:
            for row in driver.find_elements(By.CSS_SELECTOR, "#gradebook-table tbody tr"):
                cells = row.find_elements(By.CSS_SELECTOR, "th, td")
                if cells and cells[0].text.strip() == student and cells[-1].text.strip() not in ("", "0"):
                    return str(row.text)
            return None

        return check

    broken = reference_files(("perceptron",))
    broken["perceptron.py"] = broken["perceptron.py"].replace(*STEP_BUG)
    with server.client("ben") as ben:
        assert ben.post("/api/v1/submissions?wait=0", json={"files": broken}).status_code in (200, 202)
    wait_for(browser, row_of("ben"))
    assert still_marked(browser)
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#struggles ~ h3"))
    shoot(browser, f"12-class-after-a-submission{on}")

    browser.find_element(By.LINK_TEXT, "ben").click()
    wait_for(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "ben")
    browser.find_element(By.CSS_SELECTOR, "details[id^=source] summary").click()
    assert "if z >= threshold" in "\n".join(
        e.text for e in browser.find_elements(By.CSS_SELECTOR, "details[id^=source] .source")
    )
    shoot(browser, f"13-instructor-student-page{on}")

    browser.find_element(By.ID, "override-score").send_keys("18")
    browser.find_element(By.ID, "override-reason").send_keys("the step test was ambiguous at the threshold")
    browser.find_element(By.CSS_SELECTOR, "#overrides button[type=submit]").click()
    notice = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".notice")).text
    assert "now counts 18 points" in notice
    assert "the step test was ambiguous" in browser.find_element(By.ID, "live-attempts").text
    shoot(browser, f"14-after-an-override{on}")


@sqlite_only
def test_a_student_cannot_open_the_instructor_pages(server: Server, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "ada")
    for path in ("/class", "/class/students/ben", "/class/export?format=csv", "/class/submissions/1"):
        browser.get(f"{server.url}{path}")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Not yours to see", path
    shoot(browser, "15-student-refused-an-instructor-page")
    sign_in(browser, server, "tara")
    browser.get(f"{server.url}/class/students/ada")
    assert browser.find_element(By.TAG_NAME, "h1").text == "ada"
    assert not browser.find_elements(By.ID, "overrides")  # a TA reads, and changes nothing
    shoot(browser, "16-ta-student-page")


@sqlite_only
def test_an_instructor_extends_one_students_deadline_in_the_browser(
    course: Course, tmp_path: Path, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    toml = course.folder / "course.toml"
    toml.write_text(toml.read_text() + "\n[deadlines]\nperceptron = 2030-03-01T23:59:00+01:00\n")
    server = start_server(course, tmp_path)
    try:
        with server.client("ada") as ada:
            ada.post("/api/v1/submissions?wait=60", json={"files": reference_files(("perceptron",))})
        sign_in(browser, server, "ian")
        browser.get(f"{server.url}/class/students/ada")
        Select(browser.find_element(By.ID, "extend-exercise")).select_by_value("perceptron")
        field = browser.find_element(By.ID, "extend-deadline")
        browser.execute_script("arguments[0].value = '2030-03-08T23:59';", field)
        browser.find_element(By.ID, "extend-reason").send_keys("ill during the week of the deadline")
        shoot(browser, "17-extension-form")
        browser.find_element(By.CSS_SELECTOR, "#extend button[type=submit]").click()
        notice = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".notice")).text
        assert "ada's deadline for perceptron is now 2030-03-08 23:59 +01:00" in notice
        standing = browser.find_element(By.ID, "standing").text
        assert "2030-03-08 23:59 +01:00" in standing and "extended for ada" in standing
        shoot(browser, "18-after-an-extension")
    finally:
        server.stop()
