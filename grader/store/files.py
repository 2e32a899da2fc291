"""Which files a database URL stands for, read from the URL's text alone.

The sandbox fences these off. Kept apart from the rest of the store, and free of SQLAlchemy,
because `grader submit` computes them in the process that grades, which never imports it.
"""

from __future__ import annotations

import re
from pathlib import Path

_SQLITE_FILE = re.compile(r"sqlite(?:\+\w+)?:///(?P<database>[^?]*)(?:\?.*)?")


def database_files(db_url: str) -> tuple[Path, ...]:
    """The files of a SQLite database (with its WAL, shared-memory and journal files); none for
    other engines, an in-memory database, or a URL that cannot be read (the store reports that)."""
    match = _SQLITE_FILE.fullmatch(db_url.strip())
    if match is None or match["database"] in ("", ":memory:"):
        return ()
    database = match["database"].removeprefix("file:")
    path = Path(database).expanduser().resolve()
    return (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))
