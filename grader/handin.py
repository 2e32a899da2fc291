"""When students handed in, as the instructor knows it: for late penalties in `grader grade`.

A student's files carry modification times, but students control those (zip and tar keep
them; `touch` sets them), so `grader grade` never reads them. The hand-in time comes from
the instructor: `--submitted-at TIME` for the whole class, and/or a times file from the
collection (the LMS's or the course server's log), a CSV with a header:

    student,submitted_at
    ada,2025-03-01T21:14:00+01:00
    ben,2025-03-02T09:05:00Z

A student in the file gets their time; anyone else gets `--submitted-at`; without either,
the student cannot be graded (their time is unknown), so no one is silently spared a
penalty. With neither option, no late penalty applies to anyone.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from grader.errors import ConfigError, GraderError, InputFileError, WorkspaceError
from grader.students import student_name
from grader.visible import one_line

TIMES_FILE_BYTES = 16 << 20
COLUMNS = ("student", "submitted_at")


@dataclass(frozen=True)
class HandInTimes:
    everyone: datetime | None = None
    """`--submitted-at`: the time of every student not in the times file."""
    students: Mapping[str, datetime] = field(default_factory=dict)
    source: str = ""
    """The times file, for messages ("" for none)."""

    @property
    def known(self) -> bool:
        """Whether any hand-in time was given (else no late penalty applies)."""
        return self.everyone is not None or bool(self.source)

    def of(self, student: str) -> datetime | None:
        """When `student` handed in; None when no time was given at all (no late penalty)."""
        if student in self.students:
            return self.students[student]
        if self.everyone is not None or not self.source:
            return self.everyone
        raise WorkspaceError(f"not in the times file {self.source}, and no --submitted-at was given for the rest")


NO_TIMES = HandInTimes()


def parse_time(text: str, what: str = "--submitted-at") -> datetime:
    """An ISO 8601 date and time with a time zone (`2025-03-01T23:59:00+01:00`, or `Z`)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ConfigError(
            f"{what} must be a date and time with a time zone, e.g. 2025-03-01T23:59:00+01:00, not {one_line(text)!r}"
        )
    return when


def hand_in_times(everyone: str | None = None, times_file: Path | None = None) -> HandInTimes:
    """The hand-in times from `--submitted-at` and `--times`, checked."""
    return HandInTimes(
        everyone=parse_time(everyone) if everyone is not None else None,
        students=read_times_file(times_file) if times_file is not None else {},
        source=str(times_file) if times_file is not None else "",
    )


def read_times_file(path: Path) -> dict[str, datetime]:
    """student -> hand-in time from a CSV times file; a bad row is an error naming its line."""
    try:
        if path.stat().st_size > TIMES_FILE_BYTES:
            raise InputFileError(path, f"larger than {TIMES_FILE_BYTES >> 20} MiB: not a times file")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "not UTF-8 text"
        raise InputFileError(path, f"cannot read the times file ({reason})") from error
    rows = csv.reader(text.splitlines())
    header = [cell.strip().lower() for cell in next(rows, [])]
    if not set(COLUMNS) <= set(header):
        raise InputFileError(path, f"the first line must name the columns {','.join(COLUMNS)}", 1)
    columns = [header.index(name) for name in COLUMNS]
    found: dict[str, datetime] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            raw, time = (row[i] if i < len(row) else "" for i in columns)
            name = student_name(raw)
            if name in found:
                raise ConfigError(f"a second time for {name!r}")
            found[name] = parse_time(time, "submitted_at")
        except GraderError as error:
            raise InputFileError(path, str(error), line) from None
    return found
