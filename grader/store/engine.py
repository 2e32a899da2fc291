"""Opening a database: URL checks, SQLite tuning, schema migration and retried writes.

One `Store` per process and URL, used as a context manager. SQLite (the embedded default) runs
in WAL mode with a busy timeout, and every write transaction starts with `BEGIN IMMEDIATE`,
so many `grader submit` processes writing to one file queue for the lock instead of failing
with "database is locked" halfway through a transaction. Reads are plain transactions: a
report neither waits for graders nor blocks them. A database file that this user cannot
write (a TA's read-only copy) opens read-only. Other engines are used as SQLAlchemy
configures them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from grader.errors import DatabaseError

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 8


class Store:
    """A database the grader reads and writes: an engine, a session factory and retried writes."""

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly
        """Opened read-only (a file this user cannot write): `write` refuses."""
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._reads = sessionmaker(engine.execution_options(grader_read=True), expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries in a plain (deferred) transaction; nothing it does is committed.

        A database that cannot be reached (a server restarting, a link down) is a DatabaseError,
        as in `write`: a server answers 503 and the caller tries again, rather than a fault of
        its own."""
        try:
            with self._reads() as session:
                yield session
        except OperationalError as error:
            raise DatabaseError(f"cannot read the database {self.url}: {_first_line(error)}") from error

    def write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction, committed whole or not at all.

        A transaction that loses a race for a locked database is rolled back and run again
        from the start, so `work` must only touch the session it is given.
        """
        if self.readonly:
            raise DatabaseError(f"the database {self.url} is read-only for you: it can be read, not written")
        for attempt in range(WRITE_ATTEMPTS):
            try:
                with self.sessions.begin() as session:
                    return work(session)
            except OperationalError as error:
                if not _is_lock_error(error) or attempt == WRITE_ATTEMPTS - 1:
                    raise DatabaseError(f"cannot write to the database {self.url}: {_first_line(error)}") from error
                time.sleep(0.05 * (2**attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str, *, migrate: bool = True, must_exist: bool = False) -> Store:
    """Open the database at `url`, migrated to head (a new SQLite file is created).

    The folder of a SQLite file must exist: a mistyped path is an error, not a new folder.
    With `must_exist`, so must the file: a command that only reads or amends what was recorded
    (a report, an override) would otherwise show an empty new database as if grades were lost.
    A SQLite file this user cannot write is opened read-only, and must be migrated already.
    """
    engine, readonly = _create_engine(url, must_exist=must_exist)
    store = Store(engine, readonly=readonly)
    if readonly:
        try:
            revision = _current_revision(engine)
        except DatabaseError:
            store.close()
            raise
        if revision != _head_revision():
            store.close()
            raise DatabaseError(
                f"the database {store.url} is read-only and from an older version of the grader: "
                "open it once with write access to upgrade it"
            )
        return store
    if migrate:
        try:
            _migrate(store)
        except DatabaseError:
            store.close()
            raise
        except SQLAlchemyError as error:
            store.close()
            raise DatabaseError(f"cannot open the database {store.url}: {_first_line(error)}") from error
    return store


def _head_revision() -> str:
    from grader.store.migrate import HEAD_REVISION

    return HEAD_REVISION


def _create_engine(url: str, *, must_exist: bool = False) -> tuple[Engine, bool]:
    """The engine for `url`, and whether it is a SQLite file opened read-only."""
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseError(f"not a database URL: {url!r} (expected e.g. sqlite:///grades.db)") from error
    is_sqlite = parsed.get_backend_name() == "sqlite"
    kwargs: dict[str, Any] = {}
    readonly = False
    if is_sqlite:
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser().resolve()
            if not path.parent.is_dir():
                raise DatabaseError(f"no folder {path.parent} for the database {url} (create it first)")
            if must_exist and not path.exists():
                raise DatabaseError(
                    f"no database at {path}: nothing was recorded there (a mistyped path? "
                    "a course whose database is PostgreSQL needs its --db URL)"
                )
            readonly = _read_only_file(path)
            if readonly:
                # An immutable read: no lock, no WAL index to write (`?mode=ro` alone still
                # needs to create the -shm file, which a read-only folder forbids).
                parsed = parsed.set(database=f"file:{path}").update_query_dict({"immutable": "1", "uri": "true"})
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        # A server process outlives database restarts: test a pooled connection before use
        # rather than fail the first request after one.
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError as error:
        raise DatabaseError(f"no database driver for {parsed.drivername!r} in {url!r}") from error
    except (ArgumentError, ImportError) as error:
        raise DatabaseError(f"cannot use the database URL {url!r}: {_first_line(error)}") from error
    if is_sqlite:
        _tune_sqlite(engine, in_memory=not parsed.database or parsed.database == ":memory:", readonly=readonly)
    return engine, readonly


def _read_only_file(path: Path) -> bool:
    """An existing database file (or its folder, which SQLite writes its journal into) that this
    user cannot write."""
    import os

    return path.is_file() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _tune_sqlite(engine: Engine, *, in_memory: bool, readonly: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory and not readonly:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writes take the write lock up front: a deferred transaction that reads and then
        # writes fails at once (SQLITE_BUSY_SNAPSHOT) when another process wrote in between.
        # Reads (`Store.read`) take no lock until they read, and never block a writer in WAL.
        reading = readonly or connection.get_execution_options().get("grader_read", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _migrate(store: Store) -> None:
    """Bring the schema to the newest revision; cheap when it is there already."""
    from grader.store.migrate import HEAD_REVISION, upgrade_to_head

    for attempt in range(WRITE_ATTEMPTS):
        if _current_revision(store.engine) == HEAD_REVISION:
            return
        try:
            upgrade_to_head(store.engine)
            return
        except (OperationalError, IntegrityError, ProgrammingError) as error:
            # Two processes creating a fresh database at once: one wins, the other retries
            # and then finds the schema at head.
            if attempt == WRITE_ATTEMPTS - 1:
                raise DatabaseError(f"cannot migrate the database {store.url}: {_first_line(error)}") from error
            time.sleep(0.05 * (attempt + 1))


def _current_revision(engine: Engine) -> str | None:
    from grader.store.migrate import current_revision

    try:
        with engine.connect() as connection:
            return current_revision(connection)
    except OperationalError as error:
        if _is_lock_error(error):
            return None
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(f"cannot open the database {url}: {_first_line(error)}") from error


def _is_lock_error(error: OperationalError) -> bool:
    message = str(error.orig).lower()
    return "locked" in message or "busy" in message


def _first_line(error: BaseException) -> str:
    """The driver's message (not SQLAlchemy's wrapper with the SQL), first line only."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
