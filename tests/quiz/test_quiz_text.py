"""What a student reads: prompts wrapped to the terminal between words, code kept as written."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.quiz.text import due_text, reflow, wrap

PROSE = (
    "A network has three layers but no activation functions (each layer computes W · x + b), "
    "and non-linearity is nowhere. What can it represent?"
)
CODE = "```python\nz = np.dot(inputs, weights) + bias  # longer than a narrow terminal, kept whole\n\nreturn 1\n```"


def test_prose_is_reflowed_for_the_terminal_but_code_is_kept() -> None:
    text = "Dendrites receive signals,\nas the inputs do.\n\n```\nz = w @ x\n  + b\n```\n\nThe end\nof it."
    assert (
        reflow(text) == "Dendrites receive signals, as the inputs do.\n\n```\nz = w @ x\n  + b\n```\n\nThe end of it."
    )


@pytest.mark.parametrize("width", [30, 60, 120])
def test_prose_is_wrapped_between_words_to_the_width(width: int) -> None:
    wrapped = wrap(PROSE, width)
    assert all(len(line) <= width for line in wrapped.splitlines())
    assert wrapped.split() == PROSE.split()  # no word split, none lost
    assert "non-\nlinearity" not in wrapped


def test_code_blocks_are_kept_exactly_even_when_wider_than_the_terminal() -> None:
    wrapped = wrap(f"{PROSE}\n\n{CODE}\n\n    indented = code\n    kept  as  is", 40)
    assert CODE in wrapped
    assert "    indented = code\n    kept  as  is" in wrapped


def test_list_items_wrap_under_their_own_text() -> None:
    wrapped = wrap("Which holds?\n\n- the first item is long enough to wrap around\n  onto a second line\n- short", 30)
    assert wrapped == (
        "Which holds?\n\n- the first item is long\n  enough to wrap around onto a\n  second line\n- short"
    )


def test_a_word_longer_than_the_width_overflows_rather_than_splitting() -> None:
    word = "backpropagation-through-time-unrolled"
    assert word in wrap(f"Explain {word} please", 30).splitlines()


def test_due_times_read_as_a_person_says_them() -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    assert [due_text(now + delta, now) for delta in (timedelta(seconds=5), timedelta(minutes=10))] == [
        "now",
        "in 10 minutes",
    ]
    assert due_text(now + timedelta(days=1, hours=1), now) == "in 1 day"
    assert due_text(now - timedelta(days=3), now) == "now"


LONG_QUIZ = f"""# Wide

## wide-question

{PROSE}

{CODE}

- [x] a) No more than a single linear layer could, however many neurons each layer holds
- [ ] b) More than a single layer could, because a deeper network is always more expressive

> A linear function of a linear function is linear, so depth adds nothing without an
> activation between the layers; the explanation is wrapped like the prompt.

Tags: activation-functions
"""


@pytest.mark.parametrize("columns", [60, 120])
def test_take_wraps_prompts_options_and_explanations_to_the_terminal(tmp_path: Path, db_url: str, columns: int) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "wide.md").write_text(LONG_QUIZ, encoding="utf-8")

    result = CliRunner().invoke(
        main,
        ["quiz", "take", "wide", "--student", "ann", "--db", db_url, "--quizzes", str(bank), "--seed", "1"],
        input="1\n",
        env={"COLUMNS": str(columns)},
    )

    assert result.exit_code == 0, result.output
    code_lines = set(CODE.splitlines())
    too_wide = [line for line in result.output.splitlines() if len(line) > columns and line not in code_lines]
    assert too_wide == []
    assert CODE in result.output
    words = re.findall(r"\S+", result.output)
    assert "non-linearity" in words and "expressive" in words
    if columns == 60:
        assert "  1) " in result.output and "\n     " in result.output  # an option's second line hangs under its text


def test_a_prompt_that_opens_with_code_keeps_its_code_under_the_label() -> None:
    from grader.quiz.model import Option, Question
    from grader.quiz.present import Asked, Presented
    from grader.quiz.text import question_text

    question = Question("q", "single", f"{CODE}\n\nWhat does it return?", (Option("a", "1", True),), "E", ("and-gate",))
    text = question_text(Asked(Presented(question, question.options), "1/1"), 60)
    assert text.startswith(f"[1/1]\n{CODE}\n\nWhat does it return?\n  1) 1")
