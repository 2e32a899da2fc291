"""Every page of the course in the browser, in one list (the API's are in `grader.server.app`)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from grader.server.web import auth, live, practice, quizzes, staff, student


def page_routes() -> list[BaseRoute]:
    return [
        Route("/", auth.home),
        Route("/login", auth.login_page),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        # students
        Route("/me", student.my_work),
        Route("/me/submissions/{submission_id}", student.my_submission),
        Route("/quizzes", quizzes.quiz_list),
        Route("/quizzes/{quiz_id}/take", quizzes.take, methods=["POST"]),
        Route("/quizzes/sittings/{sitting_id}", quizzes.sitting_page),
        Route("/quizzes/sittings/{sitting_id}/answer", quizzes.answer, methods=["POST"]),
        Route("/quizzes/sittings/{sitting_id}/stop", quizzes.stop, methods=["POST"]),
        Route("/practice", practice.practice_page),
        Route("/practice", practice.practice_answer, methods=["POST"]),
        # TAs and instructors
        Route("/class", staff.class_page),
        Route("/class/export", staff.export),
        Route("/class/students/{student}", staff.student_page),
        Route("/class/students/{student}/override", staff.override, methods=["POST"]),
        Route("/class/students/{student}/extension", staff.extend, methods=["POST"]),
        Route("/class/submissions/{submission_id}", staff.submission_page),
        Route("/class/submissions/{submission_id}/regrade", staff.regrade, methods=["POST"]),
        Route("/class/submissions/{submission_id}/files/{path}", staff.raw_file),
        # live pages
        Route("/events/me", live.my_events),
        Route("/events/class", live.class_events),
        Mount("/static", StaticFiles(packages=[("grader.server", "static")]), name="static"),
    ]
