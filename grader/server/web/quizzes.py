"""Quizzes in the browser: the same questions, shuffling, scoring and storage as `grader quiz
take`, one question a page; the explanation after each answer, the missed questions at the
end. The sitting lives in the database between pages (`grader.service.saved_sittings`).

Options are sent as the numbers they are shown under (1, 2, 3), never as the authored keys,
and read back with the terminal's own `read_choice`, so a page's source gives nothing away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grader.errors import AnswerFormatError
from grader.server.api import _int, blocking, course_of
from grader.server.web.guard import form_of, page, viewer, web_of
from grader.server.web.templating import render

if TYPE_CHECKING:
    from grader.quiz.model import Quiz
    from grader.quiz.present import Presented
    from grader.records import QuizScores
    from grader.server.app import Course
    from grader.server.web.guard import WebState
    from grader.service.enrolment import Principal
    from grader.service.saved_sittings import ResumedSitting
    from grader.store.sittings import SittingRow


@dataclass(frozen=True)
class QuizListing:
    quiz: Quiz
    scores: QuizScores | None
    open_sitting: SittingRow | None
    due: int
    new: int


def bank_of(course: Course) -> list[Path]:
    from grader.settings import bundled_quizzes_dir

    return [course.quizzes_dir if course.quizzes_dir is not None else bundled_quizzes_dir()]


def synced_bank(course: Course, web: WebState) -> list[Quiz]:
    """The course's quizzes, loaded into the database again only when a quiz file changed
    (practice reads the questions from the database)."""
    from grader.quiz.bank import load_bank, quiz_files
    from grader.service.quizzes import sync_bank

    paths = bank_of(course)
    files, _ = quiz_files(paths)
    stamp = {str(f): f.stat().st_mtime for f in files}
    if stamp != web.synced_bank:
        quizzes = sync_bank(course.store, paths)
        web.synced_bank = stamp
        return quizzes
    return load_bank(paths)


def listing(course: Course, web: WebState, student: str) -> list[QuizListing]:
    from grader.service import saved_sittings
    from grader.service.quizzes import practice_queue, quiz_progress

    quizzes = synced_bank(course, web)
    scores = {s.quiz: s for s in quiz_progress(course.store, student).quizzes}
    sittings: dict[str, SittingRow] = {}
    for row in saved_sittings.open_sittings(course.store, student):
        sittings.setdefault(row.quiz, row)
    found = []
    for quiz in quizzes:
        queue = practice_queue(course.store, student, [quiz.id])
        found.append(QuizListing(quiz, scores.get(quiz.id), sittings.get(quiz.id), queue.due, queue.new))
    return found


@page
async def quiz_list(request: Request) -> Response:
    who = await viewer(request)
    found = await blocking(listing, course_of(request), web_of(request), who.student)
    return render(request, "quizzes.html", who=who, quizzes=found)


@page
async def take(request: Request) -> Response:
    from grader.service import saved_sittings

    who = await viewer(request)
    course = course_of(request)
    sitting_id = await blocking(
        saved_sittings.start, course.store, bank_of(course), request.path_params["quiz_id"], who.student
    )
    return RedirectResponse(f"/quizzes/sittings/{sitting_id}", status_code=303)


async def _my_sitting(request: Request) -> tuple[Principal, ResumedSitting]:
    """The signed-in student and their sitting named in the path (anyone else's: not found)."""
    from grader.service import saved_sittings

    who = await viewer(request)
    course = course_of(request)
    sitting_id = _int(request.path_params["sitting_id"], "sitting id")
    return who, await blocking(saved_sittings.load, course.store, bank_of(course), sitting_id, who.student)


@page
async def sitting_page(request: Request) -> Response:
    from grader.service import saved_sittings

    who, saved = await _my_sitting(request)
    course = course_of(request)
    if saved.finished:
        result = await blocking(saved_sittings.result, course.store, saved)
        return render(request, "quiz_result.html", who=who, quiz=saved.quiz, result=result)
    return _question_page(request, who, saved)


@page
async def answer(request: Request) -> Response:
    from grader.service import saved_sittings

    who, saved = await _my_sitting(request)
    course = course_of(request)
    form = await form_of(request)
    here = f"/quizzes/sittings/{saved.id}"
    asked = saved.sitting.next_question()
    if saved.finished or asked is None or str(form.get("position", "")) != str(saved.answered):
        return RedirectResponse(here, status_code=303)  # answered already, in another page
    try:
        keys = chosen_keys(asked.presented, form)
    except AnswerFormatError as error:
        return _question_page(request, who, saved, problem=str(error))
    await blocking(saved_sittings.answer, course.store, saved, keys)
    return RedirectResponse(f"{here}#verdict", status_code=303)


@page
async def stop(request: Request) -> Response:
    from grader.service import saved_sittings

    _, saved = await _my_sitting(request)
    if not saved.finished:
        await blocking(saved_sittings.stop, course_of(request).store, saved)
    return RedirectResponse(f"/quizzes/sittings/{saved.id}", status_code=303)


def _question_page(request: Request, who: Principal, saved: ResumedSitting, problem: str | None = None) -> Response:
    verdicts = saved.sitting.verdicts
    return render(
        request,
        "quiz_question.html",
        status=422 if problem else 200,
        who=who,
        quiz=saved.quiz,
        sitting_id=saved.id,
        asked=saved.sitting.next_question(),
        position=saved.answered,
        total=saved.sitting.total,
        verdict=verdicts[-1] if verdicts and not problem else None,
        problem=problem,
    )


def chosen_keys(presented: Presented, form: FormData) -> tuple[str, ...]:
    """The authored keys of what the form chose, read as the terminal reads typed numbers."""
    from grader.quiz.present import read_choice

    if presented.question.type == "numeric":
        typed = str(form.get("number", "")).strip()
        if not typed:
            raise AnswerFormatError("type a number")
        return read_choice(presented, typed)
    numbers: Sequence[object] = form.getlist("choice")
    if not numbers:
        raise AnswerFormatError("choose an option" if presented.question.type == "single" else "choose the options")
    return read_choice(presented, ",".join(str(n) for n in numbers))
