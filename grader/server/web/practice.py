"""Practice in the browser, on the same FSRS schedule as `grader quiz practice`: one schedule per
student, whichever way they practise. Each answer is stored and rescheduled as it is given
(`grader.service.sittings.PracticeSession`).

The page carries the question it asked (its stored id, and when it was due) and the seed of its
shuffle; an answer is taken only while that question is still the one due first, so sending a
page twice does not review a question twice. The session's tally rides along in the form: it
is only what the page shows at the end, never a grade.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from grader.errors import AnswerFormatError, UploadRejected
from grader.server.api import blocking, course_of
from grader.server.web.guard import form_of, page, viewer, web_of
from grader.server.web.quizzes import chosen_keys, synced_bank
from grader.server.web.templating import render

if TYPE_CHECKING:
    from starlette.datastructures import FormData

    from grader.quiz.present import Asked
    from grader.quiz.results import PracticeSummary
    from grader.quiz.verdict import Verdict
    from grader.server.app import Course
    from grader.server.web.guard import WebState
    from grader.server.web.sessions import Signer
    from grader.service.quizzes import PracticeQueue
    from grader.service.sittings import PracticeSession

LIMIT = 20
"""Questions a session, as `grader quiz practice --limit` defaults to."""


@dataclass(frozen=True)
class Tally:
    scope: str
    """The quiz practised, or "" for every quiz."""
    done: int = 0
    right: int = 0
    partly: int = 0
    wrong: int = 0

    def after(self, verdict: Verdict) -> Tally:
        points = verdict.score.points
        return replace(
            self,
            done=self.done + 1,
            right=self.right + verdict.correct,
            partly=self.partly + (not verdict.correct and points > 0),
            wrong=self.wrong + (points == 0),
        )


@dataclass(frozen=True)
class Shown:
    """A practice question as a page asks it, with what identifies it when answered."""

    asked: Asked
    seed: int
    question_row_id: int
    due: str


def practice_session(course: Course, signer: Signer, student: str, scope: str, seed: int) -> PracticeSession:
    """The student's practice of `scope` (one quiz, or "" for all), its shuffle seeded by `seed`:
    rebuilt from the database at each answer, by the web pages and by `/api/v1/practice`."""
    from grader.service.sittings import PracticeSession

    ids = [scope] if scope else None
    if ids is None:
        from grader.quiz.bank import load_bank
        from grader.server.web.quizzes import bank_of

        ids = [q.id for q in load_bank(bank_of(course))]
    return PracticeSession(
        course.store, student, ids, limit=LIMIT, rng=random.Random(signer.shuffle_seed(seed, student))
    )


@dataclass(frozen=True)
class PracticeView:
    """What a practice page shows: the last answer's verdict, the next question (or the end)."""

    tally: Tally
    title: str
    """The quiz practised ("" for every quiz)."""
    shown: Shown | None
    opening: PracticeQueue
    summary: PracticeSummary | None
    """Once the session is over (the limit reached, or nothing due)."""
    verdict: Verdict | None = None
    problem: str | None = None
    stale: bool = False
    """The page answered a question that was answered already, in another page."""
    titles: dict[str, str] = field(default_factory=dict)
    """Quiz id -> title, to say which quiz a question is from."""


def next_shown(course: Course, signer: Signer, student: str, scope: str) -> tuple[Shown | None, PracticeSession]:
    """The question due first, with a fresh shuffle, and the session it was asked in."""
    seed = secrets.randbits(62)
    session = practice_session(course, signer, student, scope, seed)
    item = session.opening.item
    asked = session.next_question()
    if item is None or asked is None:
        return None, session
    return Shown(asked, seed, item.question_row_id, _due(item.due)), session


def _view(course: Course, tally: Tally, shown: Shown | None, session: PracticeSession, **more: Any) -> PracticeView:
    from grader.quiz.bank import find_quiz, load_bank
    from grader.server.web.quizzes import bank_of

    quizzes = load_bank(bank_of(course))
    title = find_quiz(quizzes, tally.scope).title if tally.scope else ""
    summary = None if shown else session.summary()
    titles = {q.id: q.title for q in quizzes}
    return PracticeView(tally, title, shown, session.opening, summary, titles=titles, **more)


def _due(moment: datetime | None) -> str:
    return "new" if moment is None else moment.isoformat()


def still_first(session: PracticeSession, question: str, due: str) -> bool:
    """Whether the question answered (its stored id, and when it was due, as `Shown` has them)
    is still the one due first: an answer sent twice, or from another window, is not taken.
    Once the session has put its question, that question is the one compared: the schedule
    may have moved on meanwhile (the same answer sent twice at once)."""
    item = session.asking or session.opening.item
    return item is not None and (str(item.question_row_id), _due(item.due)) == (question, due)


def start(course: Course, web: WebState, student: str, scope: str) -> PracticeView:
    from grader.quiz.bank import find_quiz

    quizzes = synced_bank(course, web)
    if scope:
        find_quiz(quizzes, scope)  # an unknown quiz is a clear error
    shown, session = next_shown(course, web.signer, student, scope)
    return _view(course, Tally(scope), shown, session)


def answer(course: Course, web: WebState, student: str, form: FormData) -> PracticeView:
    """Take the page's answer if its question is still the one due first; the next page."""
    tally = _tally(form)
    seed = _number(form.get("seed"))
    session = practice_session(course, web.signer, student, tally.scope, seed)
    item = session.opening.item
    posted = (str(form.get("question", "")), str(form.get("due", "")))
    if item is None or not still_first(session, *posted):
        shown, later = next_shown(course, web.signer, student, tally.scope)
        return _view(course, tally, shown, later, stale=True)
    asked = session.next_question()
    if asked is None or not still_first(session, *posted):  # the schedule moved on meanwhile
        shown, later = next_shown(course, web.signer, student, tally.scope)
        return _view(course, tally, shown, later, stale=True)
    shown = Shown(asked, seed, item.question_row_id, _due(item.due))
    try:
        keys = chosen_keys(asked.presented, form)
    except AnswerFormatError as error:
        return _view(course, tally, shown, session, problem=str(error))
    verdict = session.answer(keys)
    tally = tally.after(verdict)
    following, later = (None, session) if tally.done >= LIMIT else next_shown(course, web.signer, student, tally.scope)
    return _view(course, tally, following, later, verdict=verdict)


@page
async def practice_page(request: Request) -> Response:
    who = await viewer(request)
    scope = request.query_params.get("quiz", "")
    view = await blocking(start, course_of(request), web_of(request), who.student, scope)
    return render(request, "practice.html", who=who, view=view)


@page
async def practice_answer(request: Request) -> Response:
    who = await viewer(request)
    form = await form_of(request)
    view = await blocking(answer, course_of(request), web_of(request), who.student, form)
    return render(request, "practice.html", status=422 if view.problem else 200, who=who, view=view)


def _tally(form: FormData) -> Tally:
    return Tally(
        str(form.get("quiz", ""))[:100],
        *(_number(form.get(name), 10_000) for name in ("done", "right", "partly", "wrong")),
    )


def _number(value: object, limit: int = 2**62) -> int:
    text = str(value or "")
    if not text.isdigit() or int(text) > limit:
        raise UploadRejected("the practice form was changed: start again from the Practice page")
    return int(text)
