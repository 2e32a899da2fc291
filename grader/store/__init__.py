"""Storage: every table and query of the grader lives in this package.

`open_store(url)` gives a migrated `Store`; the submission and quiz modules take a session
from it. Nothing outside `grader.store` writes SQL.
"""

from grader.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
