"""`grader quiz export`: JSON with the authored keys, and Moodle GIFT."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main


def test_json_export_has_the_documented_shape_with_authored_keys(runner: CliRunner, quiz_dir: Path) -> None:
    result = runner.invoke(main, ["quiz", "export", "small", "--format", "json", "--quizzes", str(quiz_dir)])

    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    [exported] = data["quizzes"]
    assert (exported["id"], exported["title"]) == ("small", "Small quiz")
    first = exported["questions"][0]
    assert first == {
        "id": "q-range",
        "type": "single",
        "prompt": "What is the output range of sigmoid function?",
        "options": [
            {"key": "a", "text": "(0, 1)", "correct": True},
            {"key": "b", "text": "[0, 1]", "correct": False},
            {"key": "c", "text": "(-1, 1)", "correct": False},
        ],
        "explanation": "(0, 1): open at both ends.",
        "tags": ["sigmoid"],
    }
    assert [q["type"] for q in exported["questions"]] == ["single", "multiple", "numeric"]
    assert exported["questions"][2]["answer"] == 0.25


def test_gift_export_marks_answers_weights_and_escapes(runner: CliRunner, quiz_dir: Path) -> None:
    result = runner.invoke(main, ["quiz", "export", "--format", "gift", "--quizzes", str(quiz_dir)])

    assert result.exit_code == 0, result.output
    assert "::q-range::[markdown]What is the output range of sigmoid function? {" in result.output
    assert "\t=(0, 1)\n\t~[0, 1]\n" in result.output
    assert "\t~%50%Backprop\\: calculate gradients\n" in result.output
    assert "\t~%-50%Backprop\\: optimize weights\n" in result.output
    assert "{#0.25:0.01" in result.output


def test_export_of_an_unknown_quiz_is_a_one_line_error(runner: CliRunner, quiz_dir: Path) -> None:
    result = runner.invoke(main, ["quiz", "export", "nope", "--quizzes", str(quiz_dir)])
    assert result.exit_code == 2
    assert result.stderr == 'Error: no quiz "nope" (known quizzes: small)\n'


def test_export_writes_to_a_file_with_output(runner: CliRunner, quiz_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "bank.gift"

    result = runner.invoke(
        main, ["quiz", "export", "--format", "gift", "--output", str(target), "--quizzes", str(quiz_dir)]
    )
    printed = runner.invoke(main, ["quiz", "export", "--format", "gift", "--quizzes", str(quiz_dir)])

    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", f"Wrote {target}\n")
    assert target.read_text(encoding="utf-8") == printed.stdout


def test_export_to_a_folder_that_does_not_exist_is_a_one_line_error(
    runner: CliRunner, quiz_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "bank.json"
    result = runner.invoke(main, ["quiz", "export", "--output", str(target), "--quizzes", str(quiz_dir)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target}: cannot write the export: No such file or directory\n"
