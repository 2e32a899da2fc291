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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

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
    from grader.quiz.verdict import Verdict
    from grader.server.app import Course
    from grader.server.web.guard import WebState
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


def _session(course: Course, student: str, scope: str, seed: int) -> PracticeSession:
    from grader.service.sittings import PracticeSession

    ids = [scope] if scope else None
    if ids is None:
        from grader.quiz.bank import load_bank
        from grader.server.web.quizzes import bank_of

        ids = [q.id for q in load_bank(bank_of(course))]
    return PracticeSession(course.store, student, ids, limit=LIMIT, rng=random.Random(seed))


def _next(course: Course, student: str, scope: str) -> tuple[Shown | None, PracticeSession]:
    seed = secrets.randbits(62)
    session = _session(course, student, scope, seed)
    item = session.opening.item
    asked = session.next_question()
    if item is None or asked is None:
        return None, session
    return Shown(asked, seed, item.question_row_id, _due(item.due)), session


def _due(moment: datetime | None) -> str:
    return "new" if moment is None else moment.isoformat()


def start(course: Course, web: WebState, student: str, scope: str) -> tuple[Shown | None, PracticeSession]:
    from grader.quiz.bank import find_quiz

    quizzes = synced_bank(course, web)
    if scope:
        find_quiz(quizzes, scope)  # an unknown quiz is a clear error
    return _next(course, student, scope)


@page
async def practice_page(request: Request) -> Response:
    who = await viewer(request)
    scope = request.query_params.get("quiz", "")
    shown, session = await blocking(start, course_of(request), web_of(request), who.student, scope)
    return render(
        request,
        "practice.html",
        who=who,
        tally=Tally(scope),
        shown=shown,
        opening=session.opening,
        verdict=None,
        summary=None if shown else session.summary(),
        problem=None,
        stale=False,
    )


def _answer(course: Course, student: str, form: FormData) -> dict[str, object]:
    tally = _tally(form)
    seed = _number(form.get("seed"))
    session = _session(course, student, tally.scope, seed)
    item = session.opening.item
    posted = (str(form.get("question", "")), str(form.get("due", "")))
    if item is None or (str(item.question_row_id), _due(item.due)) != posted:
        shown, later = _next(course, student, tally.scope)  # answered already, in another page
        return {
            "tally": tally,
            "shown": shown,
            "opening": later.opening,
            "verdict": None,
            "stale": True,
            "summary": None if shown else later.summary(),
            "problem": None,
        }
    asked = session.next_question()
    assert asked is not None
    shown = Shown(asked, seed, item.question_row_id, _due(item.due))
    try:
        keys = chosen_keys(asked.presented, form)
    except AnswerFormatError as error:
        return {
            "tally": tally,
            "shown": shown,
            "opening": session.opening,
            "verdict": None,
            "stale": False,
            "summary": None,
            "problem": str(error),
        }
    verdict = session.answer(keys)
    tally = tally.after(verdict)
    following, later = (None, session) if tally.done >= LIMIT else _next(course, student, tally.scope)
    return {
        "tally": tally,
        "shown": following,
        "opening": later.opening,
        "verdict": verdict,
        "stale": False,
        "summary": None if following else later.summary(),
        "problem": None,
    }


@page
async def practice_answer(request: Request) -> Response:
    who = await viewer(request)
    form = await form_of(request)
    found = await blocking(_answer, course_of(request), who.student, form)
    return render(request, "practice.html", status=422 if found["problem"] else 200, who=who, **found)


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
