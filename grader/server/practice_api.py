"""The practice half of `/api/v1`: `grader quiz practice` against a course server.

One schedule per student, whichever way they practise: the terminal of a logged-in student
reviews on the server's schedule, as the browser's `/practice` page does, through the same
functions (`grader.server.web.practice`). The server keeps no session between questions:
each question goes out with a ticket (the shuffle's seed, the question's stored id and when
it was due), and an answer is taken only while its question is still the one due first, so
an answer sent twice, or one already given in the browser, is refused with 409.

    GET  /api/v1/practice?quiz=ID        where practice stands, and the question due first
    POST /api/v1/practice/answers        {"quiz": ID or "", "ticket": {...}, "answer": ["2"]}
                                         -> {"verdict": {...}, "next": <as GET>}

A question goes out without its answer, its options numbered as shown ("1", "2", ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grader import contracts
from grader.errors import AlreadyAnswered, UploadRejected
from grader.server.api import blocking, course_of, json_body, principal_of
from grader.server.quiz_api import MAX_CHOSEN, authored_keys
from grader.server.web.guard import web_of

if TYPE_CHECKING:
    from grader.server.app import Course
    from grader.server.web.guard import WebState
    from grader.service.sittings import PracticeSession

TICKET_SHAPE = 'the body must be {"quiz": ID or null, "ticket": {as GET gave it}, "answer": ["2"]}'


async def practice_state(request: Request) -> Response:
    """Where the student's practice of `?quiz=ID` (or of every quiz) stands, and what to ask."""
    who = await principal_of(request)
    scope = request.query_params.get("quiz", "")
    state = await blocking(_opening, course_of(request), web_of(request), who.student, scope)
    return JSONResponse(state)


async def practice_answer(request: Request) -> Response:
    """Score, store and reschedule the answer to the ticket's question; the next question."""
    who = await principal_of(request)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("ticket"), dict):
        raise UploadRejected(TICKET_SHAPE)
    scope = body.get("quiz") or ""  # as GET answers it: null (or no key) for every quiz
    if not isinstance(scope, str):
        raise UploadRejected(TICKET_SHAPE)
    ticket, given = body["ticket"], body.get("answer")
    seed, question, due = ticket.get("seed"), ticket.get("question"), ticket.get("due")
    if type(seed) is not int or not 0 <= seed < 2**62 or not isinstance(question, str) or not isinstance(due, str):
        raise UploadRejected(TICKET_SHAPE)
    if not isinstance(given, list) or not 0 < len(given) <= MAX_CHOSEN or not all(isinstance(k, str) for k in given):
        raise UploadRejected(TICKET_SHAPE)
    web = web_of(request)
    answer = await blocking(_answer, course_of(request), web, who.student, scope[:100], seed, question, due, given)
    return JSONResponse(answer)


def _opening(course: Course, web: WebState, student: str, scope: str) -> dict[str, Any]:
    from grader.quiz.bank import find_quiz
    from grader.server.web.practice import next_shown
    from grader.server.web.quizzes import synced_bank

    quizzes = synced_bank(course, web)
    if scope:
        find_quiz(quizzes, scope)  # an unknown quiz is a clear error
    return _state(scope, *next_shown(course, web.signer, student, scope))


def _answer(
    course: Course, web: WebState, student: str, scope: str, seed: int, question: str, due: str, given: list[str]
) -> Any:
    from grader.quiz.bank import find_quiz, load_bank
    from grader.server.web.practice import Shown, next_shown, practice_session, still_first
    from grader.server.web.quizzes import bank_of

    if scope:
        find_quiz(load_bank(bank_of(course)), scope)  # an unknown quiz is a clear error, not a query

    session = practice_session(course, web.signer, student, scope, seed)
    if not still_first(session, question, due):
        raise AlreadyAnswered("this question was answered already (in another window?): ask for the next one")
    asked = session.next_question()
    if asked is None or not still_first(session, question, due):  # the schedule moved on meanwhile
        raise AlreadyAnswered("this question was answered already (in another window?): ask for the next one")
    verdict = session.answer(authored_keys(asked.presented, given))
    shown: Shown | None
    shown, later = next_shown(course, web.signer, student, scope)
    return {"verdict": contracts.quiz_verdict(verdict), "next": _state(scope, shown, later)}


def _state(scope: str, shown: Any, session: PracticeSession) -> dict[str, Any]:
    opening = session.opening
    return {
        "quiz": scope or None,
        "due": opening.due,
        "new": opening.new,
        "next_due": opening.next_due.isoformat() if opening.next_due else None,
        "question": contracts.asked_question(shown.asked, numbered=True) if shown else None,
        "ticket": {"seed": shown.seed, "question": str(shown.question_row_id), "due": shown.due} if shown else None,
    }
