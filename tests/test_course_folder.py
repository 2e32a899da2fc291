"""An instructor works from the course folder that `grader course init` wrote, on their own machine."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.pack import _stub_texts

INSTRUCTORS_SUITE = '''\
import pytest

from grader.reference import perceptron as course_reference

EXERCISE = "perceptron"


@pytest.mark.points(5)
def test_step_of_zero_is_what_this_course_says(student):
    """step(0) follows this course's own convention"""
    assert student.step(0.0) == course_reference.step(0.0)
'''


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


def test_course_init_hands_out_the_committed_stubs_not_what_the_instructor_tried_in_the_checkout(
    tmp_path: Path,
) -> None:
    checkout = tmp_path / "checkout"
    stubs = checkout / "exercises"
    stubs.mkdir(parents=True)
    (stubs / "perceptron.py").write_text("def step(z):\n    raise NotImplementedError\n")
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "stubs"], check=True)
    (stubs / "perceptron.py").write_text("def step(z):\n    return 1 if z > 0 else 0  # my own answer\n")

    assert _stub_texts(stubs) == {"perceptron.py": "def step(z):\n    raise NotImplementedError\n"}


@pytest.mark.sandbox
def test_grade_and_report_with_a_course_folder_use_its_suites_its_rules_and_its_database(tmp_path: Path) -> None:
    folder = tmp_path / "nn-course"
    assert run("course", "init", str(folder))[0] == 0
    (folder / "suites" / "test_perceptron.py").write_text(INSTRUCTORS_SUITE)
    reference = folder / "reference" / "perceptron.py"
    reference.write_text(reference.read_text().replace("if z > threshold", "if z >= threshold"))
    (folder / "course.toml").write_text("max_attempts = 1\n")
    submissions = tmp_path / "submissions"
    (submissions / "ada").mkdir(parents=True)
    (submissions / "ada" / "perceptron.py").write_text("def step(z, threshold=0.0):\n    return 1\n")

    code, output = run("grade", str(submissions), "--course", str(folder), "--json")
    assert code == 0, output
    assert json.loads(output)["students"][0]["score"] == 5.0  # the folder's own suite and reference
    assert (folder / "grader.db").is_file()

    code, output = run("report", "--course", str(folder), "--format", "json")
    assert code == 0, output
    book = json.loads(output)["gradebook"]
    assert [(row["student"], row["scores"]["perceptron"]) for row in book["students"]] == [("ada", 5.0)]
    code, output = run("grade", str(submissions), "--course", str(folder))
    assert code == 1 and "used all 1 attempt" in output  # the folder's course.toml


def test_a_course_folder_that_is_not_one_is_one_line(tmp_path: Path) -> None:
    code, output = run("report", "--course", str(tmp_path))
    assert code == 2 and output.startswith(f"Error: {tmp_path}/") and output.count("\n") == 1


def test_logged_in_to_a_server_a_command_that_needs_a_database_says_so_instead_of_using_an_empty_one(
    tmp_path: Path,
) -> None:
    env = {
        "GRADER_SERVER": "http://127.0.0.1:9",
        "GRADER_TOKEN": "t",
        "XDG_CONFIG_HOME": str(tmp_path),
        "GRADER_DB": "",
    }
    for args in (["override", "ada", "perceptron", "5", "--reason", "checked"], ["regrade", "perceptron"]):
        code, output = run(*args, env=env)
        assert code == 2 and "logged in to http://127.0.0.1:9" in output and "--db" in output
    override = ("override", "ada", "perceptron", "5", "--reason", "x", "--db", str(tmp_path / "g.db"))
    code, output = run(*override, env=env)
    assert code == 2 and output.startswith(f"Error: no database at {tmp_path / 'g.db'}")  # a mistyped path?
    assert not (tmp_path / "g.db").exists()  # and no empty one made in its place
    from grader.store import open_store

    open_store(f"sqlite:///{tmp_path / 'g.db'}").close()  # a plain path is a SQLite file
    code, output = run(*override, env=env)
    assert code == 2 and "no attempt" in output  # with a database named, it works on that one


def test_an_answers_file_that_answers_nothing_is_refused(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("{}")
    code, output = run("quiz", "take", "key-concepts", "--answers", str(answers), "--student", "ada", "--db",
                       f"sqlite:///{tmp_path / 'g.db'}")  # fmt: skip
    assert code == 2 and output.startswith(f"Error: {answers}: answers no question")


def test_every_command_that_takes_a_database_takes_a_path_ending_in_db(tmp_path: Path) -> None:
    """Found by a new-instructor trial: `grader queue --db nn-course/grader.db` was 'not a
    database URL', while report, regrade and override took the same path."""
    from grader.store import open_store

    open_store(f"sqlite:///{tmp_path / 'grader.db'}").close()
    code, output = run("queue", "--db", str(tmp_path / "grader.db"), "--json")
    assert code == 0 and json.loads(output)["depth"] == 0
    assert run("course", "init", str(tmp_path / "course"))[0] == 0
    code, output = run("worker", "--course", str(tmp_path / "course"), "--db", str(tmp_path / "grader.db"))
    assert code == 2 and "PostgreSQL" in output  # understood as SQLite, and refused for the reason that holds


def test_serving_on_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """Found by a new-instructor trial: uvicorn logged its start-up, then the error, and exit 3."""
    import socket

    assert run("course", "init", str(tmp_path / "course"))[0] == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = run("serve", "--course", str(tmp_path / "course"), "--port", str(port))
    assert (
        code == 2
        and output
        == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(another grader serve? choose another --port)\n"
    )


def test_quiz_stats_reads_a_course_folders_database_like_report_does(tmp_path: Path) -> None:
    """Found by a new-instructor trial: `grader quiz stats --course DIR` was 'No such option'."""
    assert run("course", "init", str(tmp_path / "course"))[0] == 0
    code, output = run("quiz", "stats", "--course", str(tmp_path / "course"), "--json")
    assert code == 0 and json.loads(output) == {"quizzes": []}
