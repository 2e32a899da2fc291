"""The quiz commands' help: summaries whole, and every command says its exit statuses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.cli.quiz import quiz


def test_the_quiz_command_list_shows_whole_summaries() -> None:
    result = CliRunner().invoke(main, ["quiz", "--help"])
    assert result.exit_code == 0
    listing = result.output.split("Commands:")[1]
    assert "..." not in listing and "…" not in listing
    assert "  list      List the quizzes: id, title, size.\n" in listing


@pytest.mark.parametrize("name", sorted(quiz.commands))
def test_every_quiz_command_says_its_exit_statuses(name: str) -> None:
    result = CliRunner().invoke(main, ["quiz", name, "--help"])
    assert "Exit status: 0" in " ".join(result.output.split())
