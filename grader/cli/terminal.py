"""Everything the command line prints goes through here, made safe first.

Student-controlled text (exception messages, folder names, sources) reaches almost every
output; rather than trusting each renderer to remember, `echo` shows every control
character of what it prints visibly (see `grader.visible`). Renderers still put names and
table cells on one line themselves, where a newline could forge a line of output.
`raw_echo` is for the one output a user asks to get byte for byte (`report --source --raw`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from grader.visible import one_line, visible

if TYPE_CHECKING:
    from rich.console import Console


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Print `text` with every control character but line breaks and tabs shown escaped."""
    click.echo(visible(text), err=err, nl=nl)


def raw_echo(text: str) -> None:
    """Print `text` exactly as it is: only for output the user asked to get raw."""
    click.echo(text, nl=not text.endswith("\n"))


@contextmanager
def progress_bar(label: str, console: Console | None = None) -> Iterator[Callable[[int, int, str], None] | None]:
    """A progress bar on stderr (or `console`) while the block runs, only when stderr is a terminal.

    The hook's third argument names who was just finished: a student's folder name, shown
    on one line and never read as rich markup.
    """
    if console is None and not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console or Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total, who: bar.update(
            task, completed=done, total=total, description=f"{label} {one_line(who)[:60]}"
        )
