"""What hidden suites assert with: comparisons that fail with a message a student can act on.

A suite test receives fixtures from `grader.grading.runner` (`student`, the sandboxed module under test;
`reference`, the instructors' module; `upstream`, the student's modules of other exercises;
`rng`, the attempt's random inputs) and marks its weight and lesson section with
`@pytest.mark.points(n)` and `@pytest.mark.lesson("Section")`. Its failures are `Mismatch`
errors whose text is the whole feedback, because the grader shows neither tracebacks nor the
suite's source:

    perceptron.step(0.0)
      expected: 0
      got:      1
    hint: at exactly the threshold the output is 0 (the lesson uses >, not >=)

Every test compares with something the student does not control: the reference, or fixed
values. A property of the student's own answers (a batch equals its samples one at a time)
is checked on top of that, never instead of it, so that no answer earns points by agreeing
with itself.

One mistake costs points where it is: `check_downstream` calls a function that builds on
others (train on backward_pass, forward_pass on dense_layer, dense_layer on sigmoid). When its
answer is wrong and one of those `Helper`s is wrong as graded (in its own exercise, never as
the later module names it), the test passes if the answer is right given what the student's
graded helper answers (`given_upstream`, compared with `same_values`; a helper that `is_constant`
never counts), or if a second call, with the reference's helper in its place (`_substitute`,
where the sandbox can), passes; otherwise the message names the wrong helper. An earlier
exercise's helper that passed every test of its own answers as the reference does when asked
again (`grader.grading.as_graded`), so only a mistake charged in its own tests is forgiven here.
"""

from __future__ import annotations

import copy
import inspect
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.grading.feedback import abbreviate, common_ratio, difference
from grader.sandbox.errors import MissingFunction, StudentCodeError, StudentDataError, StudentRaised, StudentTimeout
from grader.sandbox.student import CallsByName

DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 1e-10


class Mismatch(AssertionError):
    """A hidden test's verdict on a wrong answer; its message is shown to the student as is."""

    def __init__(self, text: str, hint: str | None = None, note: str | None = None) -> None:
        super().__init__(text)
        self.text, self.hint, self.note = text, hint, note

    def __str__(self) -> str:
        return self.text + (f"\n  {self.note}" if self.note else "") + (f"\nhint: {self.hint}" if self.hint else "")

    def noted(self, note: str) -> Mismatch:
        return Mismatch(self.text, self.hint, note)


def fail(message: str, *, hint: str | None = None) -> None:
    raise Mismatch(message, hint)


def expect(condition: bool, call: object, message: str | Callable[[], str], *, hint: str | None = None) -> None:
    """Fail with `call` and `message` unless `condition` holds.

    `message` may be a function that words it: describing a student's answer (`abbreviate`)
    costs more than most calls into the sandbox, and a passing check never shows it."""
    if not condition:
        fail(f"{call}\n  {message() if callable(message) else message}", hint=hint)


NONE_HINT = "the function returned None: a return statement is missing (or a path through it ends without one)"


def expect_close(
    got: Any,
    expected: Any,
    *,
    call: object,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    hint: str | None | Callable[[Any, Any, str], str | None] = None,
) -> None:
    """Fail unless `got` has `expected`'s type and shape and matches it within tolerance.

    Types and shapes are compared before values: broadcasting would let a (1, 1) answer
    pass `allclose` against a (1,) one. `hint` may be a function of (got, expected, what
    differs) that picks the hint matching the mistake.
    """
    found = difference(got, expected, rtol=rtol, atol=atol)
    if found is not None:
        chosen = hint(got, expected, found) if callable(hint) else hint
        if got is None:  # whatever the test's hint guesses, this is the cause
            chosen = NONE_HINT
        shown_expected, shown_got = abbreviate(expected), abbreviate(got)
        said = "" if found == f"expected {shown_expected}, got {shown_got}" else f"\n  {found}"  # not twice
        fail(f"{call}\n  expected: {shown_expected}\n  got:      {shown_got}{said}", hint=chosen)


def expect_equal(
    got: Any, expected: Any, *, call: object, hint: str | None | Callable[[Any, Any, str], str | None] = None
) -> None:
    """Like `expect_close` with no tolerance: for class labels, counts and exact arithmetic."""
    expect_close(got, expected, call=call, rtol=0.0, atol=0.0, hint=hint)


def matches_reference(
    student: Any,
    reference: Any,
    function: str,
    *args: Any,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    hint: str | None | Callable[[Any, Any, str], str | None] = None,
    readonly: bool = False,
    **kwargs: Any,
) -> Any:
    """Call `function` in the reference and in the student's sandbox with the same input and
    compare; return the student's answer for further checks."""
    expected = getattr(reference, function)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    got = student.call(function, *args, _readonly=readonly, **kwargs)
    expect_close(got, expected, call=student.last_call, rtol=rtol, atol=atol, hint=hint)
    return got


