"""Pages from Jinja2 templates shipped in the package, escaping everything by default.

Templates receive records (never ORM objects) and escape every string they print; no template
marks student text safe. Two kinds of markup are made in Python and passed as `Markup`: the
report's charts and tables (`grader.report.page` and `charts`, which escape every string
they hold) through `report_fragment`, and Pygments' highlighting (`source`). Quiz prompts,
options and explanations are the course's Markdown, rendered with raw HTML turned off.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from grader.report.marks import MARKS, points
from grader.server.web.sessions import NOTICE_COOKIE, take_notice

WHEN = "%Y-%m-%d %H:%M UTC"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("grader.server", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        points=score_text,
        when=when,
        moment=moment,
        segment=segment,
        markdown=markdown,
        markdown_inline=markdown_inline,
        mark=lambda outcome: MARKS.get(outcome, "?"),
    )
    from grader.quiz.text import due_text, given_answer_text, headline_text, right_answer_text

    env.globals.update(
        relative=relative,
        due_text=due_text,
        headline_text=headline_text,
        given_answer_text=given_answer_text,
        right_answer_text=right_answer_text,
    )
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The page `template` with `context`, this request's CSRF token and any notice left for it."""
    web = request.app.state.web
    notice = web.signer.notice(request.cookies.get(NOTICE_COOKIE))
    html = (
        environment()
        .get_template(template)
        .render(
            csrf_token=request.state.csrf_token,
            notice=notice,
            path=request.url.path,
            now=datetime.now(UTC),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    take_notice(request, response, web.signer)
    return response


def report_fragment(html: str) -> Markup:
    """Markup made by `grader.report.page` or `grader.report.charts`, which escape every string
    they put in it: only those, never text from anywhere else."""
    return Markup(html)  # noqa: S704 - escaped by its maker, see the docstring


def score_text(value: float | None) -> str:
    return "–" if value is None else points(value)


def when(moment_: datetime | None) -> str:
    return "–" if moment_ is None else moment_.astimezone(UTC).strftime(WHEN)


def moment(value: datetime | None) -> str:
    """A date and time in its own time zone, as course.toml gives deadlines."""
    if value is None:
        return "–"
    offset = value.strftime("%z")
    zone = "UTC" if offset in ("", "+0000") else f"{offset[:3]}:{offset[3:]}"
    return f"{value.strftime('%Y-%m-%d %H:%M')} {zone}"


def relative(value: datetime, now: datetime) -> str:
    """ "in 3 days", "2 hours ago": how far `value` is from `now`."""
    seconds = (value - now).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if span >= size:
            count = round(span / size)
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if seconds > 0 else f"{words} ago"
    raise AssertionError("unreachable")


def segment(value: str) -> str:
    """`value` as one segment of a URL path (student names hold no slash, but may hold `?`)."""
    return quote(value, safe="")


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})


def markdown(text: str) -> Markup:
    """The course's Markdown as HTML; raw HTML in it is shown as text, not run."""
    return Markup(_markdown().render(text))  # noqa: S704 - markdown-it escapes with html off


def markdown_inline(text: str) -> Markup:
    return Markup(_markdown().renderInline(text))  # noqa: S704 - as above
