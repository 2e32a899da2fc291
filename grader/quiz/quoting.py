"""Quoting untrusted text in a message: a question id from an answers file, a typed answer.

Such text reaches the user's terminal inside an error line, so it must not carry a control
character (an ESC sequence could rewrite the screen) nor a line break (the error is one line).
"""

from __future__ import annotations


def shown(value: str, limit: int = 60) -> str:
    """`value` in double quotes, safe to print: control and invisible characters written as
    escapes (an ESC typed or read from a file never reaches a terminal raw), cut at `limit`."""
    text = "".join(_escaped(ch) for ch in value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f'"{text}"'


def _escaped(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    return ch if ch.isprintable() else f"\\u{ord(ch):04x}"
