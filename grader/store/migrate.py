"""Alembic, driven from code: the grader migrates its own database on open.

`HEAD_REVISION` names the newest migration so that opening an up-to-date database costs one
query and no Alembic import; a test keeps it equal to the head of `migrations/versions`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

HEAD_REVISION = "0007_web_pages"
POSTGRES_MIGRATION_LOCK = 7_272_740  # an arbitrary advisory-lock key of our own
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_to_head(engine: Engine) -> None:
    """Migrate in one transaction that first takes the database's write lock, so that processes
    opening a new database at the same time migrate it once, one after the other."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:  # on SQLite this is BEGIN IMMEDIATE: the write lock
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK})
        if current_revision(connection) == HEAD_REVISION:
            return  # another process migrated while we waited for the lock
        config.attributes["connection"] = connection  # type: ignore[attr-defined]
        command.upgrade(config, "head")  # type: ignore[arg-type]


def script_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()  # type: ignore[arg-type]
