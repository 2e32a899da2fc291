"""The class report in each document `--format` of `grader report` (its JSON is a contract,
made by `grader.contracts.class_report_document`, which hands the other formats to this)."""

from __future__ import annotations

from typing import Literal

from grader.report.model import ClassReport

Format = Literal["table", "csv", "canvas", "moodle", "json", "html"]
FORMATS: tuple[Format, ...] = ("table", "csv", "canvas", "moodle", "json", "html")


def format_class_report(report: ClassReport, fmt: Format, width: int = 100) -> str:
    if fmt in ("csv", "canvas", "moodle"):
        from grader.report.csvfile import format_csv

        return format_csv(report.gradebook, fmt)
    if fmt == "json":
        raise ValueError("the JSON of a report is a contract: grader.contracts.class_report_document makes it")
    if fmt == "html":
        from grader.report.page import format_html

        return format_html(report)
    from grader.report.text import format_report

    return format_report(report, width)
