"""Course settings: the instructor's `course.toml`, and the pure rules that apply it.

Without a course file nothing is limited. With one, `grader submit` and `grader grade`
refuse an attempt beyond the allowed number or inside the cool-down (before grading, so
nothing is stored), take a share off the score of an exercise handed in after its
deadline, and record in the submission what was applied. The file:

    score = "best"            # which attempt counts in the gradebook: "best" or "latest"
    max_attempts = 10         # submissions per student, all exercises together
    cooldown_minutes = 15     # at least this long between two submissions of a student

    [late]
    penalty_per_day = 0.1     # share of an exercise's score lost per day (or part of one) late
    max_penalty = 0.5         # never more than this share

    [deadlines]               # per exercise, with a time zone (Z or +01:00)
    perceptron = 2025-03-01T23:59:00+01:00

    [extensions.ada]          # one student's own deadlines, for exercises that have one
    perceptron = 2025-03-08T23:59:00+01:00

Every key is optional. A mistake (an unknown key, a wrong type, a number that is not finite
or out of range, a deadline without a time zone, nesting too deep to read) is an
`InputFileError` naming the file and line.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from grader.errors import AttemptsUsedUp, ConfigError, CoolingDown, InputFileError
from grader.records import GradingResult
from grader.students import student_name

ScorePolicy = Literal["best", "latest"]
SCORE_POLICIES: tuple[ScorePolicy, ...] = ("best", "latest")
COURSE_FILE = "course.toml"
COURSE_ENV = "GRADER_COURSE"
_TOP_KEYS = ("score", "max_attempts", "cooldown_minutes", "late", "deadlines", "extensions")
_LATE_KEYS = ("penalty_per_day", "max_penalty")
MAX_COOLDOWN_MINUTES = 525_600  # a year
MAX_NESTING = 100  # brackets deep: far more than a course file needs, far less than the parser's recursion limit


@dataclass(frozen=True)
class LatePolicy:
    penalty_per_day: float = 0.0
    max_penalty: float = 1.0


@dataclass(frozen=True)
class CourseSettings:
    source: str = ""
    """The file these settings came from ("" for none: nothing limited)."""
    score_policy: ScorePolicy = "best"
    max_attempts: int | None = None
    cooldown: timedelta | None = None
    late: LatePolicy = LatePolicy()
    deadlines: Mapping[str, datetime] = field(default_factory=dict)
    extensions: Mapping[str, Mapping[str, datetime]] = field(default_factory=dict)
    """student -> exercise -> that student's own deadline (replacing the exercise's)."""

    def deadline(self, exercise: str, student: str = "") -> datetime | None:
        """When `exercise` is due for `student`: their extension, else the exercise's deadline."""
        own = self.extensions.get(student, {}).get(exercise)
        return own if own is not None else self.deadlines.get(exercise)


NO_COURSE = CourseSettings()


@dataclass(frozen=True)
class Lateness:
    days_late: int
    penalty: float
    """The share of the score taken off, 0 to 1."""


# -- finding and reading the file ---------------------------------------------------------------


