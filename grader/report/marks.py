"""The small signs every text output shares: how a score is written, and a mark per test outcome."""

from __future__ import annotations

MARKS = {"passed": "✓", "failed": "✗", "error": "!", "timeout": "⏱"}


def points(value: float) -> str:
    """A score as people write it: 18, 7.5, 0.33."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")
