"""Migration 0005: quiz attempts say whether the student answered to the end."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select, text

from grader.store import open_store
from grader.store.base import Base
from grader.store.migrate import alembic_config
from grader.store.quiz_models import QuizAttempt


def test_attempts_stored_before_the_migration_read_as_complete(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection  # type: ignore[attr-defined]
        command.upgrade(config, "0002_quizzes")  # type: ignore[arg-type]
        connection.execute(text("INSERT INTO students (id, name, created_at) VALUES (1, 'ann', '2025-03-01')"))
        connection.execute(
            text("INSERT INTO quizzes (id, slug, title, loaded_at) VALUES (1, 'small', 'S', '2025-03-01')")
        )
        connection.execute(
            text(
                "INSERT INTO quiz_attempts (id, student_id, quiz_id, created_at, score, max_score) "
                "VALUES (1, 1, 1, '2025-03-01', 2, 3)"
            )
        )
    engine.dispose()

    with open_store(url) as store, store.read() as session:
        assert session.scalars(select(QuizAttempt.complete)).all() == [True]
        differences = compare_metadata(MigrationContext.configure(session.connection()), Base.metadata)
    assert differences == []  # the migrations build exactly the tables the models describe
