"""Nothing a student writes reaches the instructor's terminal as a command.

Folder names, exception texts, class names and sources are shown with their control
characters made visible: no escape sequence retitles the window (OSC 0), sets the clipboard
(OSC 52) or clears the screen (CSI 2J), no newline forges a line of the grader's output, and
no rich markup is interpreted. The CliRunner keeps colour (`color=True`) so that click does
not strip escape sequences itself, as it would not on a real terminal.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.records import ExerciseOutcome, GradingResult, TestOutcome
from grader.store import open_store
from grader.store.submissions import record_submission
from grader.visible import one_line, visible

OSC_TITLE = "\x1b]0;pwned\x07"
OSC_CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07"
CLEAR_SCREEN = "\x1b[2J"
FORGED = "\nGraded 40 of 40 students."
MARKUP = "[bold red]boom[/bold red]"
MARKUP_NAME = "[blink red]ada"  # names have no slash, so no closing tag: this is as far as a name goes
HOSTILE = OSC_TITLE + OSC_CLIPBOARD + CLEAR_SCREEN + FORGED


def run(*args: str) -> tuple[int, str]:
    outcome = CliRunner().invoke(main, list(args), color=True)
    return outcome.exit_code, outcome.output


def assert_harmless(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output
    assert "Graded 40 of 40 students." not in output.splitlines()


def test_control_characters_are_shown_not_sent() -> None:
    assert visible(HOSTILE) == (
        "\\x1b]0;pwned\\x07\\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07\\x1b[2J\nGraded 40 of 40 students."
    )
    assert one_line("ada\nben\tcy\r\n") == "ada\\nben\\tcy\\r\\n"
    assert visible("lines\r\nstay\tlines\n") == "lines\nstay\tlines\n"
    assert visible("\u202eevil\x9b2J") == "\\u202eevil\\x9b2J"  # a bidi override, an 8-bit CSI
    assert visible("chloé 名前 ✓") == "chloé 名前 ✓"
    assert one_line(os.fsdecode(b"bob\x9b2J")) == "bob\\udc9b2J"  # a folder name that is not UTF-8


def test_grade_shows_a_folder_name_that_is_not_utf8_escaped_on_a_strict_utf8_terminal(
    tmp_path: Path, workspace, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """Found by a hostile trial: raw 0x9b (CSI) reached the instructor's terminal, or, with a
    strict UTF-8 stream, the grader failed after grading and the summary was never printed."""
    stubs = workspace(stubs=True)
    root = tmp_path / "class"
    root.mkdir()
    shutil.copytree(stubs, root / "bob")
    os.mkdir(os.fsencode(root) + b"/c1 \x9b2J \x9d0;T\x9c")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(root), "--db", db_url, "--jobs", "1"],
        capture_output=True,
        env=env,
        timeout=600,
    )
    assert b"the grader itself failed" not in done.stderr and done.returncode == 1, done.stderr
    assert b"\x9b" not in done.stdout and b"c1 \\udc9b2J" in done.stdout


def record(db_url: str, student: str, message: str, files: dict[str, str] | None = None) -> int:
    test = TestOutcome("perceptron::step", "step", "failed", 0.0, 1.0, message)
    exercise = ExerciseOutcome("perceptron", 0.0, 1.0, "failed", "0 of 1 tests passed", (test,), "v1")
    graded = GradingResult((exercise,), {"level": "full"}, "v1", 0.1, files or {"perceptron.py": "x = 1\n"})
    with open_store(db_url) as store:
        return store.write(lambda session: record_submission(session, student, "/ws", graded)[0])


def test_reports_show_students_messages_and_names_without_obeying_them(db_url: str) -> None:
    record(db_url, MARKUP_NAME, f"perceptron.step(0) raised {MARKUP} {HOSTILE}")
    # ties among messages are listed alphabetically: "perceptron.step(…) raised ..." comes first
    submission = record(db_url, "bo", "the step is wrong", {"perceptron.py": f"print('{HOSTILE}')\n"})
    for args in (
        ["report"],
        ["report", "--format", "csv"],
        ["report", "--student", MARKUP_NAME],
        ["report", "--source", str(submission)],
        ["progress", "--student", MARKUP_NAME],
    ):
        code, output = run(*args, "--db", db_url)
        assert code == 0, (args, output)
        assert_harmless(output)
    table = run("report", "--db", db_url)[1]
    assert MARKUP_NAME in table and MARKUP in table  # markup is shown as typed, not interpreted
    assert f"Progress of {MARKUP_NAME}: 1 attempt" in run("progress", "--student", MARKUP_NAME, "--db", db_url)[1]
    assert (
        "raised [bold red]boom[/bold red] \\x1b]0;pwned\\x07"
        in run("report", "--student", MARKUP_NAME, "--db", db_url)[1]
    )
    assert "print('\\x1b]0;pwned" in run("report", "--source", str(submission), "--db", db_url)[1]
    # the source exactly as submitted is there for whoever asks for it
    raw = run("report", "--source", str(submission), "--file", "perceptron.py", "--raw", "--db", db_url)
    assert raw == (0, f"print('{HOSTILE}')\n")


def test_an_error_naming_a_hostile_path_is_still_one_harmless_line(db_url: str) -> None:
    code, output = run("report", "--db", db_url, "--course", f"course{OSC_TITLE}{FORGED}.toml")
    assert code == 2
    assert output == "Error: course\\x1b]0;pwned\\x07\\nGraded 40 of 40 students..toml: no such course file\n"


def test_the_progress_bar_shows_a_folder_name_as_text_on_one_line() -> None:
    from rich.console import Console

    from grader.cli.terminal import progress_bar

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200, color_system=None)
    with progress_bar("grading", console) as hook:
        assert hook is not None
        hook(1, 2, MARKUP + OSC_TITLE + FORGED)
        console.file.flush()
    shown = screen.getvalue()
    assert "grading [bold red]boom[/bold red]\\x1b]0;pwned\\x07\\nGraded 40" in shown
    assert "\x1b]0;" not in shown and "\x07" not in shown


@pytest.mark.sandbox
@pytest.mark.slow
def test_grade_lists_hostile_folder_names_harmlessly(tmp_path: Path, workspace, db_url: str) -> None:  # type: ignore[no-untyped-def]
    stubs = workspace(stubs=True)
    root = tmp_path / "class"
    root.mkdir()
    names = [MARKUP_NAME, f"eve{OSC_TITLE}", f"mal{OSC_CLIPBOARD}{CLEAR_SCREEN}", f"x{FORGED}"]
    for name in names:
        shutil.copytree(stubs, root / name)
    code, output = run("grade", str(root), "--db", db_url, "--jobs", "1")
    assert code == 1
    assert_harmless(output)
    lines = output.splitlines()
    assert lines[0] == "Graded 1 of 4 students."
    assert "  x\\nGraded 40 of 40 students.: the student name 'x\\nGraded 40 of 40 students.' has a slash" in output
    assert "  eve\\x1b]0;pwned\\x07: the student name" in output
    graded = json.loads(run("grade", str(root), "--db", f"{db_url}-2", "--jobs", "1", "--json")[1])
    assert [s["student"] for s in graded["students"]] == [MARKUP_NAME]  # a name with brackets is a name


@pytest.mark.sandbox
@pytest.mark.slow
def test_submit_shows_a_students_exception_and_class_names_harmlessly(workspace, db_url: str) -> None:  # type: ignore[no-untyped-def]
    folder = workspace(
        perceptron=f"""
        def weighted_sum(inputs, weights, bias):
            raise ValueError({HOSTILE!r})

        def step(z, threshold=0.0):
            return type({OSC_CLIPBOARD + CLEAR_SCREEN!r}, (), {{}})()
        """
    )
    code, output = run("submit", "perceptron", "--workspace", str(folder), "--student", "ada", "--db", db_url)
    assert code == 1
    assert_harmless(output)
    assert "raised ValueError" in output and "returned a \\x1b]52;c;" in output
    assert output.rstrip().endswith("attempt #1 recorded for ada.")
    check = run("check", "perceptron", "--workspace", str(folder))[1]
    assert_harmless(check)


def test_a_report_written_to_a_file_keeps_what_is_stored(db_url: str, tmp_path: Path) -> None:
    record(db_url, "ada", f"raised {OSC_TITLE}")
    target = tmp_path / "report.json"
    assert run("report", "--db", db_url, "--format", "json", "--output", str(target))[0] == 0
    [test] = json.loads(target.read_text())["exercises"][0]["tests"]
    assert test["messages"][0]["message"].endswith(OSC_TITLE)  # JSON escapes it; the data is intact


INVISIBLE = "\u3164\u2060\u180e\u061c\U000e0041\u200b\u202e"  # found by hostile trials, and their kin


def test_invisible_characters_are_shown_escaped_on_the_terminal() -> None:
    assert visible("\u3164 = z\u2060") == "\\u3164 = z\\u2060"
    shown = visible(f"x{INVISIBLE}y")
    assert shown.startswith("x\\u3164\\u2060\\u180e\\u061c") and shown.endswith("y")
    assert not (set(INVISIBLE) - {"\u200b"}) & set(shown)  # zero-width space is left, as joiners are
    assert visible("\U000e0041") == "\\U000e0041"  # not \\ue0041, which reads as \\ue004 and a 1


def test_the_code_view_flags_every_invisible_character_an_instructor_could_not_see() -> None:
    """`ㅤ = z > threshold` (a Hangul filler, a valid Python name) reads as ` = z > threshold`."""
    from grader.server.web.source import shown_file

    hidden = shown_file("perceptron.py", "a = 1\n\u3164 = 2\nb = 3\u2060\nc = '\U000e0041\u180e'\n").hidden
    assert [line.split(":")[0] for line in hidden] == ["line 2", "line 3", "line 4", "line 4"]
    assert "U+3164 HANGUL FILLER" in hidden[0]
    assert shown_file("ok.py", "name = 'chloé 名前 ✓'\n").hidden == ()
