"""The course's pages in process: signing in, cookies, CSRF, escaping, who may see what, the
feedback a student reads, and the instructors' tools (see conftest.py for the site)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest

from grader.service.uploads import Upload, receive
from tests.web.conftest import Site, both_databases, csrf

STEP_WRONG = "# return 1 at the threshold\n"


def post(client, path: str, data: dict[str, str] | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """Send a page's form as a browser would: with the CSRF token of this browser's cookie."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client, "/login")}, **kwargs)


def text_of(html: str) -> str:
    """What a person reads: tags gone, spaces collapsed."""
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([.,;:)])", r"\1", words)


# -- signing in ------------------------------------------------------------------------------------


def test_a_login_link_names_the_person_and_signs_in_only_when_they_confirm(site: Site) -> None:
    browser = site.browser()
    page = browser.get(f"/login?token={site.tokens['ada']}")
    assert "This link signs you in as <strong>ada</strong> (student)" in page.text
    assert "grader_session" not in browser.cookies
    assert browser.get("/me", follow_redirects=False).headers["location"] == "/login"

    bad = browser.get("/login?token=not-a-token")
    assert "This link's token is not valid" in text_of(bad.text) and 'name="token" value=' not in bad.text

    done = post(browser, "/login", {"token": site.tokens["ada"]}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/")
    assert browser.get("/", follow_redirects=False).headers["location"] == "/me"
    assert browser.get("/me").status_code == 200


def test_a_wrong_token_is_one_clear_line_and_no_session(site: Site) -> None:
    browser = site.browser()
    answer = post(browser, "/login", {"token": "pasted-wrong"})
    assert answer.status_code == 401
    assert "That token is not valid: check that you pasted all of it" in text_of(answer.text)
    assert "grader_session" not in browser.cookies


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_session_cookie_is_signed_httponly_samesite_and_secure_behind_https(site: Site, scheme: str) -> None:
    from starlette.testclient import TestClient

    with TestClient(site.app, base_url=f"{scheme}://testserver") as browser:
        answer = post(browser, "/login", {"token": site.tokens["ada"]}, follow_redirects=False)
        cookies = answer.headers.get_list("set-cookie")
    [session] = [c for c in cookies if c.startswith("grader_session=")]
    flags = {part.strip().split("=")[0].lower() for part in session.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= flags
    assert "samesite=lax" in session.lower()
    assert ("secure" in flags) == (scheme == "https")
    assert site.tokens["ada"] not in session  # the token itself never travels in a cookie


def test_signing_out_revoking_or_forging_the_cookie_ends_the_session(site: Site) -> None:
    from grader.service.enrolment import revoke

    ada = site.browser("ada")
    post(ada, "/logout")
    assert ada.get("/me", follow_redirects=False).headers["location"] == "/login"

    signed = site.browser("ben").cookies["grader_session"]
    forger = site.browser()
    forger.cookies.set("grader_session", signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB"))
    assert forger.get("/me", follow_redirects=False).headers["location"] == "/login"

    tara = site.browser("tara")
    assert tara.get("/class").status_code == 200
    revoke(site.store, "tara")
    assert tara.get("/class", follow_redirects=False).headers["location"] == "/login"


def test_pages_answer_with_a_content_security_policy_and_are_never_framed(site: Site) -> None:
    page = site.browser("ada").get("/me")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


def test_the_signing_secret_lives_in_the_course_folder_for_its_owner_only(tmp_path: Path) -> None:
    from grader.errors import ConfigError
    from grader.server.web.sessions import SECRET_FILE, load_secret

    first = load_secret(tmp_path, env={})
    assert load_secret(tmp_path, env={}) == first
    assert (tmp_path / SECRET_FILE).stat().st_mode & 0o777 == 0o600
    assert load_secret(tmp_path, env={"GRADER_SECRET_KEY": "k" * 40}) == "k" * 40
    with pytest.raises(ConfigError, match="GRADER_SECRET_KEY must be at least 32 characters"):
        load_secret(tmp_path, env={"GRADER_SECRET_KEY": "short"})


# -- CSRF ----------------------------------------------------------------------------------------


def test_a_form_without_this_browsers_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    from grader.store import reports

    site.submit("ada", STEP_WRONG)
    ian = site.browser("ian")
    form = {"exercise": "perceptron", "score": "3", "reason": "forged"}
    path = "/class/students/ada/override"

    assert ian.post(path, data=form).status_code == 403  # no token
    other = site.browser("ben")
    assert ian.post(path, data={**form, "csrf_token": csrf(other, "/login")}).status_code == 403  # another browser's
    assert ian.post(path, data={**form, "csrf_token": "x" * 60}).status_code == 403  # made up
    token = csrf(ian, "/login")
    foreign = ian.post(path, data={**form, "csrf_token": token}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "another site" in foreign.text
    with site.store.read() as session:
        assert reports.override_rows(session) == []

    assert post(ian, path, form, follow_redirects=False).status_code == 303
    with site.store.read() as session:
        assert [row.reason for row in reports.override_rows(session)] == ["forged"]


def test_signing_in_needs_the_csrf_token_too_and_its_cookie_is_strict(site: Site) -> None:
    browser = site.browser()
    page = browser.get("/login")
    [cookie] = [c for c in page.headers.get_list("set-cookie") if c.startswith("grader_csrf=")]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    refused = browser.post("/login", data={"token": site.tokens["ada"]})
    assert refused.status_code == 403
    assert "grader_session" not in browser.cookies


def test_a_form_over_the_size_limit_is_refused_before_anything_reads_it(site: Site) -> None:
    ian = site.browser("ian")
    answer = post(ian, "/class/students/ada/override", {"reason": "x" * 100_000})
    assert answer.status_code == 413


# -- escaping ------------------------------------------------------------------------------------


def test_every_student_controlled_string_is_escaped_on_every_page(site: Site) -> None:
    from grader.service.enrolment import RosterEntry, enrol

    evil = "<img src=x onerror=alert(1)>"
    [issued] = enrol(site.store, [RosterEntry(evil)], "student")
    site.tokens[evil] = issued.token
    code = "# <script>alert('feedback')</script>\nx = '</pre><script>alert(\"source\")</script>'\n"
    submission = site.submit(evil, code)
    ian = site.browser("ian")
    post(
        ian,
        f"/class/students/{_segment(evil)}/override",
        {"exercise": "perceptron", "score": "1", "reason": "<b>r</b>"},
    )
    pages = {
        "class": ian.get("/class").text,
        "student": ian.get(f"/class/students/{_segment(evil)}").text,
        "source": ian.get(f"/class/submissions/{submission}").text,
        "own": site.browser(evil).get("/me").text,
        "own source": site.browser(evil).get(f"/me/submissions/{submission}").text,
    }
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
        assert "<b>r</b>" not in html, name
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["class"]
    assert "&lt;script&gt;alert(&#39;feedback&#39;)&lt;/script&gt;" in pages["own"]
    assert "&lt;b&gt;r&lt;/b&gt;" in pages["student"] and "&lt;b&gt;r&lt;/b&gt;" in pages["own"]
    assert "&lt;/pre&gt;&lt;script&gt;" in pages["source"].replace('<span class="o">', "").replace("</span>", "")


def test_no_template_marks_text_safe() -> None:
    templates = Path(__file__).resolve().parents[2] / "grader" / "server" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, template.name


# -- who may see what ------------------------------------------------------------------------------


def test_a_student_reaches_no_other_students_work_and_no_staff_page(site: Site) -> None:
    from grader.service import saved_sittings

    bens = site.submit("ben", STEP_WRONG)
    sitting = saved_sittings.start(site.store, [site.app.state.course.quizzes_dir], "key-concepts", "ben")
    ada = site.browser("ada")
    for path in ("/class", "/class/students/ben", "/class/export?format=csv", f"/class/submissions/{bens}"):
        answer = ada.get(path)
        assert answer.status_code == 403, path
        assert "for the course&#39;s TAs and instructors" in answer.text or "instructors" in answer.text
    assert ada.get(f"/class/submissions/{bens}/files/perceptron.py").status_code == 403
    assert ada.get(f"/me/submissions/{bens}").status_code == 404
    assert ada.get(f"/quizzes/sittings/{sitting}").status_code == 404
    assert post(ada, f"/quizzes/sittings/{sitting}/answer", {"position": "0", "choice": "1"}).status_code == 404
    for path, form in (
        (f"/class/submissions/{bens}/regrade", {}),
        ("/class/students/ben/override", {"exercise": "perceptron", "score": "18", "reason": "me"}),
        ("/class/students/ben/extension", {"exercise": "perceptron", "deadline": "2031-01-01T00:00"}),
    ):
        assert post(ada, path, form).status_code == 403, path
    assert ada.get("/events/class").status_code == 403
    assert "ben" not in ada.get("/me").text


def test_a_ta_reads_the_class_and_every_attempt_but_changes_nothing(site: Site) -> None:
    submission = site.submit("ada", STEP_WRONG)
    tara = site.browser("tara")
    assert tara.get("/class").status_code == 200
    page = tara.get("/class/students/ada")
    assert page.status_code == 200 and "Attempt 1" in page.text
    assert "Override a score" not in page.text and "Regrade attempt" not in page.text
    assert "Export the gradebook" not in tara.get("/class").text
    assert tara.get(f"/class/submissions/{submission}").status_code == 200
    assert tara.get("/class/export?format=csv").status_code == 403
    assert (
        post(tara, "/class/students/ada/override", {"exercise": "perceptron", "score": "1", "reason": "x"}).status_code
        == 403
    )
    assert post(tara, f"/class/submissions/{submission}/regrade").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in_and_live_streams_refuse_them(site: Site) -> None:
    browser = site.browser()
    for path in ("/", "/me", "/class", "/quizzes", "/practice", "/class/students/ada"):
        assert browser.get(path, follow_redirects=False).headers["location"] == "/login", path
    assert browser.get("/events/me").status_code == 401


# -- what a student reads ------------------------------------------------------------------------


@both_databases
def test_a_student_reads_each_submission_newest_first_with_exactly_the_terminal_feedback(site: Site) -> None:
    from grader.cli.render import format_submission
    from grader.service.enrolment import Principal
    from grader.service.uploads import view

    first = site.submit("ada", STEP_WRONG)
    second = site.submit("ada", "# pass\n")
    page = site.browser("ada").get("/me").text
    assert page.index(f'id="attempt-{second}"') < page.index(f'id="attempt-{first}"')

    outcome = view(site.store, Principal("ada", "student"), first).outcome
    assert outcome is not None
    printed = [line.strip() for line in format_submission(outcome).splitlines()]
    attempt = page[page.index(f'id="attempt-{first}"') :]
    shown = [
        unescape(re.sub(r"<[^>]+>", "", line)).strip()
        for line in re.findall(r'<p class="(?:test-heading[^"]*|unwritten)">(.*?)</p>', attempt)
        + re.findall(r"<span[^>]*>(.*?)</span>\n", attempt.split("</article>")[0])
    ]
    assert "✗ step at the threshold (2 points, failed)" in shown
    assert "hint: # return 1 at the threshold" in shown
    assert any(line.startswith("… not written yet (still NotImplementedError): forward") for line in shown)
    for line in shown:
        assert line in printed, line


def test_a_submission_still_waiting_is_shown_as_waiting_and_costs_nothing_to_look_at(site: Site) -> None:
    receive(site.store, "ada", Upload({"perceptron.py": "# pass\n"}, None), key=None, now=datetime.now(UTC))
    page = text_of(site.browser("ada").get("/me").text)
    assert "Waiting to be graded. This page shows the feedback as soon as it is ready." in page


def test_a_students_standing_shows_attempts_left_their_deadline_and_the_late_rule(site: Site) -> None:
    site.submit("ada", STEP_WRONG)
    page = text_of(site.browser("ada").get("/me").text)
    assert "Attempts: 1 of 10 used, 9 left." in page
    assert "2030-03-01 23:59 +01:00" in page
    assert "loses 10% a day (at most 50%)" in page


# -- the instructors' tools ------------------------------------------------------------------------


@both_databases
def test_an_override_is_kept_with_its_reason_counts_in_the_gradebook_and_is_shown(site: Site) -> None:
    site.submit("ada", STEP_WRONG)
    ian = site.browser("ian")
    done = post(ian, "/class/students/ada/override", {"exercise": "perceptron", "score": "4", "reason": "fair is fair"})
    assert "ada&#39;s perceptron now counts 4 points (graded 2; kept with attempt 1). Reason: fair is fair" in done.text
    gradebook = ian.get("/class").text
    assert re.search(r'<td class="num override">4\*</td>', gradebook)
    assert "fair is fair" in site.browser("ada").get("/me").text
    bad = post(ian, "/class/students/ada/override", {"exercise": "perceptron", "score": "99", "reason": "x"})
    assert bad.status_code == 422 and "perceptron is worth 4 points; 99 is more than that" in bad.text


@both_databases
def test_a_deadline_extended_in_the_browser_is_stored_and_applied_by_the_course_rules(site: Site) -> None:
    ian = site.browser("ian")
    site.submit("ada", "# pass\n")
    # ada's own deadline, set long past: her next attempt is late and loses the course's late penalty
    done = post(ian, "/class/students/ada/extension", {"exercise": "perceptron", "deadline": "2020-01-01T12:00"})
    assert "ada&#39;s deadline for perceptron is now 2020-01-01 12:00 +01:00" in done.text
    late = site.submit("ada", "# pass\n")
    on_time = site.submit("ben", "# pass\n")
    from grader.service.enrolment import Principal
    from grader.service.uploads import view

    [ada_perceptron] = [
        e
        for e in view(site.store, Principal("ian", "instructor"), late).outcome.result.exercises
        if e.name == "perceptron"
    ]  # type: ignore[union-attr]
    [ben_perceptron] = [
        e
        for e in view(site.store, Principal("ian", "instructor"), on_time).outcome.result.exercises
        if e.name == "perceptron"
    ]  # type: ignore[union-attr]
    assert (ada_perceptron.score, ben_perceptron.score) == (2.0, 4.0)  # 50% off at most
    assert "days late: 50% off" in ada_perceptron.message
    page = text_of(site.browser("ada").get("/me").text)
    assert "2020-01-01 12:00 +01:00" in page and "extended for you" in page

    no_deadline = post(ian, "/class/students/ada/extension", {"exercise": "forward", "deadline": "2031-01-01T00:00"})
    assert no_deadline.status_code == 422


@pytest.mark.parametrize("fmt", ["csv", "canvas", "moodle", "json", "html"])
def test_the_gradebook_exports_in_every_lms_format_of_grader_report(site: Site, fmt: str) -> None:
    from grader.contracts import class_report_document
    from grader.service.reports import class_report

    site.submit("ada", STEP_WRONG)
    answer = site.browser("ian").get(f"/class/export?format={fmt}&policy=best")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    report = class_report(site.store, "best", [site.app.state.course.quizzes_dir])
    assert answer.content.decode() == class_report_document(report, fmt)


def test_a_submitted_file_downloads_byte_for_byte(site: Site) -> None:
    code = "# keep\r\n\tx = 1  \n"
    submission = site.submit("ada", code)
    answer = site.browser("ian").get(f"/class/submissions/{submission}/files/perceptron.py")
    assert answer.content == code.encode()
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment;")


def test_the_class_page_shows_the_job_queue_where_workers_are_used(site: Site) -> None:
    from types import SimpleNamespace

    ian = site.browser("ian")
    assert "Graded by this server's own pool: 0 waiting, 1 grader." in text_of(ian.get("/class").text)
    grading = site.app.state.course.grading
    grading.queue_state = lambda: SimpleNamespace(depth=3, oldest_seconds=42.4)
    assert "Queue: 3 jobs waiting; the oldest for 42 s." in text_of(ian.get("/class").text)


def _segment(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
