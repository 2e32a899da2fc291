"""What can go wrong with a call into student code, as seen from the trusted side.

These are not errors of the grader: a hidden test that meets one records it as its outcome
(`error` or `timeout`) with `feedback` as its message, and grading goes on.

    StudentCodeError             outcome "error"
    ├── StudentRaised            the student's function raised (SystemExit and KeyboardInterrupt too)
    ├── MissingFunction          the module has no public function of that name
    ├── ImportFailed             the module could not be imported (raised, exited, crashed or hung)
    ├── StudentCrashed           the worker died mid-call: segfault, os._exit, memory, killed
    ├── StudentDataError         the answer was not plain data, or too large to accept
    └── StudentTimeout           outcome "timeout": the call passed a time limit (its CPU time, the
        │                        exercise's CPU budget, or the backstop for blocked code)
        └── BudgetExhausted      the exercise's budget was spent before this call
"""

from __future__ import annotations


class StudentCodeError(Exception):
    """A call into student code that did not produce an answer."""

    outcome = "error"

    def __init__(self, feedback: str) -> None:
        super().__init__(feedback)
        self.feedback = feedback


class StudentRaised(StudentCodeError):
    def __init__(self, feedback: str, type_name: str, message: str, where: str, function: str = "") -> None:
        super().__init__(feedback)
        self.type_name = type_name
        self.message = message
        self.where = where
        self.function = function
        """The student's function that was called, as `exercise.function`."""

    @property
    def not_written(self) -> bool:
        """The function still raises the stub's NotImplementedError."""
        return self.type_name == "NotImplementedError"


class MissingFunction(StudentCodeError):
    pass


class ImportFailed(StudentCodeError):
    def __init__(self, feedback: str, *, type_name: str = "", message: str = "", where: str = "") -> None:
        super().__init__(feedback)
        self.type_name = type_name
        """What the import raised (`SyntaxError`), when it raised; "" when it crashed or hung."""
        self.message = message
        self.where = where
        """The student's file and line where it was raised (`activations.py:40`), if known."""

    def noted(self, note: str) -> ImportFailed:
        return ImportFailed(self.feedback + note, type_name=self.type_name, message=self.message, where=self.where)


class StudentCrashed(StudentCodeError):
    pass


class StudentDataError(StudentCodeError):
    pass


class StudentTimeout(StudentCodeError):
    outcome = "timeout"


class BudgetExhausted(StudentTimeout):
    pass
