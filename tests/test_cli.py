"""The command line as a student meets it: submit, check, progress, and the errors in between."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from grader.cli import main


@pytest.fixture
def runner(db_url, monkeypatch):
    monkeypatch.setenv("GRADER_DB", db_url)
    monkeypatch.setenv("GRADER_STUDENT", "ada")
    return CliRunner()


def test_a_correct_perceptron_scores_full_marks_and_exits_0(runner, workspace):
    folder = workspace(reference=True)
    result = runner.invoke(main, ["submit", "perceptron", "--workspace", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split()[:3] == ["perceptron", "18/18", "passed"]
    assert result.output.rstrip().endswith("Score 18/18: attempt #1 recorded for ada.")


def test_the_stubs_score_zero_with_feedback_and_exit_1(runner, workspace):
    folder = workspace(stubs=True)
    result = runner.invoke(main, ["submit", "perceptron", "--workspace", str(folder)])
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "perceptron     0/18  failed   0 of 14 tests passed",
        "  … not written yet (still NotImplementedError): weighted_sum, step, perceptron, and_gate, predict, "
        "train_perceptron; 14 tests, 18 points wait for them",
    ]
    tests = json.loads(runner.invoke(main, ["submit", "perceptron", "--workspace", str(folder), "--json"]).output)
    first = tests["exercises"][0]["tests"][0]["message"]
    assert first.startswith("perceptron.weighted_sum([0, 0], [0.5, 0.5], -0.75) raised NotImplementedError")
    assert first.endswith("lesson: Perceptron: Example: AND Gate (Verification)")


def test_a_wrong_answer_says_what_was_called_expected_against_got_and_a_hint(runner, workspace):
    folder = workspace(reference=True)
    source = (
        (folder / "perceptron.py")
        .read_text()
        .replace("return 1 if z > threshold else 0", "return 1 if z >= threshold else 0")
    )
    (folder / "perceptron.py").write_text(source)
    result = runner.invoke(main, ["submit", "perceptron", "--workspace", str(folder), "--json"])
    assert result.exit_code == 1
    tests = {t["id"]: t for t in json.loads(result.output)["exercises"][0]["tests"]}
    at_threshold = tests["perceptron::test_step_at_exactly_the_threshold_is_zero"]
    assert at_threshold["outcome"] == "failed" and at_threshold["points"] == 0
    assert at_threshold["message"].splitlines()[:3] == [
        "perceptron.step(0.0)",
        "  expected: 0",
        "  got:      1",
    ]
    assert "hint: the output is 1 only when z > threshold" in at_threshold["message"]
    assert "def test_" not in result.output  # the hidden suite's source is never shown


def test_json_output_is_one_object_with_the_documented_shape(runner, workspace):
    folder = workspace(reference=True)
    result = runner.invoke(main, ["submit", "perceptron", "--workspace", str(folder), "--json"])
    data = json.loads(result.output)
    assert list(data) == ["submission_id", "student", "score", "max_score", "sandbox", "exercises", "attempt", "seed"]
    (exercise,) = data["exercises"]
    assert list(exercise) == ["name", "score", "max_score", "status", "message", "tests"]
    assert list(exercise["tests"][0]) == ["id", "name", "outcome", "points", "max_points", "message", "unwritten"]
    assert {t["outcome"] for t in exercise["tests"]} == {"passed"}
    assert data["sandbox"]["level"] in ("full", "partial", "minimal")
    assert (data["student"], data["score"], data["max_score"]) == ("ada", 18.0, 18.0)


def test_a_module_that_exits_at_import_loses_its_own_points_and_is_still_recorded(runner, workspace):
    folder = workspace(perceptron="import os\nos._exit(0)\n")
    result = runner.invoke(main, ["submit", "perceptron", "--workspace", str(folder), "--json"])
    data = json.loads(result.output)
    (exercise,) = data["exercises"]
    assert (exercise["status"], exercise["score"]) == ("error", 0)
    assert "exited with code 0" in exercise["message"]
    assert data["submission_id"] == 1
    progress = runner.invoke(main, ["progress", "--json"])
    assert json.loads(progress.output)["attempts"][0]["score"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["submit", "--workspace", "no/such/folder"], "Error: no/such/folder: no such folder"),
        (["submit", "nosuch"], "Error: unknown exercise 'nosuch'; known exercises: perceptron"),
        (["submit", "--db", "not a url"], "Error: not a database URL: 'not a url'"),
        (["submit", "--db", "nosuchdriver://x"], "Error: no database driver for 'nosuchdriver'"),
        (["submit", "--student", "a/b"], "Error: the student name 'a/b' has a slash or an unprintable character"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_exit_2_and_nothing_stored(runner, workspace, args, message, db_url):
    folder = workspace(reference=True)
    full = [*args, "--workspace", str(folder)] if "--workspace" not in args else args
    result = runner.invoke(main, full)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert json.loads(runner.invoke(main, ["progress", "--json"]).output)["attempts"] == []


def test_a_folder_without_the_exercise_files_is_bad_input_and_uses_no_attempt(runner, tmp_path):
    """A mistyped --workspace, or `grader submit` run from the wrong folder, is not graded 0."""
    elsewhere = tmp_path / "not-the-course-folder"
    elsewhere.mkdir()
    (elsewhere / "notes.py").write_text("x = 1\n")
    every = "(activations.py, backprop.py, forward.py, perceptron.py)"
    result = runner.invoke(main, ["submit", "--workspace", str(elsewhere)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {elsewhere}: none of the exercise files {every} is in this folder")
    (elsewhere / "forward.py").write_text("x = 1\n")  # another exercise's file is not the one asked for
    result = runner.invoke(main, ["submit", "perceptron", "--workspace", str(elsewhere)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {elsewhere}: none of the exercise files (perceptron.py) is in this")
    assert json.loads(runner.invoke(main, ["progress", "--json"]).output)["attempts"] == []


def test_progress_lists_attempts_with_best_and_latest(runner, workspace):
    good = workspace(reference=True)
    runner.invoke(main, ["submit", "perceptron", "--workspace", str(good)])
    (good / "perceptron.py").write_text("def step(z, threshold=0.0):\n    return 1\n")
    runner.invoke(main, ["submit", "perceptron", "--workspace", str(good)])
    data = json.loads(runner.invoke(main, ["progress", "--json"]).output)
    assert [a["submission_id"] for a in data["attempts"]] == [1, 2]
    assert data["exercises"] == [{"name": "perceptron", "attempts": 2, "best": 18.0, "latest": 0.0, "max_score": 18.0}]
    table = runner.invoke(main, ["progress"]).output
    assert "perceptron" in table and "18" in table


def test_check_runs_the_docstring_examples_and_records_nothing(runner, workspace):
    folder = workspace(stubs=True)
    result = runner.invoke(main, ["check", "perceptron", "--workspace", str(folder)])
    assert result.exit_code == 1
    assert "weighted_sum([1, 1], [0.5, 0.5], -0.75)" in result.output
    assert "raised NotImplementedError (not written yet)" in result.output
    assert json.loads(runner.invoke(main, ["progress", "--json"]).output)["attempts"] == []


def test_every_command_has_help_text():
    def walk(command: click.Command, path: list[str]) -> None:
        assert command.help, f"{' '.join(path)} has no help text"
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(main, ["grader"])


def test_help_does_not_import_the_heavy_libraries():
    heavy = ("numpy", "sqlalchemy", "pytest", "rich")
    code = f"import sys, grader.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_every_command_appears_in_the_readme_with_an_example():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    commands = [name for name in main.commands if name != "quiz"]
    commands += [f"quiz {name}" for name in main.commands["quiz"].commands]  # type: ignore[attr-defined]
    missing = [name for name in commands if f"grader {name}" not in readme]
    assert missing == []


def test_the_command_list_gives_whole_summaries_on_a_narrow_terminal():
    output = CliRunner().invoke(main, ["--help"], terminal_width=80).output
    commands = output[output.index("Commands:") :]
    assert "..." not in commands and "…" not in commands
    assert "practise, analyse." in commands  # the quiz group's summary, whole


def test_every_command_says_its_exit_codes_and_every_database_option_reads_url():
    def walk(command: click.Command, path: list[str]) -> None:
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
            return
        help_text = command.get_help(click.Context(command, info_name=" ".join(path)))
        assert "Exit status" in help_text, f"{' '.join(path)} does not say its exit codes"
        if "--db" in help_text:
            assert "--db URL" in help_text, f"{' '.join(path)} shows --db without URL"

    for name, command in main.commands.items():
        walk(command, [name])


def test_progress_help_says_whose_attempts_it_shows():
    output = CliRunner().invoke(main, ["progress", "--help"], terminal_width=200).output
    assert "--student NAME  Whose attempts to show [default: $GRADER_STUDENT, else your login name]." in output


def test_a_file_name_that_is_not_utf8_is_bad_input_for_submit_too(runner, workspace, db_url):
    import os

    folder = workspace(reference=True)
    (folder / os.fsdecode(b"notes\xff.py")).write_text("x = 1\n")
    result = runner.invoke(main, ["submit", "perceptron", "--workspace", str(folder)])
    assert (result.exit_code, result.output) == (
        2,
        "Error: the file name 'notes\\\\xff.py' is not UTF-8 text: rename it\n",
    )
    assert json.loads(runner.invoke(main, ["progress", "--json"]).output)["attempts"] == []


ENDING_PROBE = """
import atexit, sys
import grader.cli as cli