def find_course_file(given: Path | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    """`--course FILE`, else `$GRADER_COURSE`, else `./course.toml` if there is one, else None."""
    configured = given or (Path(env[COURSE_ENV]) if env.get(COURSE_ENV, "").strip() else None)
    if configured is not None:
        if not configured.is_file():
            raise InputFileError(configured, "no such course file")
        return configured
    local = cwd / COURSE_FILE
    return local if local.is_file() else None


def load_course(path: Path | None) -> CourseSettings:
    """The settings in `path`, or `NO_COURSE` for None."""
    if path is None:
        return NO_COURSE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(path, f"cannot read the course file ({_reason(error)})") from error
    deep = _too_deep(text)
    if deep is not None:
        raise InputFileError(path, f"brackets nested more than {MAX_NESTING} deep", deep)
    try:
        data = tomllib.loads(text)
    except RecursionError as error:  # nesting _too_deep missed (its scan is simpler than TOML)
        raise InputFileError(path, "nested too deeply to read") from error
    except tomllib.TOMLDecodeError as error:
        found = re.match(r"(.*?) \(at line (\d+), column \d+\)$", str(error))
        message, line = (found.group(1), int(found.group(2))) if found else (str(error), None)
        raise InputFileError(path, f"not valid TOML: {message}", line) from error
    return parse_course(data, text, path)


def parse_course(data: Mapping[str, Any], text: str, path: Path) -> CourseSettings:
    """Check the parsed TOML `data` (from `text`, for line numbers) and build the settings."""
    from grader.grading.exercises import all_exercises

    def fail(message: str, key: str, *section: str) -> InputFileError:
        return InputFileError(path, message, _line_of(text, key, section))

    for key in data:
        if key not in _TOP_KEYS:
            raise fail(f"unknown setting {key!r} (known: {', '.join(_TOP_KEYS)})", key)
    policy = data.get("score", "best")
    if policy not in SCORE_POLICIES:
        raise fail(f'score must be "best" or "latest", not {policy!r}', "score")
    max_attempts = data.get("max_attempts")
    if max_attempts is not None and (type(max_attempts) is not int or max_attempts < 1):
        raise fail("max_attempts must be a whole number of at least 1", "max_attempts")
    cooldown = data.get("cooldown_minutes")
    if cooldown is not None and (not _is_number(cooldown) or not 0 <= cooldown <= MAX_COOLDOWN_MINUTES):
        raise fail(
            f"cooldown_minutes must be a number of minutes from 0 to {MAX_COOLDOWN_MINUTES} (a year)",
            "cooldown_minutes",
        )
    late = _table(data, "late", fail)
    for key in late:
        if key not in _LATE_KEYS:
            raise fail(f"unknown setting {key!r} in [late] (known: {', '.join(_LATE_KEYS)})", key, "late")
    for key in _LATE_KEYS:
        if key in late and (not _is_number(late[key]) or not 0 <= late[key] <= 1):
            raise fail(f"{key} must be a share between 0 and 1 (0.1 is 10%)", key, "late")
    known = {e.name for e in all_exercises()}
    deadlines: dict[str, datetime] = {}
    for name, when in _table(data, "deadlines", fail).items():
        if name not in known:
            raise fail(
                f"no exercise {name!r} to set a deadline for (known: {', '.join(sorted(known))})",
                name,
                "deadlines",
            )
        deadlines[name] = _deadline(when, f"the deadline of {name}", lambda m, n=name: fail(m, n, "deadlines"))
    extensions = _extensions(_table(data, "extensions", fail), deadlines, fail)
    return CourseSettings(
        source=str(path),
        score_policy=policy,
        max_attempts=max_attempts,
        cooldown=timedelta(minutes=cooldown) if cooldown else None,
        late=LatePolicy(float(late.get("penalty_per_day", 0.0)), float(late.get("max_penalty", 1.0))),
        deadlines=deadlines,
        extensions=extensions,
    )


def _extensions(
    table: Mapping[str, Any], deadlines: Mapping[str, datetime], fail: Any
) -> dict[str, dict[str, datetime]]:
    """`[extensions.STUDENT]` tables: exercise = that student's deadline, for exercises that have one."""
    found: dict[str, dict[str, datetime]] = {}
    for raw, own in table.items():
        if not isinstance(own, dict):
            raise fail(
                "[extensions] holds one table per student: [extensions.ada] with perceptron = 2025-03-08T23:59:00Z",
                raw,
                "extensions",
            )
        try:
            name = student_name(raw)
        except ConfigError:
            raise fail(f"{raw!r} in [extensions] is not a usable student name", raw, "extensions") from None
        if name in found:
            raise fail(f"two [extensions] tables for the student {name!r}", raw, "extensions")
        found[name] = {}
        for exercise, when in own.items():
            if exercise not in deadlines:
                raise fail(
                    f"{exercise!r} has no deadline in [deadlines] to extend for {name}",
                    exercise,
                    "extensions",
                    raw,
                )
            found[name][exercise] = _deadline(
                when,
                f"{name}'s deadline for {exercise}",
                lambda m, e=exercise, r=raw: fail(m, e, "extensions", r),
            )
    return found


def _deadline(when: object, what: str, fail: Any) -> datetime:
    if not isinstance(when, datetime) or when.tzinfo is None:
        raise fail(f"{what} must be a date and time with a time zone, e.g. 2025-03-01T23:59:00+01:00")
    return when


# -- the rules -----------------------------------------------------------------------------------


def check_attempt(course: CourseSettings, student: str, attempts: int, last: datetime | None, now: datetime) -> None:
    """Refuse an attempt that the course does not allow now; `attempts` were made before it."""
    where = Path(course.source).name
    if course.max_attempts is not None and attempts >= course.max_attempts:
        raise AttemptsUsedUp(
            f"attempt refused: {student} has used all {course.max_attempts} "
            f"attempt{'' if course.max_attempts == 1 else 's'} that {where} allows"
        )
    if course.cooldown is not None and last is not None and now < last + course.cooldown:
        wait = math.ceil((last + course.cooldown - now) / timedelta(minutes=1))
        raise CoolingDown(
            f"attempt refused: {where} asks for {_minutes(course.cooldown)} between attempts; "
            f"try again in {wait} minute{'s' if wait != 1 else ''}"
        )


def lateness(course: CourseSettings, exercise: str, submitted_at: datetime, student: str = "") -> Lateness | None:
    """How late `exercise` is at `submitted_at` (for `student`, whose extension counts) and the
    share it costs; None when on time."""
    deadline = course.deadline(exercise, student)
    if deadline is None or submitted_at <= deadline:
        return None
    days = math.ceil((submitted_at - deadline) / timedelta(days=1))
    penalty = round(min(course.late.max_penalty, course.late.penalty_per_day * days), 6)
    return Lateness(days, penalty)


def apply_course(
    course: CourseSettings,
    result: GradingResult,
    submitted_at: datetime | None,
    attempt: int,
    student: str = "",
) -> tuple[GradingResult, dict[str, Any]]:
    """The result with late penalties taken off, and the record of what was applied.

    `submitted_at` None means the hand-in time is not known (`grader grade` without
    `--submitted-at` or a times file): no late penalty, and the record says so. The record
    goes into the submission's `settings`; it is empty without a course file.
    """
    if not course.source:
        return result, {}
    late: dict[str, Any] = {}
    exercises = []
    for exercise in result.exercises:
        found = None if submitted_at is None else lateness(course, exercise.name, submitted_at, student)
        if found is None:
            exercises.append(exercise)
            continue
        score = round(exercise.score * (1 - found.penalty), 6)
        deadline = course.deadline(exercise.name, student)
        late[exercise.name] = {
            "deadline": deadline.isoformat() if deadline else None,
            "extended": exercise.name in course.extensions.get(student, {}),
            "days_late": found.days_late,
            "penalty": found.penalty,
            "original_score": exercise.score,
            "score": score,
        }
        note = f"; {found.days_late} day{'s' if found.days_late != 1 else ''} late: {found.penalty:.0%} off"
        exercises.append(replace(exercise, score=score, message=exercise.message + note))
    applied: dict[str, Any] = {
        "course": course.source,
        "submitted_at": submitted_at.isoformat() if submitted_at else None,
        "attempt": attempt,
        "max_attempts": course.max_attempts,
        "cooldown_minutes": course.cooldown / timedelta(minutes=1) if course.cooldown else None,
        "score_policy": course.score_policy,
        "late": late,
    }
    return replace(result, exercises=tuple(exercises)), applied


# -- helpers -------------------------------------------------------------------------------------


def _table(data: Mapping[str, Any], name: str, fail: Any) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise fail(f"{name} must be a table: [{name}]", name)
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _minutes(span: timedelta) -> str:
    minutes = span / timedelta(minutes=1)
    shown = int(minutes) if minutes.is_integer() else round(minutes, 1)
    return f"{shown} minute{'s' if shown != 1 else ''}"


def _line_of(text: str, key: str, section: tuple[str, ...] = ()) -> int | None:
    """The line that sets `key` (in the table `section`, a key path, if given), for error
    messages; the header of table `section + (key,)` counts as setting it too."""
    current: tuple[str, ...] = ()
    pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^\s*\[", line):
            current = _header_path(line)
            if current == (*section, key):
                return number
            continue
        if current == section and pattern.match(line):
            return number
    return None


def _header_path(line: str) -> tuple[str, ...]:
    """The key path of a table header line: `[extensions."Ada L"]` is ("extensions", "Ada L")."""
    try:
        table: Any = tomllib.loads(line.strip())
    except (tomllib.TOMLDecodeError, RecursionError):
        return ()
    path: list[str] = []
    while isinstance(table, dict) and len(table) == 1:
        key, table = next(iter(table.items()))
        path.append(key)
    return tuple(path)


def _too_deep(text: str) -> int | None:
    """The line where brackets first nest more than `MAX_NESTING` deep (a rough scan that
    skips strings and comments), so that such a file is refused before the parser recurses."""
    depth, line, quote, index = 0, 1, "", 0
    while index < len(text):
        char = text[index]
        if char == "\n":
            line += 1
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        index += 1
    return None


def _reason(error: Exception) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
