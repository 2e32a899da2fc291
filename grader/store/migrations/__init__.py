"""Alembic migrations of the grader database; `grader.store.migrate` runs them."""
