"""Where students struggle: per exercise and per hidden test, the share of students failing it.

Each student counts once per exercise, with the attempt that the score policy counts (their
best, or their latest). A test fails for a student unless it passed in that attempt. The
most common failure messages are compared by `failure_kind`: the call without its arguments,
what went wrong, and the line of the difference, so the same mistake on different inputs (or
at different lines of different students' files) counts as one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from grader.course import ScorePolicy
from grader.report.gradebook import counted_exercises, exercise_names
from grader.store.reports import ExerciseRow, TestRow

TOP_MESSAGES = 3
_CALL = re.compile(r"\b[A-Za-z_][\w.]*\(")
_CALL_END = re.compile(r"\) [a-z]")
_FILE_LINE = re.compile(r"(\.py):\d+")
_DETAIL_SKIP = ("expected:", "got:", "hint:", "lesson:")


@dataclass(frozen=True)
class FailureMessage:
    message: str
    students: int


@dataclass(frozen=True)
class TestStruggle:
    __test__ = False  # not a pytest class

    exercise: str
    test_id: str
    name: str
    students: int
    failing: int
    messages: tuple[FailureMessage, ...]

    @property
    def share(self) -> float:
        return round(self.failing / self.students, 4) if self.students else 0.0


@dataclass(frozen=True)
class ExerciseStruggle:
    exercise: str
    max_score: float
    scores: tuple[float, ...]
    """The counted score of every student who attempted the exercise, for distributions."""
    failing: int
    tests: tuple[TestStruggle, ...]
    messages: tuple[FailureMessage, ...]

    @property
    def students(self) -> int:
        return len(self.scores)

    @property
    def share(self) -> float:
        return round(self.failing / self.students, 4) if self.students else 0.0


def find_struggles(
    exercises: Sequence[ExerciseRow],
    tests: Sequence[TestRow],
    policy: ScorePolicy,
    exercise_order: Sequence[str] = (),
) -> tuple[ExerciseStruggle, ...]:
    """One record per exercise; `tests` are those of the counted attempts (see `counted_rows`)."""
    chosen = counted_exercises(exercises, policy)
    tests_of: dict[int, list[TestRow]] = {}
    for test in tests:
        tests_of.setdefault(test.exercise_result_id, []).append(test)
    found = []
    for name in exercise_names(exercises, exercise_order):
        rows = [row for (_, exercise), row in sorted(chosen.items()) if exercise == name]
        per_test: dict[str, list[TestRow]] = {}
        messages: Counter[str] = Counter()
        for row in rows:
            seen: set[str] = set()
            for test in tests_of.get(row.exercise_result_id, []):
                per_test.setdefault(test.test_id, []).append(test)
                if test.outcome != "passed":
                    seen.add(failure_kind(test.message))
            messages.update(seen)
        test_records = tuple(_test_struggle(name, results) for results in per_test.values())
        found.append(
            ExerciseStruggle(
                exercise=name,
                max_score=rows[-1].max_score if rows else 0.0,
                scores=tuple(row.score for row in rows),
                failing=sum(row.score < row.max_score for row in rows),
                tests=test_records,
                messages=_top(messages),
            )
        )
    return tuple(found)


def counted_rows(exercises: Sequence[ExerciseRow], policy: ScorePolicy) -> list[int]:
    """The exercise-result ids whose tests `find_struggles` needs."""
    return [row.exercise_result_id for row in counted_exercises(exercises, policy).values()]


def most_failed(struggles: Sequence[ExerciseStruggle], limit: int = 10) -> list[TestStruggle]:
    """The tests most students fail, highest share first (ties by exercise order)."""
    tests = [t for s in struggles for t in s.tests if t.failing]
    return sorted(tests, key=lambda t: -t.share)[:limit]


def failure_kind(message: str) -> str:
    """What a failure message says, without the particulars of one student's attempt."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("lesson:")]
    if not lines:
        return "(no message)"
    head = _FILE_LINE.sub(r"\1", _collapse_calls(lines[0]))
    details = [line for line in lines[1:] if not line.startswith(_DETAIL_SKIP)]
    return f"{head}: {details[-1]}" if details else head


def _collapse_calls(text: str) -> str:
    """`f(1, [2, 3])` becomes `f(…)`; nested and unbalanced brackets are handled."""
    out, position = [], 0
    for found in _CALL.finditer(text):
        if found.start() < position:
            continue
        depth, end = 0, len(text)
        for index in range(found.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[index], 0)
            if depth == 0:
                end = index + 1
                break
        else:  # an abbreviated argument lost its bracket: end at the last ") word"
            tail = list(_CALL_END.finditer(text, found.end()))
            end = tail[-1].start() + 1 if tail else end
        out.append(text[position : found.end()] + "…)")
        position = end
    out.append(text[position:])
    return "".join(out)


def _test_struggle(exercise: str, results: list[TestRow]) -> TestStruggle:
    failing = [r for r in results if r.outcome != "passed"]
    messages = Counter(failure_kind(r.message) for r in failing)
    return TestStruggle(exercise, results[0].test_id, results[-1].name, len(results), len(failing), _top(messages))


def _top(messages: Counter[str]) -> tuple[FailureMessage, ...]:
    """The most common messages; ties in alphabetical order, so a report reads the same in every
    process (a Counter's ties would follow the order strings were first counted in)."""
    ranked = sorted(messages.items(), key=lambda item: (-item[1], item[0]))
    return tuple(FailureMessage(text, count) for text, count in ranked[:TOP_MESSAGES])
