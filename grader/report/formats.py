"""The class report in each `--format` of `grader report`."""

from __future__ import annotations

import json
from typing import Literal

from grader.report.model import ClassReport

Format = Literal["table", "csv", "canvas", "moodle", "json", "html"]
FORMATS: tuple[Format, ...] = ("table", "csv", "canvas", "moodle", "json", "html")


def format_class_report(report: ClassReport, fmt: Format, width: int = 100) -> str:
    if fmt in ("csv", "canvas", "moodle"):
        from grader.report.csvfile import format_csv

        return format_csv(report.gradebook, fmt)
    if fmt == "json":
        from grader import contracts

        return json.dumps(contracts.class_report(report), indent=2) + "\n"
    if fmt == "html":
        from grader.report.page import format_html

        return format_html(report)
    from grader.report.text import format_report

    return format_report(report, width)
