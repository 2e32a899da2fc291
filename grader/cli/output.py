"""Where a command's document goes: the terminal, or a file named with `--output`."""

from __future__ import annotations

from pathlib import Path

from grader.cli.terminal import echo
from grader.errors import InputFileError


def write_output(text: str, output: Path | None, what: str) -> None:
    """Echo `text`, or write it to `output` and say so on stderr; a file that cannot be written
    is bad input (`cannot write the <what>: why`)."""
    if output is None:
        echo(text, nl=not text.endswith("\n"))
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputFileError(output, f"cannot write the {what}: {error.strerror or error}") from error
    echo(f"Wrote {output}", err=True)
