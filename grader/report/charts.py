"""Inline SVG charts, drawn in Python: nothing to download, nothing to run in the browser."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from grader.report.struggles import TestStruggle

BAR_COLOUR = "#3b6ea5"
FULL_COLOUR = "#2e8b57"
FAIL_COLOUR = "#c0504d"
SCORE_BINS = ("0", "1–24%", "25–49%", "50–74%", "75–99%", "full")


def score_bins(scores: Sequence[float], max_score: float) -> list[int]:
    """How many scores fall in each of `SCORE_BINS`: zero, four quarters, and full marks."""
    counts = [0] * len(SCORE_BINS)
    for score in scores:
        if score <= 0 or max_score <= 0:
            index = 0 if score <= 0 else len(SCORE_BINS) - 1
        elif score >= max_score:
            index = len(SCORE_BINS) - 1
        else:
            index = 1 + min(3, int(4 * score / max_score))
        counts[index] += 1
    return counts


def histogram(title: str, scores: Sequence[float], max_score: float) -> str:
    """A column chart of the score distribution of one exercise."""
    counts = score_bins(scores, max_score)
    width, height, top, bottom, left = 360, 200, 42, 34, 12
    plot = height - top - bottom
    slot = (width - 2 * left) / len(counts)
    peak = max(counts) or 1
    parts = [
        _svg_open(width, height, f"{title}: score distribution"),
        f'<text x="{left}" y="18" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, count) in enumerate(zip(SCORE_BINS, counts, strict=True)):
        bar = plot * count / peak
        x = left + i * slot + 6
        y = top + plot - bar
        colour = FULL_COLOUR if label == "full" else BAR_COLOUR
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot - 12:.1f}" height="{bar:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        parts.append(f'<text x="{x + (slot - 12) / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{count}</text>')
        parts.append(
            f'<text x="{x + (slot - 12) / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'class="axis">{escape(label)}</text>'
        )
    parts.append(f'<line x1="{left}" x2="{width - left}" y1="{top + plot}" y2="{top + plot}" stroke="#888"/>')
    parts.append("</svg>")
    return "".join(parts)


def failed_bars(tests: Sequence[TestStruggle], label_chars: int = 64) -> str:
    """Horizontal bars: the share of students failing each test, most failed first."""
    row, label_width, bar_width, right = 26, 430, 260, 100
    width = label_width + bar_width + right
    height = 10 + row * max(1, len(tests))
    parts = [_svg_open(width, height, "most failed hidden tests")]
    if not tests:
        parts.append('<text x="0" y="24">No test failed.</text>')
    for i, test in enumerate(tests):
        y = 5 + i * row
        label = f"{test.exercise}: {test.name}"
        shown = label if len(label) <= label_chars else label[: label_chars - 22] + "…" + label[-21:]
        bar = bar_width * test.share
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end"><title>{escape(label)}</title>'
            f"{escape(shown)}</text>"
        )
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{bar_width}" height="18" fill="#eee"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 4}" width="{bar:.1f}" height="18" fill="{FAIL_COLOUR}"/>')
        parts.append(
            f'<text x="{label_width + bar_width + 8}" y="{y + 17}">{test.share:.0%} '
            f"({test.failing}/{test.students})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    )
