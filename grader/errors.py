"""The one exception tree of the grader, and what is not in it.

Everything below the command line raises these; the edge (`grader.cli`, and a web server)
turns them into a one-line message: exit status 2 on the command line, a 4xx answer on the
web. Nothing below the edge prints or exits.

Any other exception is a fault of the grader itself, never of the user: the command line
says so in one line with exit status 1 (the traceback with `--debug`). `GraderFault`
carries such a fault across a process boundary with the traceback it had there.

    GraderError                  bad input: exit 2, one line, no traceback
    ├── ConfigError              a setting (student name, limits, course file) is unusable
    ├── DatabaseError            the database URL is malformed, its driver missing, or it cannot be opened
    ├── WorkspaceError           the workspace folder is missing or is not a folder
    ├── UnknownExerciseError     an exercise name that no suite grades
    ├── NotFoundError            a submission, student or quiz that the database does not hold
    ├── AttemptRefused           the course file allows no attempt now
    │   ├── AttemptsUsedUp       every attempt the course allows is used (HTTP 403)
    │   └── CoolingDown          the cool-down since the last attempt is not over (HTTP 429)
    ├── AnswerFormatError        a typed quiz answer that cannot be read (the person is asked again)
    ├── ExportFormatError        an export format the grader does not write
    ├── InputFileError           a file given on the command line cannot be used (`path:line: why`)
    ├── NotAuthenticated         no token, or one the course does not know (HTTP 401)
    ├── PermissionDenied         a known person asking for what their role may not do (HTTP 403)
    ├── UploadRejected           an upload that is not the course's exercise files as UTF-8 text (HTTP 422)
    │   └── UploadTooLarge       an upload over the per-file or total size limit (HTTP 413)
    ├── TooFast                  submissions arriving faster than the server accepts them (HTTP 429)
    └── ServerUnreachable        the course server cannot be reached or did not answer in time (exit 3)

    GraderFault (not a GraderError)  the grader's own fault, raised in another trusted process

Failures of *student code* are not errors of the grader: they are test outcomes, carried
by `grader.sandbox.errors.StudentCodeError` and its subclasses.
"""

from __future__ import annotations

from pathlib import Path


class GraderError(Exception):
    """A problem with what the user asked for; its message is one line meant for them."""


class ConfigError(GraderError):
    """A setting (student name, limits, course file) cannot be used."""


class DatabaseError(GraderError):
    """The database URL is malformed, its driver is missing, or the database cannot be opened."""


class WorkspaceError(GraderError):
    """The workspace to grade is missing or is not a folder."""


class UnknownExerciseError(GraderError):
    """An exercise name that no hidden suite grades."""


class NotFoundError(GraderError):
    """A submission, student or quiz that the database does not hold."""


class AttemptRefused(GraderError):
    """The course file allows no attempt now: all are used, or the cool-down is not over."""


class AttemptsUsedUp(AttemptRefused):
    """Every attempt the course allows has been used."""


class CoolingDown(AttemptRefused):
    """The cool-down between two attempts is not over yet."""


class AnswerFormatError(GraderError):
    """A typed quiz answer that cannot be read; the person is asked again."""


class AlreadyAnswered(GraderError):
    """A quiz answer for a question that was answered already (sent twice, or from another window)."""


class ExportFormatError(GraderError):
    """An export format the grader does not write."""


class InputFileError(GraderError):
    """A file given by the user cannot be used; the message names the file and, where known, the line."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[InputFileError], tuple[str, str, int | None]]:
        return (type(self), (self.path, self.reason, self.line))


class NotAuthenticated(GraderError):
    """No token was given, or the course knows no such token (it may have been revoked)."""


class PermissionDenied(GraderError):
    """A known person asking for something their role does not allow (a student reading another
    student's work, a TA changing a grade)."""


class UploadRejected(GraderError):
    """An upload that is not the course's exercise files as UTF-8 text."""


class UploadTooLarge(UploadRejected):
    """An upload over the size limits (per file, or in total)."""


class TooFast(GraderError):
    """Submissions arriving faster than the server accepts them from one person."""

    def __init__(self, message: str, retry_after: float = 60.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[type[TooFast], tuple[str, float]]:
        return (type(self), (str(self), self.retry_after))


class ServerUnreachable(GraderError):
    """The course server could not be reached, or did not answer in time; exit status 3."""


class GraderFault(Exception):
    """A fault of the grader (a bug, a lost process) that happened in another trusted process.

    Its message says what failed in one line; `detail` keeps the traceback it had there, for
    `--debug`. It is not a `GraderError`: the user's input was fine.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail

    def __reduce__(self) -> tuple[type[GraderFault], tuple[str, str]]:
        return (type(self), (str(self), self.detail))
