"""Who may use a course server: enrolling people from a roster, their tokens, and signing in.

A token is 32 random bytes (URL-safe text); only its SHA-256 is stored, so a copy of the
database gives nobody a way in. A token is shown once, when it is issued; enrolling someone
again issues a new one and the old one stops working, and `revoke` ends a person's access.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from grader.errors import ConfigError, InputFileError, NotAuthenticated, NotFoundError
from grader.students import student_name

if TYPE_CHECKING:
    from grader.store import Store

Role = Literal["student", "ta", "instructor"]
ROLES: tuple[Role, ...] = ("student", "ta", "instructor")
ROSTER_MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class RosterEntry:
    student: str
    email: str | None = None
    section: str | None = None


@dataclass(frozen=True)
class Issued:
    """A token just issued: shown to the instructor once, never stored."""

    student: str
    role: Role
    token: str


@dataclass(frozen=True)
class Principal:
    """Who is asking: a person enrolled in the course, with their role."""

    student: str
    role: Role

    @property
    def reads_the_class(self) -> bool:
        """TAs and instructors read everyone's work."""
        return self.role in ("ta", "instructor")

    @property
    def changes_grades(self) -> bool:
        """Only instructors regrade, override and grade on others' behalf."""
        return self.role == "instructor"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_roster(path: Path) -> list[RosterEntry]:
    """The people in a roster CSV: a `student` column, optional `email` and `section` columns."""
    try:
        if path.stat().st_size > ROSTER_MAX_BYTES:
            raise InputFileError(path, f"the roster is larger than {ROSTER_MAX_BYTES // (1024 * 1024)} MiB")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise InputFileError(path, f"cannot read the roster: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise InputFileError(path, "the roster is not UTF-8 text") from error
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "student" not in [f.strip() for f in reader.fieldnames]:
        raise InputFileError(path, 'the roster needs a "student" column (and may have "email" and "section")', 1)
    entries: list[RosterEntry] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
        try:
            name = student_name(values.get("student", ""))
        except ConfigError as error:
            raise InputFileError(path, str(error), line) from error
        if name in seen:
            raise InputFileError(path, f"{name!r} is listed twice (also on line {seen[name]})", line)
        seen[name] = line
        entries.append(RosterEntry(name, values.get("email") or None, values.get("section") or None))
    if not entries:
        raise InputFileError(path, "the roster lists nobody")
    return entries


def enrol(store: Store, people: Sequence[RosterEntry], role: Role, *, reissue: bool = False) -> list[Issued]:
    """Enrol `people` with `role` in one transaction; the tokens issued, to those who hold none.

    Someone already enrolled with a working token keeps it (their role, email and section are
    updated): enrolling a roster again to add a late student must not lock out the class. With
    `reissue`, everyone gets a new token and their old one stops working."""
    from grader.store import enrolments

    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    tickets = [Issued(person.student, role, secrets.token_urlsafe(32)) for person in people]

    def work(session):  # type: ignore[no-untyped-def]
        issued = []
        for person, ticket in zip(people, tickets, strict=True):
            keep = not reissue and enrolments.holds_a_token(session, person.student)
            digest = None if keep else token_hash(ticket.token)
            enrolments.enrol(session, person.student, role, digest, person.email, person.section)
            if not keep:
                issued.append(ticket)
        return issued

    issued: list[Issued] = store.write(work)
    return issued


def revoke(store: Store, name: str) -> bool:
    """End `name`'s access: their token stops working (their work stays). False when it had
    been revoked already."""
    from grader.store import enrolments

    person = student_name(name)
    ended = store.write(lambda session: enrolments.revoke(session, person))
    if ended is None:
        raise NotFoundError(f"nobody called {person!r} is enrolled")
    return ended


def authenticate(store: Store, token: str | None) -> Principal:
    """The person holding `token`, or NotAuthenticated."""
    if not token:
        raise NotAuthenticated("sign in: send your token as `Authorization: Bearer TOKEN`")
    return holder_of(store, token_hash(token))


def holder_of(store: Store, digest: str) -> Principal:
    """The person whose token has the hash `digest`, or NotAuthenticated: a web page's signed-in
    session keeps the hash, so that revoking or replacing the token ends the session too."""
    from grader.store import enrolments

    with store.read() as session:
        found = enrolments.holder(session, digest)
    if found is None:
        raise NotAuthenticated(
            "this token is not valid: never issued by this course, revoked, or replaced by a newer one"
        )
    name, role = found
    return Principal(name, role)  # type: ignore[arg-type]  # the store holds only ROLES