class FreedAtTeardown:
    def __del__(self):
        sys.__stderr__.write("torn down\\n")

KEPT = FreedAtTeardown()  # freed only if the interpreter is torn down
command = cli.main

def main():
    atexit.register(lambda: print("exit handler of the command ran"))  # as a library's would be
    command()

cli.main = main
sys.argv = ["grader", *sys.argv[1:]]
cli.run()
"""


def test_the_program_ends_once_its_output_and_exit_handlers_are_done_keeping_its_exit_status(tmp_path):
    """`grader` skips the interpreter's teardown (0.1-0.2 s after `grader submit` printed its
    score): every exit handler still runs, the output is all there, the status is the command's."""
    bad = subprocess.run(
        [sys.executable, "-c", ENDING_PROBE, "submit", "--workspace", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: ") and "no such folder" in bad.stderr
    assert "torn down" not in bad.stderr
    assert bad.stdout == "exit handler of the command ran\n"

    exported = subprocess.run(
        [sys.executable, "-m", "grader", "quiz", "export", "--format", "json"], capture_output=True, text=True
    )
    assert exported.returncode == 0, exported.stderr
    in_process = CliRunner().invoke(main, ["quiz", "export", "--format", "json"])
    assert json.loads(exported.stdout) == json.loads(in_process.output)


def test_a_command_whose_output_reader_went_away_stops_silently_with_status_141():
    """`grader quiz practice | head -1`: the pipe closes under the command, which stops there,
    as programs ended by SIGPIPE do, instead of reporting a failure of the grader."""
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before the first write
    try:
        result = subprocess.run(
            [sys.executable, "-m", "grader", "quiz", "export", "--format", "gift"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(writer)
    assert (result.returncode, result.stderr) == (141, "")


def test_a_submission_waiting_on_the_server_is_said_to_wait_once(capsys: pytest.CaptureFixture[str]) -> None:
    """Found by a new-instructor trial: with no grader running, `grader submit` waited five
    minutes in silence. The wait is said once, on stderr, while the answer is still awaited."""
    import httpx

    from grader.cli.remote import _say_once_that_it_waits
    from grader.client.http import CourseClient
    from grader.client.login import Login

    statuses = iter(["queued", "queued", "graded"])

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"submission_id": 13, "status": next(statuses)})

    with CourseClient(Login("http://course.test", "t"), transport=httpx.MockTransport(answer)) as client:
        final = client.graded(13, waiting=_say_once_that_it_waits())
    assert final["status"] == "graded"
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("Submission #13 is queued on the server; waiting for its grade") == 1
