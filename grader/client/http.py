"""Talking to a course server's `/api/v1`: requests out, records or one-line errors back.

Every failure becomes one of the grader's errors, so the command line reports it like any
other: the server's own 4xx message as bad input (exit 2), a server that cannot be reached
or does not answer in time as `ServerUnreachable` (exit 3), a 5xx as the grader's fault.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from grader.client.login import Login
from grader.errors import (
    AlreadyAnswered,
    GraderError,
    GraderFault,
    NotAuthenticated,
    NotFoundError,
    PermissionDenied,
    ServerUnreachable,
    TooFast,
    UploadRejected,
    UploadTooLarge,
)

CONNECT_SECONDS = 10.0
ANSWER_SECONDS = 30.0
GRADE_WAIT_SECONDS = 300.0
"""How long `grader submit` waits for its grade before saying where to find it later."""

_BY_STATUS: dict[int, type[GraderError]] = {
    401: NotAuthenticated,
    403: PermissionDenied,
    404: NotFoundError,
    409: AlreadyAnswered,
    413: UploadTooLarge,
    422: UploadRejected,
    429: TooFast,
}


class CourseClient:
    """One server and one token; use as a context manager."""

    def __init__(self, login: Login, *, transport: httpx.BaseTransport | None = None) -> None:
        self.login = login
        self._http = httpx.Client(
            base_url=login.server,
            headers={"Authorization": f"Bearer {login.token}", "User-Agent": "nn-grader"},
            timeout=httpx.Timeout(ANSWER_SECONDS, connect=CONNECT_SECONDS),
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> CourseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    # -- the API ----------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/me")

    def exercise_files(self) -> dict[str, str]:
        """The course's exercises: name -> the file a student hands in."""
        answer = self._call("GET", "/api/v1/course")
        return {str(e["name"]): str(e["file"]) for e in answer.get("exercises", []) if isinstance(e, dict)}

    def upload(self, files: dict[str, str], exercises: list[str] | None, key: str) -> dict[str, Any]:
        """Send an upload; the answer says its submission id and status (and its grade if ready)."""
        body: dict[str, Any] = {"files": files}
        if exercises is not None:
            body["exercises"] = exercises
        return self._call("POST", "/api/v1/submissions", json=body, headers={"Idempotency-Key": key})

    def upload_for(self, student: str, files: dict[str, str], key: str) -> dict[str, Any]:
        """An instructor's upload on a student's behalf."""
        body = {"student": student, "files": files}
        return self._call("POST", "/api/v1/class/submissions", json=body, headers={"Idempotency-Key": key})

    def graded(
        self,
        submission_id: int,
        *,
        patience: float = GRADE_WAIT_SECONDS,
        waiting: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """The submission once graded or not gradable; ServerUnreachable after `patience` s.
        `waiting` is given each answer that says it is still queued or being graded."""
        deadline = time.monotonic() + patience
        while True:
            wait = max(0.0, min(25.0, deadline - time.monotonic()))
            answer = self._call("GET", f"/api/v1/submissions/{submission_id}", params={"wait": f"{wait:.1f}"})
            if answer.get("status") in ("graded", "not_gradable"):
                return answer
            if waiting is not None:
                waiting(answer)
            if time.monotonic() >= deadline:
                raise ServerUnreachable(
                    f"the server has submission #{submission_id} but did not grade it within {patience:g} s; "
                    "see it later with `grader progress`"
                )

    def progress(self, student: str | None = None) -> dict[str, Any]:
        return self._call("GET", "/api/v1/progress", params={"student": student} if student else None)

    def history(self, student: str, fmt: str) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/students/{quote(student, safe='')}/history", params={"format": fmt})

    def source(self, submission_id: int, path: str | None) -> dict[str, Any]:
        return self._call("GET", f"/api/v1/submissions/{submission_id}/source", params={"file": path} if path else None)

    def report(self, fmt: str, policy: str | None, width: int) -> dict[str, Any]:
        params = {"format": fmt, "width": str(width), **({"policy": policy} if policy else {})}
        return self._call("GET", "/api/v1/report", params=params)

    # -- plumbing ---------------------------------------------------------------------------

    def quizzes(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/quizzes")

    def start_sitting(self, quiz_id: str) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/quizzes/{quote(quiz_id, safe='')}/sittings")

    def answer_sitting(self, sitting_id: int, position: int, keys: tuple[str, ...]) -> dict[str, Any]:
        body = {"position": position, "answer": list(keys)}
        return self._call("POST", f"/api/v1/quiz-sittings/{sitting_id}/answers", json=body)

    def stop_sitting(self, sitting_id: int) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/quiz-sittings/{sitting_id}/stop")

    def practice(self, quiz_id: str | None) -> dict[str, Any]:
        return self._call("GET", "/api/v1/practice", params={"quiz": quiz_id} if quiz_id else None)

    def practice_answer(self, quiz_id: str | None, ticket: object, keys: tuple[str, ...]) -> dict[str, Any]:
        body = {"quiz": quiz_id or "", "ticket": ticket, "answer": list(keys)}
        return self._call("POST", "/api/v1/practice/answers", json=body)

    def quiz_attempt(self, quiz_id: str, answers: object) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/quizzes/{quote(quiz_id, safe='')}/attempts", json={"answers": answers})

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise ServerUnreachable(f"the server {self.login.server} did not answer in time") from error
        except httpx.TransportError as error:
            raise ServerUnreachable(f"cannot reach the server {self.login.server} ({type(error).__name__})") from error
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success and isinstance(data, dict):
            return data
        said = data.get("error") if isinstance(data, dict) else None
        message = " ".join(said.split())[:300] if isinstance(said, str) else ""
        message = message or f"the server answered {response.status_code}"
        if response.status_code >= 500 or response.is_success:
            raise GraderFault(f"the server {self.login.server} failed: {message}")
        if response.status_code == 429:
            retry = response.headers.get("retry-after", "")
            raise TooFast(f"the server says: {message}", float(retry) if retry.isdigit() else 60.0)
        raise _BY_STATUS.get(response.status_code, GraderError)(f"the server says: {message}")
