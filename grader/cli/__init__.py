"""The `grader` command line: parse options, call one service function, print.

This module is the edge where errors become exit statuses, once for every command:

- a `GraderError` (bad input) is `Error: <message>` on stderr, exit status 2, no traceback;
- any other exception is a fault of the grader, not of the user: one line saying so, exit
  status 1, and the traceback with `grader --debug ...` (or GRADER_DEBUG=1).

Heavy modules (numpy, pytest, SQLAlchemy, rich) are imported inside the commands that use
them, so `grader --help` stays fast.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import Any

import click

from grader.errors import GraderError, GraderFault, ServerUnreachable
from grader.visible import one_line


class BadInput(click.ClickException):
    """A `GraderError` on its way out: one line, exit status 2."""

    exit_code = 2


class Unreachable(click.ClickException):
    """The course server cannot be reached or did not answer in time: exit status 3."""

    exit_code = 3


class _Edge(click.Group):
    """The group that turns every error of a command into its one line and exit status, and
    lists its commands with whole summaries (click cuts them to fit one line, with "...")."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [
            (name, command.get_short_help_str(limit=1_000))
            for name, command in commands
            if command is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ServerUnreachable as error:
            raise Unreachable(str(error)) from None
        except GraderError as error:
            raise BadInput(one_line(str(error))) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            _stop_writing_to_stdout()
            sys.exit(OUTPUT_GONE)
        except Exception as error:
            if _debugging(ctx):
                if isinstance(error, GraderFault) and error.detail:
                    click.echo(error.detail, err=True)
                raise
            click.echo(
                f"Error: the grader itself failed ({type(error).__name__}: {one_line(_one_line(error))}); "
                "this is not a problem with your input. Run `grader --debug ...` for the details.",
                err=True,
            )
            sys.exit(1)


OUTPUT_GONE = 141
"""The status of a command whose output's reader went away (`| head -1`): 128 + SIGPIPE, as a
program that SIGPIPE ended would have. Python ignores SIGPIPE, so the write raises instead."""


def _stop_writing_to_stdout() -> None:
    """Point stdout at /dev/null, so that nothing left in its buffer fails again at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation: no file (a test's stdout)
        pass


def _debugging(ctx: click.Context) -> bool:
    return bool(ctx.params.get("debug")) or os.environ.get("GRADER_DEBUG", "") not in ("", "0")


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else "no message"


@click.group(cls=_Edge, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the traceback when the grader itself fails.")
@click.version_option(package_name="nn-grader", prog_name="grader")
def main(debug: bool) -> None:
    """Auto-graded numpy exercises and quizzes for Neural Networks Fundamentals.

    Edit the files in exercises/, try the lesson's examples with `grader check`, then
    `grader submit` to be graded by the hidden tests.
    """


def _register_commands() -> None:
    from grader.cli import course, instructor, queue, quiz, remote, student

    for command in (
        student.submit,
        student.check,
        student.progress,
        instructor.grade,
        instructor.regrade,
        instructor.override,
        instructor.report,
        quiz.quiz,
        course.serve,
        course.course,
        queue.worker,
        queue.queue,
        remote.login,
        remote.logout,
    ):
        main.add_command(command)


_register_commands()


class _ExitWithoutTeardown:
    """The last exit handler of the `grader` program: flush stdout and stderr, then end the
    process with the command's exit status, skipping the interpreter's teardown.

    Tearing down an interpreter that holds numpy, pytest and the grader (every object of every
    module freed, one by one, in a process that is ending anyway) took 0.1-0.2 s here, and
    `grader submit` made the student wait for it after the score was printed. Python has joined
    the other threads and run every other exit handler before this one (handlers run last
    registered first, and this one is registered before the command runs), so what is skipped
    is only the freeing; files are closed by the commands that open them. A process ending in
    any other way than a command's exit status (an uncaught KeyboardInterrupt) ends as usual.
    """

    def __init__(self) -> None:
        self.status: int | None = None

    def __call__(self) -> None:
        if self.status is None:
            return
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (`grader report | head`), a closed stream
                pass
        os._exit(self.status)


def run() -> None:
    """The `grader` program (`main` as a process of its own; tests call `main` in-process)."""
    ending = _ExitWithoutTeardown()
    atexit.register(ending)
    try:
        main()
    except SystemExit as exiting:
        code = exiting.code
        ending.status = code if isinstance(code, int) else 0 if code is None else 1
        raise


__all__ = ["main", "run"]
