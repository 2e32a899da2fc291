"""Live pages learn from the database that what they show has changed (server-sent events)."""

from __future__ import annotations

import asyncio

from tests.web.conftest import Site, both_databases

STEP_WRONG = "# return 1 at the threshold\n"


def test_the_feed_reads_the_database_once_for_every_listener_and_wakes_them_on_a_change() -> None:
    from grader.server.web.live import ChangeFeed

    state = {"reads": 0, "value": (1,)}

    def read() -> tuple[int, ...]:
        state["reads"] += 1
        return state["value"]

    async def scenario() -> tuple[int, int]:
        feed = ChangeFeed(read, interval=0.01)
        async with feed.listening(), feed.listening():
            first = await feed.wait(0, timeout=30)  # the first read
            reads_before = state["reads"]
            await asyncio.sleep(0.2)
            unchanged = await feed.wait(first, timeout=0.05)
            assert unchanged == first
            state["value"] = (2,)
            woken = await asyncio.gather(feed.wait(first, timeout=30), feed.wait(first, timeout=30))
            assert woken[0] == woken[1] == first + 1
            return reads_before, state["reads"]

    before, after = asyncio.run(scenario())
    assert before >= 1 and after > before  # polled while listened to, one read per turn for both


@both_databases
def test_a_students_stream_says_change_when_their_feedback_arrives(site: Site) -> None:
    from grader.server.web.live import tag
    from grader.service.live import student_fingerprint

    ada = site.browser("ada")
    shown = tag(student_fingerprint(site.store, "ada"))
    seen: list[str] = []

    with ada.stream("GET", f"/events/me?since={shown}") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        for line in events.iter_lines():
            seen.append(line)
            if line == "event: ready":
                site.submit("ada", STEP_WRONG)
            if line == "event: change":
                break
    assert "event: ready" in seen and seen[-1] == "event: change"


def test_a_stream_opened_after_a_change_reports_it_at_once(site: Site) -> None:
    ada = site.browser("ada")
    with ada.stream("GET", "/events/me?since=an-older-page") as events:
        for line in events.iter_lines():
            if line.startswith("event:"):
                assert line == "event: change"
                break
