"""Alembic environment: migrations run on the connection `grader.store.migrate` hands in."""

from alembic import context

from grader.store import (
    models,  # noqa: F401  (registers every table on Base.metadata)
    quiz_models,  # noqa: F401
    web_models,  # noqa: F401
)
from grader.store.base import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` run by hand
    from sqlalchemy import create_engine

    connection = create_engine(context.config.get_main_option("sqlalchemy.url")).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
