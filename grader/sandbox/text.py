"""Text that student code produced, made safe to show: one line, printable, and short."""

from __future__ import annotations


def cap(text: object, limit: int) -> str:
    """Student-produced text, cut to `limit` characters and to printable single-line form."""
    value = str(text if text is not None else "")
    value = "".join(ch if ch.isprintable() else " " for ch in value)
    return value if len(value) <= limit else value[: limit - 1] + "…"
