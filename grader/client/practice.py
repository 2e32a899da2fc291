"""Spaced-repetition practice held by a course server, driven like a local `PracticeSession`.

`grader quiz practice` asks, reads and shows the same way whichever session it drives: this
one sends each answer to the server, which scores, stores and reschedules it on the student's
one schedule (the browser's `/practice` uses the same), and answers with the verdict and the
next question due (see `grader.server.practice_api`). The server keeps nothing between
questions; this side counts the session's answers against its `limit`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from grader import contracts

if TYPE_CHECKING:
    from grader.client.http import CourseClient
    from grader.quiz.present import Asked
    from grader.quiz.results import PracticeSummary
    from grader.quiz.verdict import Verdict


class RemotePracticeSession:
    """Practice of one quiz (or of all, with `quiz_id` None) on the course server."""

    def __init__(self, client: CourseClient, quiz_id: str | None, *, limit: int) -> None:
        self._client = client
        self.quiz_id = quiz_id
        self.limit = limit
        self._state = client.practice(quiz_id)
        self._verdicts: list[Verdict] = []
        self._stopped = False
        self.due, self.new = int(self._state["due"]), int(self._state["new"])
        """Where the schedule stood when the session began, as the opening line says it."""
        self.next_due = _moment(self._state.get("next_due"))

    @property
    def has_question(self) -> bool:
        return self._state.get("question") is not None

    def next_question(self) -> Asked | None:
        if self._stopped or len(self._verdicts) >= self.limit or self._state.get("question") is None:
            return None
        return contracts.asked_from(self._state["question"])

    def answer(self, keys: tuple[str, ...]) -> Verdict:
        answered = self._client.practice_answer(self.quiz_id, self._state["ticket"], keys)
        verdict = contracts.verdict_from(answered["verdict"])
        self._state = answered["next"]
        self._verdicts.append(verdict)
        return verdict

    def stop(self) -> None:
        self._stopped = True

    def summary(self) -> PracticeSummary:
        """The session's answers and what waits now, as the server last said."""
        from grader.quiz.results import PracticeSummary

        state = self._state
        return PracticeSummary(
            tuple(self._verdicts), int(state["due"]), int(state["new"]), _moment(state.get("next_due")), self._stopped
        )


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