def ratio_hint(
    factors: Mapping[float, str] | Iterable[tuple[float, str]], otherwise: str | None
) -> Callable[[Any, Any, str], str | None]:
    """A hint for `expect_close` naming the cause of a constant factor between got and expected
    (`{2.0: "the 2 of 2 (AL - Y) / m twice?"}`), or `otherwise`. Where two causes give the same
    factor (with 2 outputs, dividing by them halves the answer as a missing 2 does), the hint
    names both."""
    pairs = list(factors.items()) if isinstance(factors, Mapping) else list(factors)

    def choose(got: Any, expected: Any, found: str) -> str | None:
        ratio = common_ratio(got, expected)
        if ratio is None:
            return otherwise
        causes = [hint for factor, hint in pairs if abs(ratio - factor) <= 1e-6 * abs(factor)]
        return "; or ".join(dict.fromkeys(causes)) if causes else otherwise

    return choose


# -- functions that build on others ----------------------------------------------------------


@dataclass
class Helper:
    """A function that the tested one may call, graded in its own tests.

    `name` is the global the tested module calls it by; `graded` the student's module in which
    its own tests grade it (the module under test, or `upstream("activations")`), None when the
    workspace has none; `reference` the trusted function with the right behaviour; `probes` the
    argument tuples on which to tell whether the graded one is right.
    """

    name: str
    reference: Callable[..., Any]
    graded: Any
    exercise: str
    probes: Sequence[tuple[Any, ...]]
    rtol: float = DEFAULT_RTOL
    atol: float = DEFAULT_ATOL
    quiet: bool = False
    """Also wrong when numpy warns on a probe (overflow, say), for tests that require no warning."""
    _verdict: list[bool] = field(default_factory=list, repr=False)

    def is_wrong(self) -> bool:
        """Whether the graded function differs from the reference on a probe (or raises there)."""
        if not self._verdict:
            self._verdict.append(self._probe())
        return self._verdict[0]

    def _probe(self) -> bool:
        if self.graded is None:
            return False  # nothing graded to compare: the later module's own names are its own
        for args in self.probes:
            expected = self.reference(*copy.deepcopy(args))
            try:
                got = self.graded.call(self.name, *args, _readonly=True)
            except (StudentRaised, MissingFunction, StudentDataError):
                return True
            except StudentCodeError:
                return False  # crashed or timed out: cannot tell, and not worth more of its budget
            if difference(got, expected, rtol=self.rtol, atol=self.atol) is not None:
                return True
            if self.quiet and any(w.startswith("RuntimeWarning") for w in self.graded.last_warnings):
                return True
        return False


def check_downstream(
    student: Any,
    function: str,
    *args: Any,
    judge: Callable[[Any], None],
    helpers: Iterable[Helper] | Callable[[], Iterable[Helper]] = (),
    given_upstream: Callable[[Any], bool] | None = None,
    readonly: bool = True,
    timeout: float | None = None,
    **kwargs: Any,
) -> Any:
    """Call `function` and `judge` its answer (judge raises `Mismatch`); return the answer.

    When the answer is wrong, or the call raises, and some of `helpers` are wrong as graded,
    call it again with the reference's helpers in their place (the sandbox answers those calls
    with the trusted functions): if that answer passes, so does the test, because the mistake
    is charged in the helper's own tests. If it fails too, the test fails with that answer
    (what this function itself gets wrong) and a note naming the wrong helpers.

    Code that reaches a helper other than by its global name (a dict of functions built at
    import) escapes the substitution: `given_upstream(answer)`, when given, says whether the
    first answer (or the `StudentRaised` error the call raised) is right given what the
    student's graded upstream functions answer (or raise, at the same line of their file).
    """
    answer: list[Any] = []
    try:
        return _judged(student, function, args, kwargs, judge, readonly, timeout, None, answer)
    except (Mismatch, StudentRaised) as error:
        first = error
    if given_upstream is not None:
        outcome = answer[0] if answer else first
        if given_upstream(outcome):
            _forgive(student, function)
            return outcome
    listed = helpers() if callable(helpers) else helpers
    wrong = [h for h in listed if h.name != function and h.is_wrong()]
    if not wrong:
        raise first
    names = ", ".join(dict.fromkeys(f"{h.exercise}.{h.name}" for h in wrong))
    one = len(wrong) == 1
    wrong_too = (
        f"note: your {names} {'is' if one else 'are'} wrong here too (see {'its' if one else 'their'} own tests)"
    )
    if not can_substitute(student):
        raise _noted(first, f"{wrong_too}: fix {'it' if one else 'them'} first") from None
    called: set[str] = set()
    substitute = {h.name: _counted(h.name, h.reference, called) for h in wrong}
    try:
        passed = _judged(student, function, args, kwargs, judge, readonly, timeout, substitute, [])
        _forgive(student, function)
        return passed
    except (Mismatch, StudentRaised) as error:
        if not called:  # a method of a class of theirs, say: nothing reached the reference's
            raise _noted(
                first,
                f"{wrong_too}; your {student.exercise}.{function} does not call {'it' if one else 'them'} "
                f"by name, so the grader could not put the reference's in {'its' if one else 'their'} place",
            ) from None
        raise _noted(
            error,
            f"{wrong_too}, which charge for {'it' if one else 'them'}; this is what your "
            f"{student.exercise}.{function} does with the reference's in {'its' if one else 'their'} place",
        ) from None
    except StudentTimeout:
        raise first from None


