"""A quiz sitting held by a course server, driven like a local `QuizSitting`.

`grader quiz take` asks, reads and shows the same way whichever sitting it drives: this one
sends each answer to the server, which scores, explains and stores it (see
`grader.server.quiz_api`), and hands back the verdict and the next question. The questions
arrive without their answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader import contracts

if TYPE_CHECKING:
    from grader.client.http import CourseClient
    from grader.quiz.present import Asked
    from grader.quiz.results import AttemptResult
    from grader.quiz.verdict import Verdict


class RemoteQuizSitting:
    """One sitting of a quiz on the server; `finish()` gives the stored attempt."""

    def __init__(self, client: CourseClient, quiz_id: str) -> None:
        self._client = client
        started = client.start_sitting(quiz_id)
        self.sitting_id = int(started["sitting_id"])
        self.quiz_id = str(started["quiz"])
        self.title = str(started["title"])
        self.total = int(started["questions"])
        self._question: dict[str, Any] | None = started.get("question")
        self._answered = 0
        self._finished: dict[str, Any] | None = None
        self._done = False

    def next_question(self) -> Asked | None:
        return contracts.asked_from(self._question) if self._question is not None and not self._done else None

    def answer(self, keys: tuple[str, ...]) -> Verdict:
        answer = self._client.answer_sitting(self.sitting_id, self._answered, keys)
        self._answered += 1
        self._question = answer.get("question")
        if "attempt" in answer:
            self._finished, self._done = answer["attempt"], True
        return contracts.verdict_from(answer["verdict"])

    def stop(self) -> None:
        if not self._done:
            self._finished, self._done = self._client.stop_sitting(self.sitting_id)["attempt"], True

    def finish(self) -> AttemptResult | None:
        """The attempt the server stored (None when nothing was answered)."""
        self.stop()
        return attempt_from(self._finished)


def attempt_from(document: dict[str, Any] | None) -> AttemptResult | None:
    """An attempt as the server answers it (see `grader.server.quiz_api`), as a record."""
    if document is None:
        return None
    verdicts = [contracts.verdict_from(v) for v in document["verdicts"]]
    return contracts.attempt_result_from(document["result"], str(document["title"]), verdicts)
