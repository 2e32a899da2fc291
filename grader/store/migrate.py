"""Alembic, driven from code: the grader migrates its own database on open.

`HEAD_REVISION` names the newest migration so that opening an up-to-date database costs one
query and no Alembic import; a test keeps it equal to the head of `migrations/versions`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

HEAD_REVISION = "0002_quizzes"
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> object:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_to_head(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection  # type: ignore[attr-defined]
        command.upgrade(config, "head")  # type: ignore[arg-type]


def script_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()  # type: ignore[arg-type]