def _counted(name: str, function: Callable[..., Any], called: set[str]) -> Callable[..., Any]:
    """`function`, noting in `called` that `name` was asked for."""

    def counted(*args: Any, **kwargs: Any) -> Any:
        called.add(name)
        return function(*args, **kwargs)

    return counted


def _forgive(student: Any, function: str) -> None:
    """Say that `function` passed only with a wrong helper forgiven: a later suite must not take
    it for right on its own (see `grader.grading.as_graded`)."""
    if isinstance(student, CallsByName):
        student.forgive(function)


def _noted(error: Mismatch | StudentRaised, note: str) -> Mismatch | StudentRaised:
    if isinstance(error, Mismatch):
        return error.noted(note)
    return StudentRaised(f"{error.feedback}\n  {note}", error.type_name, error.message, error.where, error.function)


def same_raise(graded: Any, function: str, args: tuple[Any, ...], error: StudentRaised) -> bool:
    """Whether the student's graded `function(*args)` raises just as `error` was raised, at the
    same line of the same file: the later function met its helper's error, not one of its own."""
    try:
        graded.call(function, *args, _readonly=True)
    except StudentRaised as raised:
        return bool(error.where) and (raised.type_name, raised.message, raised.where) == (
            error.type_name,
            error.message,
            error.where,
        )
    except StudentCodeError:
        return False
    return False


def same_values(got: Any, expected: Any, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL) -> bool:
    """Whether `got` matches `expected` once every floating or integer array of both is float64:
    for answers that follow a student's earlier function, whose dtype (float32, int) is charged in
    that function's own tests, not again in the later one's."""
    return difference(_float64(got), _float64(expected), rtol=rtol, atol=atol) is None


def _float64(value: Any) -> Any:
    if isinstance(value, np.ndarray) and (
        np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)
    ):
        return value.astype(np.float64)
    if isinstance(value, (list, tuple)):
        return type(value)(_float64(item) for item in value)
    if isinstance(value, dict):
        return {key: _float64(item) for key, item in value.items()}
    return value


_CONSTANT: weakref.WeakKeyDictionary[Any, dict[str, bool]] = weakref.WeakKeyDictionary()
WIDE_RANGE = np.linspace(-6.0, 6.0, 49)


def is_constant(graded: Any, function: str) -> bool:
    """Whether the student's graded element-wise `function` gives one value on all of WIDE_RANGE
    (an activation or derivative that answers zeros, say): such an answer makes a later answer
    built on it degenerate, so it never stands in for the reference's. Asked once per module."""
    known = _CONSTANT.setdefault(graded, {})
    if function not in known:
        try:
            answer = graded.call(function, WIDE_RANGE, _readonly=True)
        except StudentCodeError:
            answer = None
        known[function] = not (
            isinstance(answer, np.ndarray)
            and answer.size > 1
            and np.issubdtype(answer.dtype, np.number)
            and not np.allclose(answer, answer.flat[0], rtol=1e-6, atol=1e-9)  # 1 + 1e-13 z is constant too
        )
    return known[function]


def graded_answer(
    graded: Any, function: str, z: Any, expected: Any, *, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL
) -> Any:
    """What the student's graded element-wise `function` answers on the array `z`, as float64,
    when that differs from the reference's `expected`; None when it agrees, when it cannot be
    read as an array of z's shape, holds a value that is not finite, or when the function
    `is_constant`. The value a later answer built on it is compared with (its dtype is charged in
    the function's own tests)."""
    if graded is None:
        return None
    try:
        answer = graded.call(function, z, _readonly=True)
    except StudentCodeError:
        return None
    if not isinstance(answer, np.ndarray) or answer.shape != np.shape(z) or not np.issubdtype(answer.dtype, np.number):
        return None
    answer = answer.astype(np.float64)
    if not np.all(np.isfinite(answer)):  # NaN equals NaN in comparisons: it would excuse anything
        return None
    if is_constant(graded, function) or difference(answer, expected, rtol=rtol, atol=atol) is None:
        return None
    return answer


def can_substitute(student: Any) -> bool:
    """Whether calls into `student` can have globals replaced by trusted functions (`_substitute`)."""
    call = getattr(student, "call", None)
    return call is not None and "_substitute" in inspect.signature(call).parameters


def _judged(
    student: Any,
    function: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    judge: Callable[[Any], None],
    readonly: bool,
    timeout: float | None,
    substitute: dict[str, Callable[..., Any]] | None,
    answer: list[Any],
) -> Any:
    options: dict[str, Any] = {"_readonly": readonly}
    if timeout is not None:
        options["_timeout"] = timeout
    if substitute:
        options["_substitute"] = substitute
    got = student.call(function, *args, **options, **kwargs)
    answer.append(got)
    judge(got)
    return got
