"""Live pages: server-sent events that say "what this page shows has changed".

A page that keeps itself up to date (the gradebook, a student's submissions) carries the
fingerprint of what it showed (`grader.service.live`); its script opens `/events/...` with
it, and receives a `change` event whenever the fingerprint differs; it then fetches the page
again and swaps in the parts marked live. Without JavaScript the page is simply static.

The database is the source of truth: one `ChangeFeed` per server process reads the class's
fingerprint once a second while any page listens, and wakes the listeners when it moves;
each then reads its own (a student's) fingerprint. So a change made by any process (another
server worker, a grading worker, `grader grade` on the same database) reaches every page,
and a hundred open pages cost one query a second, plus one each when something changed.

A stream ends after a few minutes (and the browser reconnects, sending the last event id it
saw, so no change is missed), so that no connection is open for ever.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from grader.server.api import blocking, course_of
from grader.server.web.guard import viewer, web_of
from grader.server.web.sessions import NotSignedIn

log = logging.getLogger("grader.server")

POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0
RETRY_MILLISECONDS = 2000

Fingerprint = tuple[Any, ...]


class ChangeFeed:
    """The class's fingerprint, read every `interval` seconds while anyone listens."""

    def __init__(self, read: Callable[[], Fingerprint], interval: float = POLL_SECONDS) -> None:
        self._read = read
        self._interval = interval
        self._version = 0
        self._last: Fingerprint | None = None
        self._changed = asyncio.Condition()
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def version(self) -> int:
        """Goes up by one each time the fingerprint is seen to change."""
        return self._version

    @asynccontextmanager
    async def listening(self) -> AsyncIterator[None]:
        self._listeners += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._poll())
        try:
            yield
        finally:
            self._listeners -= 1

    async def wait(self, seen: int, timeout: float) -> int:
        """The version once it is no longer `seen`, or after `timeout` seconds."""
        async with self._changed:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self._version != seen), timeout)
            return self._version

    async def _poll(self) -> None:
        while self._listeners:
            try:
                found: Fingerprint | None = await run_in_threadpool(self._read)
            except Exception:  # a database hiccup: try again next time
                log.exception("live pages: cannot read what changed")
                found = self._last
            if found != self._last:
                self._last = found
                async with self._changed:
                    self._version += 1
                    self._changed.notify_all()
            await asyncio.sleep(self._interval)


def tag(fingerprint: Fingerprint) -> str:
    return hashlib.sha256(repr(fingerprint).encode()).hexdigest()[:20]


async def stream(request: Request, fingerprint: Callable[[], Fingerprint]) -> Response:
    """Events for a page whose content has `fingerprint`: one `change` each time it moves from
    what the page showed (`Last-Event-ID`, else `?since=`)."""
    feed = web_of(request).feed
    shown = request.headers.get("last-event-id") or request.query_params.get("since")

    async def events() -> AsyncIterator[str]:
        async with feed.listening():
            seen = feed.version
            current = await blocking(fingerprint)
            yield f"retry: {RETRY_MILLISECONDS}\n\n"
            now = tag(current)
            yield f"id: {now}\nevent: {'change' if shown and shown != now else 'ready'}\ndata: {now}\n\n"
            ends = time.monotonic() + STREAM_SECONDS
            while time.monotonic() < ends:
                version = await feed.wait(seen, KEEPALIVE_SECONDS)
                if version == seen:
                    yield ": still here\n\n"
                    continue
                seen = version
                fresh = await blocking(fingerprint)
                if fresh != current:
                    current = fresh
                    yield f"id: {tag(fresh)}\nevent: change\ndata: {tag(fresh)}\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


async def my_events(request: Request) -> Response:
    from grader.service.live import student_fingerprint

    try:
        who = await viewer(request)
    except NotSignedIn:
        return PlainTextResponse("sign in first", status_code=401)
    store = course_of(request).store
    return await stream(request, lambda: student_fingerprint(store, who.student))


async def class_events(request: Request) -> Response:
    from grader.service.live import class_fingerprint

    try:
        who = await viewer(request)
    except NotSignedIn:
        return PlainTextResponse("sign in first", status_code=401)
    if not who.reads_the_class:
        return PlainTextResponse("for the course's TAs and instructors", status_code=403)
    store = course_of(request).store
    return await stream(request, lambda: class_fingerprint(store))


def new_feed(course: Any) -> ChangeFeed:
    from grader.service.live import class_fingerprint

    return ChangeFeed(lambda: class_fingerprint(course.store))
