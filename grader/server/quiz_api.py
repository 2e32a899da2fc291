"""The quiz half of `/api/v1`: `grader quiz take` against a course server.

A sitting lives in the server's database (`grader.service.saved_sittings`, the same sittings
the web pages use), so a question is scored, explained and stored by the server whichever way
the student takes the quiz. A question goes out without its answer; the verdict on an answer
comes back with it. An answers file (`--answers`) is checked and scored by the server too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grader import contracts
from grader.errors import AlreadyAnswered, UploadRejected
from grader.quiz.present import read_choice
from grader.server.api import blocking, course_of, json_body, principal_of, whole_number

if TYPE_CHECKING:
    from grader.quiz.present import Presented
    from grader.quiz.results import AttemptResult
    from grader.service.saved_sittings import ResumedSitting


def quiz_bank(request: Request) -> list[Path]:
    from grader.settings import bundled_quizzes_dir

    folder = course_of(request).quizzes_dir
    return [folder if folder is not None else bundled_quizzes_dir()]


async def list_quizzes(request: Request) -> Response:
    from grader.service import quizzes

    await principal_of(request)
    found = await blocking(quizzes.list_quizzes, quiz_bank(request))
    return JSONResponse(contracts.quiz_list(found))


async def start_sitting(request: Request) -> Response:
    """Begin a sitting of the quiz in the path, with a fresh shuffle; its first question."""
    from grader.service import saved_sittings

    who = await principal_of(request)
    store, bank = course_of(request).store, quiz_bank(request)
    sitting_id = await blocking(saved_sittings.start, store, bank, request.path_params["quiz_id"], who.student)
    saved = await blocking(saved_sittings.load, store, bank, sitting_id, who.student)
    return JSONResponse(
        {
            "sitting_id": sitting_id,
            "quiz": saved.quiz.id,
            "title": saved.quiz.title,
            "questions": len(saved.quiz.questions),
            "question": _next(saved),
        },
        status_code=201,
    )


async def answer_sitting(request: Request) -> Response:
    """Score, explain and keep the answer to the sitting's current question: `{"position": N,
    "answer": [keys]}`, N the number of questions answered before it (so that an answer sent
    twice is not taken for the next question's)."""
    from grader.service import saved_sittings

    saved = await _my_sitting(request)
    body = await json_body(request)
    shape = 'the body must be {"position": N, "answer": ["2"]}: option numbers as shown, or the number as text'
    if not isinstance(body, dict) or type(body.get("position")) is not int or not isinstance(body.get("answer"), list):
        raise UploadRejected(shape)
    given = body["answer"]
    if not given or len(given) > MAX_CHOSEN or not all(isinstance(k, str) for k in given):
        raise UploadRejected(shape)
    if body["position"] != saved.answered or saved.finished:
        raise AlreadyAnswered(f"question {saved.answered + 1} of this sitting is the one to answer now")
    asked = saved.sitting.next_question()
    if asked is None:
        raise AlreadyAnswered("this sitting has no question left to answer")
    keys = authored_keys(asked.presented, given)
    verdict = await blocking(saved_sittings.answer, course_of(request).store, saved, keys)
    if verdict is None:
        raise AlreadyAnswered("this question was answered already")
    answer: dict[str, Any] = {"verdict": contracts.quiz_verdict(verdict), "question": _next(saved)}
    if saved.finished:
        answer["attempt"] = await _finished(request, saved)
    return JSONResponse(answer)


async def stop_sitting(request: Request) -> Response:
    """The student stops: what was answered is stored as an incomplete attempt."""
    from grader.service import saved_sittings

    saved = await _my_sitting(request)
    if not saved.finished and not await blocking(saved_sittings.stop, course_of(request).store, saved):
        saved = await _my_sitting(request)  # finished meanwhile (its last answer): say what was stored
    return JSONResponse({"attempt": await _finished(request, saved)})


async def post_attempt(request: Request) -> Response:
    """A whole quiz answered at once, as in an answers file: `{"answers": {question id: keys}}`."""
    from grader.quiz.answers import check_answers
    from grader.quiz.bank import find_quiz, load_bank
    from grader.service import quizzes

    who = await principal_of(request)
    body = await json_body(request)
    if not isinstance(body, dict) or "answers" not in body:
        raise UploadRejected('the body must be {"answers": {question id: [option keys]}}')
    quiz = find_quiz(await blocking(load_bank, quiz_bank(request)), request.path_params["quiz_id"])
    answers = check_answers(body["answers"], quiz)
    result = await blocking(quizzes.submit_attempt, course_of(request).store, quiz, who.student, answers)
    return JSONResponse({"attempt": _attempt_document(result)}, status_code=201)


async def _my_sitting(request: Request) -> ResumedSitting:
    from grader.service import saved_sittings

    who = await principal_of(request)
    sitting_id = whole_number(request.path_params["sitting_id"], "sitting id")
    return await blocking(saved_sittings.load, course_of(request).store, quiz_bank(request), sitting_id, who.student)


MAX_CHOSEN = 64
"""More options than any question has: a longer answer is not one."""


def authored_keys(presented: Presented, given: list[str]) -> list[str]:
    """The quiz's own option keys for the option numbers a client sent (1 for the first shown);
    a numeric answer as given. The keys never leave the server before the verdict: in most
    quizzes the author wrote the right option first, and its key would give it away."""
    if presented.question.type == "numeric":
        return given
    return list(read_choice(presented, ",".join(given)))


def _next(saved: ResumedSitting) -> dict[str, Any] | None:
    asked = None if saved.finished else saved.sitting.next_question()
    return contracts.asked_question(asked, numbered=True) if asked is not None else None


async def _finished(request: Request, saved: ResumedSitting) -> dict[str, Any] | None:
    from grader.service import saved_sittings

    result = await blocking(saved_sittings.result, course_of(request).store, saved)
    return _attempt_document(result) if result is not None else None


def _attempt_document(result: AttemptResult) -> dict[str, Any]:
    """`grader quiz take --json`'s object, the quiz's title, and the verdicts the summary lists:
    those of the questions answered. A question left blank gets no verdict here, so that its
    answer is not given away for nothing."""
    return {
        "result": contracts.quiz_attempt(result),
        "title": result.title,
        "verdicts": [contracts.quiz_verdict(v) for v in result.verdicts if not v.blank],
    }
