"""Storage: every table and query of the grader lives in this package.

`open_store(url)` gives a migrated `Store`; the submission and quiz modules take a session
from it. Nothing outside `grader.store` writes SQL. SQLAlchemy is imported on first use of
`open_store` or `Store`, not with the package, so that light modules in it (`forked`) can be
imported before it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.store.engine import Store, open_store

__all__ = ["Store", "open_store"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from grader.store import engine

        return getattr(engine, name)
    raise AttributeError(name)
