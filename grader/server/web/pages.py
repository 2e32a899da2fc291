"""What `grader.server.app` takes from the web pages: their routes and their shared state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.server.web.guard import WebState
from grader.server.web.live import new_feed
from grader.server.web.routes import page_routes
from grader.server.web.sessions import Signer, load_secret

if TYPE_CHECKING:
    from grader.server.app import Course


def web_state(course: Course) -> WebState:
    return WebState(Signer(load_secret(course.folder)), new_feed(course))


__all__ = ["page_routes", "web_state"]
