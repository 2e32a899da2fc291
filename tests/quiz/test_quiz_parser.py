"""An author runs `grader quiz check` and gets one `FILE:LINE: message` line per mistake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.quiz.bank import check_paths, load_bank

HEADER = "# A quiz\n\n"


def question(qid: str = "q1", options: str = "- [ ] a) Wrong\n- [x] b) Right\n", extra: str = "") -> str:
    return f"## {qid}\n\nA prompt?\n\n{options}\n> Because.\n\n{extra}Tags: perceptron\n\n"


def problems_of(path: Path) -> list[str]:
    return [str(problem) for problem in check_paths([path])]


def test_a_valid_file_has_no_problems_and_keeps_what_was_authored(
    write_quiz: Callable[[str, str], Path],
) -> None:
    path = write_quiz(
        "good.md",
        HEADER + question() + question("q2", "- [x] A) One\n- [x] B) Two\n- [ ] C) Three\n", "Type: multiple\n\n"),
    )

    [parsed] = load_bank([path])

    assert (parsed.id, parsed.title) == ("good", "A quiz")
    first, second = parsed.questions
    assert (first.id, first.type, first.prompt, first.explanation, first.tags) == (
        "q1",
        "single",
        "A prompt?",
        "Because.",
        ("perceptron",),
    )
    assert [(o.key, o.text, o.correct) for o in first.options] == [
        ("a", "Wrong", False),
        ("b", "Right", True),
    ]
    assert second.type == "multiple" and second.correct_keys == {"A", "B"}


def test_question_without_options(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz("q.md", HEADER + "## q1\n\nA prompt?\n\n> Because.\n\nTags: perceptron\n")
    assert problems_of(path) == [f'{path}:3: question "q1" has no options (a list of "- [ ] a) text" lines)']


def test_question_without_a_correct_option(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz("q.md", HEADER + question(options="- [ ] a) One\n- [ ] b) Two\n"))
    assert problems_of(path) == [f'{path}:7: question "q1" has no correct option (mark one "- [x]")']


def test_single_answer_question_with_two_correct_options(
    write_quiz: Callable[[str, str], Path],
) -> None:
    path = write_quiz("q.md", HEADER + question(options="- [x] a) One\n- [x] b) Two\n"))
    assert problems_of(path) == [
        f'{path}:7: single-answer question "q1" has 2 correct options (add "Type: multiple" if that is meant)'
    ]


def test_duplicate_question_ids_point_at_the_first(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz("q.md", HEADER + question() + question())
    assert problems_of(path) == [f'{path}:14: duplicate question id "q1" (first at line 3)']


def test_duplicate_options_by_text_and_by_key(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz(
        "q.md",
        HEADER + question(options="- [ ] a) Same\n- [x] b) Right\n- [ ] c) same\n- [ ] b) Other\n"),
    )
    assert problems_of(path) == [
        f'{path}:9: duplicate option "same" in question "q1"',
        f'{path}:10: duplicate option key "b" in question "q1"',
    ]


def test_empty_prompt(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz("q.md", HEADER + "## q1\n\n- [x] a) One\n- [ ] b) Two\n\n> Because.\n\nTags: perceptron\n")
    assert problems_of(path) == [f'{path}:3: question "q1" has an empty prompt']


def test_file_with_no_questions(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz("q.md", HEADER + "Just an introduction.\n")
    assert problems_of(path) == [
        f'{path}:1: no questions in this file (each question starts with a "## question-id" heading)'
    ]


def test_bytes_that_are_not_utf8_are_reported_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.md"
    path.write_bytes((HEADER + question()).encode("utf-8") + "## q2\n\nDéjà vu?\n".encode("latin-1"))
    offset = len((HEADER + question()).encode("utf-8")) + len("## q2\n\nD")
    assert problems_of(path) == [f"{path}:16: the file is not UTF-8 text (byte 0xe9 at offset {offset})"]


def test_missing_explanation_tags_and_malformed_option(
    write_quiz: Callable[[str, str], Path],
) -> None:
    path = write_quiz("q.md", HEADER + "## q1\n\nA prompt?\n\n- [x] a) Right\n- b) no box\n")
    assert problems_of(path) == [
        f'{path}:3: question "q1" has no explanation (a "> " quote after the options)',
        f'{path}:3: question "q1" has no tags (a "Tags:" line naming lesson sections)',
        f'{path}:8: option of question "q1" must look like "- [ ] a) text" or "- [x] a) text"',
    ]


def test_numeric_question_needs_a_readable_answer(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz(
        "q.md",
        HEADER
        + "## q1\n\nHow much?\n\n> Because.\n\nType: numeric\n\n"
        + "Answer: about a quarter\n\nTags: and-gate\n",
    )
    assert problems_of(path) == [
        f'{path}:11: cannot read the answer "about a quarter" of question "q1" (write e.g. "Answer: 0.25 ± 0.01")'
    ]


def test_check_command_prints_every_problem_and_exits_2(write_quiz: Callable[[str, str], Path], tmp_path: Path) -> None:
    bad = write_quiz("bad.md", HEADER + question(options="- [ ] a) One\n- [ ] b) Two\n") + question())
    write_quiz("good.md", HEADER + question())
    write_quiz("README.md", "# Not a quiz: documentation is skipped\n")

    result = CliRunner().invoke(main, ["quiz", "check", str(tmp_path)])

    assert result.exit_code == 2
    assert result.output == (
        f'{bad}:7: question "q1" has no correct option (mark one "- [x]")\n'
        f'{bad}:14: duplicate question id "q1" (first at line 3)\n'
    )


def test_check_command_accepts_a_clean_folder(write_quiz: Callable[[str, str], Path], tmp_path: Path) -> None:
    write_quiz("good.md", HEADER + question() + question("q2"))
    result = CliRunner().invoke(main, ["quiz", "check", str(tmp_path)])
    assert (result.exit_code, result.output) == (0, "ok: 1 quizzes, 2 questions\n")


def test_check_command_reports_a_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    result = CliRunner().invoke(main, ["quiz", "check", str(missing)])
    assert (result.exit_code, result.output) == (2, f"{missing}: no such file or folder\n")


def test_a_tag_that_names_no_lesson_section_is_refused(write_quiz: Callable[[str, str], Path]) -> None:
    path = write_quiz("q.md", HEADER + question(extra="").replace("Tags: perceptron", "Tags: sigmod, relu"))
    [problem] = problems_of(path)
    assert problem.startswith(
        f'{path}:12: unknown tag "sigmod" in question "q1": tags are the lesson\'s sections (neurons, perceptron,'
    )
    assert problem.endswith("key-concepts; see quizzes/README.md)")
