"""Text that a student controls, made safe to show on a terminal: every character visible, none obeyed.

Exception messages, folder and file names, printed output and submitted sources all come
from students. Sent raw to a terminal, an escape sequence in them would be obeyed: OSC 0
retitles the window, OSC 52 sets the clipboard, CSI 2J clears the screen, a carriage return
or a bidi override makes text look like other text. `visible` shows each such character as
a Python-style escape (`\\x1b`, `\\x9b`, `\\u202e`) instead, so what is printed is exactly
what is there. `one_line` also shows line breaks and tabs, for a name or a table cell,
where a newline could forge a line of the grader's own output.

These are pure functions: renderers apply `one_line` to the fields they lay out, and the
command line passes everything it prints through `visible` (see `grader.cli.terminal`).
HTML output escapes for HTML instead, and JSON output escapes control characters itself.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the invisible characters that reorder or hide text (bidi
# embeddings, overrides and isolates; marks; the word joiner and invisible operators; the
# Mongolian vowel separator; tag characters; the Hangul fillers, letters that show as blanks;
# zero-width joiners are left: emoji need them); and lone surrogates: a file or folder name
# that is not UTF-8 holds its bytes as \udc80-\udcff, which a terminal would get back raw (\x9b
# is CSI), or which a UTF-8 stream refuses to write.
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u115f\u1160\u180e\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\u3164\ufeff\uffa0\ud800-\udfff\U000e0000-\U000e007f"
)
_IN_TEXT = re.compile(f"\r\n|[{_UNSAFE}]")
_IN_LINE = re.compile(f"[\t\n{_UNSAFE}]")


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    if char == "\r\n":
        return "\n"  # a Windows line end is a line end
    if char in "\t\n\r":
        return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}[char]
    code = ord(char)
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with line breaks and tabs kept and every other control character shown escaped."""
    return _IN_TEXT.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` on one line: line breaks and tabs are shown escaped too."""
    return _IN_LINE.sub(_escape, text)
