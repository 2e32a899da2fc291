"""What hidden suites assert with: comparisons that fail with a message a student can act on.

A suite test receives two fixtures, `student` (a `grader.sandbox.student.StudentModule`: every
call runs in the sandbox and returns plain data) and `reference` (the instructors' module),
and marks its weight and lesson section with `@pytest.mark.points(n)` and
`@pytest.mark.lesson("Section")`. Its failures are `Mismatch` errors whose text is the whole
feedback, because the grader shows neither tracebacks nor the suite's source:

    perceptron.step(0.0)
      expected: 0
      got:      1
      expected 0, got 1
    hint: at exactly the threshold the output is 0 (the lesson uses >, not >=)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from grader.grading.feedback import abbreviate, difference
from grader.sandbox.errors import MissingFunction, StudentCodeError, StudentRaised

DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 1e-10


class Mismatch(AssertionError):
    """A hidden test's verdict on a wrong answer; its message is shown to the student as is."""


def fail(message: str, *, hint: str | None = None) -> None:
    raise Mismatch(message + (f"\nhint: {hint}" if hint else ""))


def expect(condition: bool, call: object, message: str, *, hint: str | None = None) -> None:
    """Fail with `call` and `message` unless `condition` holds."""
    if not condition:
        fail(f"{call}\n  {message}", hint=hint)


def expect_close(
    got: Any,
    expected: Any,
    *,
    call: object,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    hint: str | None = None,
) -> None:
    """Fail unless `got` has `expected`'s type and shape and matches it within tolerance.

    Types and shapes are compared before values: broadcasting would let a (1, 1) answer
    pass `allclose` against a (1,) one.
    """
    found = difference(got, expected, rtol=rtol, atol=atol)
    if found is not None:
        fail(
            f"{call}\n  expected: {abbreviate(expected)}\n  got:      {abbreviate(got)}\n  {found}",
            hint=hint,
        )


def expect_equal(got: Any, expected: Any, *, call: object, hint: str | None = None) -> None:
    """Like `expect_close` with no tolerance: for class labels, counts and exact arithmetic."""
    expect_close(got, expected, call=call, rtol=0.0, atol=0.0, hint=hint)


def matches_reference(
    student: Any,
    reference: Any,
    function: str,
    *args: Any,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    hint: str | None = None,
    readonly: bool = False,
    **kwargs: Any,
) -> Any:
    """Call `function` in the reference and in the student's sandbox with the same input and
    compare; return the student's answer for further checks."""
    expected = getattr(reference, function)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    got = student.call(function, *args, _readonly=readonly, **kwargs)
    expect_close(got, expected, call=student.last_call, rtol=rtol, atol=atol, hint=hint)
    return got


Upstream = tuple[str, tuple[Any, ...], Any, str]
"""An earlier function to suspect: (function, args, what the reference gives, its exercise)."""


def blame_upstream(
    student: Any, user: str, suspects: Iterable[Upstream], *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL
) -> Callable[[], str | None]:
    """A function naming the first of the student's earlier functions that is wrong on the given
    inputs, called as the later module imported it; None when all agree with the reference.

    Exercises build on one another (backprop calls forward_pass, which calls sigmoid): when a later
    test fails, this tells the student where the real mistake is.
    """
    listed = list(suspects)

    def blame() -> str | None:
        for function, args, expected, exercise in listed:
            try:
                got = student.call(function, *args, _readonly=True)
            except MissingFunction:
                continue  # imported under another name: cannot tell
            except StudentRaised as error:
                return (
                    f"{user} uses your {exercise}.{function}, which raised {error.type_name}: fix {exercise}.py first"
                )
            except StudentCodeError:
                return None
            if difference(got, expected, rtol=rtol, atol=atol) is not None:
                return (
                    f"{user} uses your {exercise}.{function}, which is wrong here "
                    f"(see the {exercise} tests): fix {exercise}.py first"
                )
        return None

    return blame


def expect_close_downstream(
    got: Any,
    expected: Any,
    *,
    call: object,
    hint: str | None = None,
    blame: Callable[[], str | None] | None = None,
    given_upstream: Callable[[], Any] | None = None,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
) -> None:
    """`expect_close` for a function that builds on earlier ones, so one bug costs points where it is.

    On a mismatch: pass if `given_upstream()` (the expected value recomputed with the student's
    own, wrong, earlier functions) matches, since that bug is charged in its own exercise;
    otherwise fail, adding the `cause:` that `blame()` finds, if any.
    """
    found = difference(got, expected, rtol=rtol, atol=atol)
    if found is None:
        return
    alternative = given_upstream() if given_upstream is not None else None
    if alternative is not None and difference(got, alternative, rtol=rtol, atol=atol) is None:
        return
    cause = blame() if blame is not None else None
    fail(
        f"{call}\n  expected: {abbreviate(expected)}\n  got:      {abbreviate(got)}\n  {found}"
        + (f"\n  cause: {cause}" if cause else ""),
        hint=hint,
    )
