"""An earlier exercise's module as its own tests graded it, for the suites that build on it.

One mistake costs points where it is: when a later function is wrong and a function it builds
on is wrong too, the later test asks the earlier module what it answers (`Helper`,
`graded_answer`, `same_raise`) and judges the later answer by that. The module is asked again,
after its own tests, so a module that keeps state could answer its own tests right and the
later probes wrong, and be forgiven there for what it never lost points for (a hostile trial
did: activations right for its 79 calls, zeros after, and a backprop of zeros scored 35/35).

So a function that was called in its own exercise's tests and passed every one of them is
right as graded: asked again, it answers as the reference does. Other functions (one that
failed a test of its own, or that its own tests never called) are asked in the student's
module, as before.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any

from grader.sandbox.errors import StudentRaised
from grader.sandbox.student import CallsByName


class CallLedger:
    """Which functions of each exercise's module its own tests called, and whether they passed."""

    def __init__(self) -> None:
        self._passed: dict[str, set[str]] = {}
        self._failed: dict[str, set[str]] = {}

    def record(self, exercise: str, called: set[str], passed: bool) -> None:
        (self._passed if passed else self._failed).setdefault(exercise, set()).update(called)

    def graded(self, exercise: str) -> bool:
        return exercise in self._passed or exercise in self._failed

    def right_as_graded(self, exercise: str) -> frozenset[str]:
        return frozenset(self._passed.get(exercise, set()) - self._failed.get(exercise, set()))


class AsGraded(CallsByName):
    """`module` where the functions right as graded in `ledger` (read at each call, as its own
    tests go on) answer as `reference` does (see the module docstring)."""

    def __init__(self, module: Any, reference: ModuleType, ledger: CallLedger) -> None:
        self._module = module
        self._reference = reference
        self._ledger = ledger
        self.exercise: str = module.exercise
        self.last_warnings: list[str] = []

    @property
    def last_call(self) -> Any:
        return self._module.last_call

    @property
    def import_error(self) -> Any:
        return getattr(self._module, "import_error", None)

    def call(self, function: str, *args: Any, _readonly: bool = False, **kwargs: Any) -> Any:
        if function not in self._ledger.right_as_graded(self.exercise):
            value = self._module.call(function, *args, _readonly=_readonly, **kwargs)
            self.last_warnings = list(getattr(self._module, "last_warnings", []))
            return value
        self.last_warnings = []
        try:
            value = getattr(self._reference, function)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except Exception as error:  # as the module raised it where the reference does
            name = type(error).__name__
            feedback = f"{self.exercise}.{function} raised {name}: {error}"
            raise StudentRaised(feedback, name, str(error)[:300], "", f"{self.exercise}.{function}") from None
        return copy.deepcopy(value)
