"""Quizzes and practice in the browser, in process: the same scoring, storage and schedule as
the terminal's, one answer per question however often a page is sent."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from grader.quiz.bank import find_quiz, load_bank
from grader.quiz.model import Question, Quiz
from tests.web.conftest import QUIZZES, Site, both_databases, csrf

QUIZ = "key-concepts"


def quiz(quiz_id: str = QUIZ) -> Quiz:
    return find_quiz(load_bank([QUIZZES]), quiz_id)


def visible_text(markdown: str) -> str:
    from grader.server.web.templating import markdown_inline

    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", str(markdown_inline(markdown)))).split())


def shown_options(page: str) -> list[str]:
    """The options' labels in the order the page shows them (numbered from 1)."""
    labels = re.findall(r'<label for="choice-(\d+)">(.*?)</label>', page, re.S)
    texts = [re.sub(r'<span class="number">\d+\)</span>', "", text) for _, text in labels]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split()) for text in texts]


def asked_question(page: str, of: Quiz) -> Question:
    found = re.search(r'data-question="([^"]+)"', page)
    assert found is not None, page
    question = of.question(found.group(1))
    assert question is not None
    return question


def numbers_for(page: str, keys: Sequence[str], question: Question) -> list[str]:
    """The option numbers a person clicks to choose `keys`."""
    labels = shown_options(page)
    by_text = {visible_text(o.text): o.key for o in question.options}
    return [str(n) for n, label in enumerate(labels, 1) if by_text[label] in keys]


def send(browser, path: str, pairs: Sequence[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """A form with repeated fields (several checkboxes), as a browser sends it."""
    from urllib.parse import urlencode

    kind = {"Content-Type": "application/x-www-form-urlencoded"}
    return browser.post(path, content=urlencode(list(pairs)), headers=kind)


def start_sitting(browser) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Press Take on the quiz: the first question's page, and the sitting's id."""
    page = browser.post(f"/quizzes/{QUIZ}/take", data={"csrf_token": csrf(browser, "/quizzes")})
    found = re.search(r"/quizzes/sittings/(\d+)", str(page.url))
    assert found is not None, page.text
    return page.text, found.group(1)


def take_in_pages(site: Site, person: str, choose: dict[str, list[str]]) -> str:
    """Take the quiz through its pages, choosing `choose[question id]`; the result page."""
    browser = site.browser(person)
    page, sitting = start_sitting(browser)
    for position in range(len(quiz().questions)):
        question = asked_question(page, quiz())
        numbers = numbers_for(page, choose[question.id], question)
        form = [("csrf_token", csrf(browser, "/login")), ("position", str(position))]
        form += [("choice", n) for n in numbers]
        answered = send(browser, f"/quizzes/sittings/{sitting}/answer", form)
        assert answered.status_code == 200, answered.text
        page = answered.text
    return page


@both_databases
def test_a_quiz_taken_in_pages_scores_and_stores_what_the_terminal_would(site: Site) -> None:
    from grader.quiz.scoring import score_quiz
    from grader.service.quizzes import quiz_progress

    chosen = {}
    for n, question in enumerate(quiz().questions):
        right = [o.key for o in question.options if o.correct]
        wrong = [o.key for o in question.options if not o.correct]
        chosen[question.id] = right if n % 2 == 0 else wrong[:1]
    result = take_in_pages(site, "ada", chosen)
    expected = score_quiz(quiz(), chosen)
    assert f"Score: {expected.score:g} / {expected.max_score:g}</strong> (attempt 1)" in result
    assert 0 < expected.score < expected.max_score
    assert result.count('<section class="missed"') == sum(not s.correct for s in expected.questions)
    [stored] = quiz_progress(site.store, "ada").attempts
    assert (stored.score, stored.complete, stored.missed) == (
        expected.score,
        True,
        tuple(s.question_id for s in expected.questions if not s.correct),
    )


def test_each_answer_shows_its_verdict_and_explanation_before_the_next_question(site: Site) -> None:
    browser = site.browser("ben")
    page, sitting = start_sitting(browser)
    question = asked_question(page, quiz())
    right = [o.key for o in question.options if o.correct]
    answered = send(
        browser,
        f"/quizzes/sittings/{sitting}/answer",
        [("csrf_token", csrf(browser, "/login")), ("position", "0")]
        + [("choice", n) for n in numbers_for(page, right, question)],
    )
    assert '<section id="verdict" class="verdict right"' in answered.text
    assert "Question 1/4: Right." in answered.text
    assert html.escape(question.explanation.split()[0]) in answered.text
    assert "1 of 4 questions answered" in answered.text


@both_databases
def test_sending_an_answer_twice_records_it_once_and_the_last_one_stores_one_attempt(site: Site) -> None:
    from grader.service.quizzes import quiz_progress

    browser = site.browser("ada")
    first, sitting = start_sitting(browser)
    for position in range(len(quiz().questions)):
        form = {"csrf_token": csrf(browser, "/login"), "position": str(position), "choice": "1"}
        for _ in range(2):  # a double click, or the page sent again
            assert browser.post(f"/quizzes/sittings/{sitting}/answer", data=form).status_code == 200
    assert len(quiz_progress(site.store, "ada").attempts) == 1


def test_an_answer_that_cannot_be_read_asks_again_and_changes_nothing(site: Site) -> None:
    browser = site.browser("ada")
    page, sitting = start_sitting(browser)
    empty = browser.post(
        f"/quizzes/sittings/{sitting}/answer", data={"csrf_token": csrf(browser, "/login"), "position": "0"}
    )
    assert empty.status_code == 422 and 'role="alert">choose an option</p>' in empty.text
    too_big = browser.post(
        f"/quizzes/sittings/{sitting}/answer",
        data={"csrf_token": csrf(browser, "/login"), "position": "0", "choice": "9"},
    )
    assert too_big.status_code == 422 and "is not an option number (1-4)" in html.unescape(too_big.text)
    assert "0 of 4 questions answered" in browser.get(f"/quizzes/sittings/{sitting}").text


def test_stopping_keeps_the_answers_given_and_stopping_at_once_stores_nothing(site: Site) -> None:
    from grader.service.quizzes import quiz_progress

    browser = site.browser("ada")
    page, sitting = start_sitting(browser)
    browser.post(
        f"/quizzes/sittings/{sitting}/answer",
        data={"csrf_token": csrf(browser, "/login"), "position": "0", "choice": "1"},
    )
    stopped = browser.post(f"/quizzes/sittings/{sitting}/stop", data={"csrf_token": csrf(browser, "/login")})
    assert "You stopped after 1 of 4 questions; the 3 not answered score 0." in stopped.text
    [attempt] = quiz_progress(site.store, "ada").attempts
    assert (attempt.complete, attempt.answered) == (False, 1)

    again, other = start_sitting(browser)
    nothing = browser.post(f"/quizzes/sittings/{other}/stop", data={"csrf_token": csrf(browser, "/login")})
    assert "You stopped before answering anything: nothing was recorded." in nothing.text
    assert len(quiz_progress(site.store, "ada").attempts) == 1


def test_a_sitting_left_midway_is_offered_again_on_the_quiz_list(site: Site) -> None:
    browser = site.browser("ada")
    page, sitting = start_sitting(browser)
    browser.post(
        f"/quizzes/sittings/{sitting}/answer",
        data={"csrf_token": csrf(browser, "/login"), "position": "0", "choice": "2"},
    )
    listing = browser.get("/quizzes").text
    assert f'href="/quizzes/sittings/{sitting}">Continue' in listing
    assert "(1 of 4 answered)" in listing


@both_databases
def test_practice_in_pages_and_in_the_terminal_share_one_schedule(site: Site) -> None:
    from grader.service.quizzes import practice_queue
    from grader.service.sittings import PracticeSession

    browser = site.browser("ada")
    page = browser.get(f"/practice?quiz={QUIZ}").text
    assert "0 due, 4 new." in page
    question = asked_question(page, quiz())
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    right = [o.key for o in question.options if o.correct]
    form = [*fields.items(), *(("choice", n) for n in numbers_for(page, right, question))]
    answered = send(browser, "/practice", form)
    assert "Right." in answered.text and "Next review in" in answered.text
    again = send(browser, "/practice", form)  # the same page sent twice reviews once
    assert "That question was answered already" in again.text

    queue = practice_queue(site.store, "ada", [QUIZ])
    assert queue.new == 3 and queue.item is not None and queue.item.question.id != question.id
    terminal = PracticeSession(site.store, "ada", [QUIZ])  # what `grader quiz practice` drives
    assert terminal.opening.new == 3 and terminal.opening.next_due is not None


def test_a_quiz_taken_in_pages_schedules_its_questions_for_practice(site: Site) -> None:
    from grader.service.quizzes import practice_queue

    take_in_pages(site, "ben", {q.id: [q.options[0].key] for q in quiz().questions})
    queue = practice_queue(site.store, "ben", [QUIZ])
    assert queue.new == 0  # every question answered in the quiz has its card now


def test_the_quiz_list_names_each_quiz_with_the_students_scores_and_what_is_due(site: Site) -> None:
    page = site.browser("ada").get("/quizzes").text
    for each in load_bank([QUIZZES]):
        assert html.escape(each.title) in page
    assert "(0 due, 4 new)" in page


def test_a_practice_tickets_seed_neither_picks_nor_reveals_the_option_order() -> None:
    """Found by a hostile trial: the shuffle was random.Random(ticket seed), and the ticket is the
    client's; with the author's right option often first, choosing a seed chose the answer. The
    order now comes from the server's secret, the student and the seed."""
    from grader.server.web.sessions import Signer

    course, elsewhere = Signer("a" * 40), Signer("b" * 40)
    assert course.shuffle_seed(7, "ann") == Signer("a" * 40).shuffle_seed(7, "ann")  # every server process
    assert course.shuffle_seed(7, "ann") not in (7, elsewhere.shuffle_seed(7, "ann"), course.shuffle_seed(7, "ben"))
