"""The course itself: every reference earns full marks, every stub earns nothing, the stubs'
worked examples hold for the reference, and a planted mistake costs points where it is."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

from grader.grading.exercises import COURSE_ORDER, as_workspace_module
from grader.grading.grade import grade_workspace
from grader.records import GradingResult

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.sandbox


def _workspace(folder: Path, source: Path, planted: tuple[str, str, str] | None = None) -> Path:
    """Copy the four modules of `source` into `folder` as a student would have them (sibling
    imports), optionally with `planted` = (exercise, old text, new text) applied once."""
    for name in COURSE_ORDER:
        text = (source / f"{name}.py").read_text()
        text = as_workspace_module(text)
        if planted is not None and planted[0] == name:
            assert planted[1] in text, f"the planted mistake no longer matches reference/{name}.py"
            text = text.replace(planted[1], planted[2], 1)
        (folder / f"{name}.py").write_text(text)
    return folder


def _scores(result: GradingResult) -> dict[str, tuple[float, float]]:
    return {e.name: (e.score, e.max_score) for e in result.exercises}


def _failures(result: GradingResult, exercise: str) -> list[str]:
    (outcome,) = [e for e in result.exercises if e.name == exercise]
    return [f"{t.id}: {t.message}" for t in outcome.tests if t.outcome != "passed"]


def test_the_reference_scores_full_marks_in_every_exercise(tmp_path: Path) -> None:
    result = grade_workspace(_workspace(tmp_path, ROOT / "reference"))
    assert [e.name for e in result.exercises] == list(COURSE_ORDER)
    for exercise in result.exercises:
        assert exercise.max_score > 0
        assert exercise.score == exercise.max_score, _failures(result, exercise.name)


def test_the_stubs_score_zero_in_every_exercise() -> None:
    result = grade_workspace(ROOT / "exercises")
    assert _scores(result) == {e.name: (0.0, e.max_score) for e in result.exercises}
    assert all(e.status == "failed" for e in result.exercises)


def _examples(exercise: str) -> list[doctest.DocTest]:
    """The `>>>` examples of the stub's docstrings, set to run in the reference module's namespace."""
    source = (ROOT / "exercises" / f"{exercise}.py").read_text()
    reference = importlib.import_module(f"grader.reference.{exercise}")
    parser = doctest.DocTestParser()
    tests = []
    for node in ast.parse(source).body:
        docstring = ast.get_docstring(node) if isinstance(node, ast.FunctionDef) else None
        if docstring and ">>>" in docstring:
            tests.append(
                parser.get_doctest(
                    docstring, dict(vars(reference)), f"{exercise}.{node.name}", f"exercises/{exercise}.py", node.lineno
                )
            )
    return tests


@pytest.mark.parametrize("exercise", COURSE_ORDER)
def test_every_stub_function_has_a_worked_example_that_the_reference_passes(exercise: str) -> None:
    source = (ROOT / "exercises" / f"{exercise}.py").read_text()
    functions = [n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    examples = _examples(exercise)
    assert sorted(t.name.split(".", 1)[1] for t in examples) == sorted(functions)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    for test in examples:
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


# One typical mistake per exercise, planted in the reference: it must cost points in its own
# exercise and leave the others at full marks.
LOCAL_MISTAKES = {
    "perceptron": ("return 1 if z > threshold else 0", "return 1 if z >= threshold else 0"),
    "activations": ("np.where(_floats(z) > 0, 1.0, 0.0)", "np.where(_floats(z) >= 0, 1.0, 0.0)"),
    "forward": ("def init_parameters(layer_sizes, seed=0):", "def init_parameters(layer_sizes, seed=1):"),
    "backprop": ('{"W": layer["W"] - learning_rate * grad["W"]', '{"W": layer["W"] + learning_rate * grad["W"]'),
}


@pytest.mark.parametrize("exercise", COURSE_ORDER)
def test_a_planted_mistake_costs_points_only_in_its_exercise(tmp_path: Path, exercise: str) -> None:
    old, new = LOCAL_MISTAKES[exercise]
    result = grade_workspace(_workspace(tmp_path, ROOT / "reference", (exercise, old, new)))
    scores = _scores(result)
    assert scores[exercise][0] < scores[exercise][1]
    for other, (score, max_score) in scores.items():
        if other != exercise:
            assert score == max_score, (other, _failures(result, other))


def test_grading_a_later_exercise_alone_compares_with_the_students_graded_earlier_one(tmp_path: Path) -> None:
    """forward's activate is checked against what the student's activations.py answers, opened
    for that even when only forward is graded; forward.py's own names decide nothing."""
    wrong_tanh = ("activations", "return _result(np.tanh(_floats(z)))", "return _result(_floats(z))")
    result = grade_workspace(_workspace(tmp_path, ROOT / "reference", wrong_tanh), ["forward"])
    (forward,) = result.exercises
    activate = [t for t in forward.tests if t.id == "forward::test_activate_chooses_the_function_by_name"]
    assert activate and activate[0].outcome == "passed", activate


def test_two_attempts_at_the_same_wrong_code_show_other_inputs_and_a_regrade_repeats_one(tmp_path: Path) -> None:
    greater_or_equal = ("activations", "np.where(_floats(z) > 0, 1.0, 0.0)", "np.where(_floats(z) >= 0, 1.0, 0.0)")
    folder = _workspace(tmp_path, ROOT / "reference", greater_or_equal)
    first, second = (grade_workspace(folder, ["activations"]) for _ in range(2))
    assert first.seed is not None and second.seed is not None and first.seed != second.seed
    assert first.score == second.score < first.max_score
    test_id = "activations::test_matches_reference_on_random_arrays[relu_derivative]"
    messages = [{t.id: t.message for t in r.exercises[0].tests} for r in (first, second)]
    assert messages[0][test_id] != messages[1][test_id]
    regraded = grade_workspace(folder, ["activations"], seed=first.seed)
    assert [t.message for t in regraded.exercises[0].tests] == [t.message for t in first.exercises[0].tests]


def test_the_sigmoid_docstring_says_that_float64_rounds_what_never_reaches_0_or_1() -> None:
    docstring = ast.get_docstring(
        next(
            n
            for n in ast.parse((ROOT / "exercises" / "activations.py").read_text()).body
            if getattr(n, "name", "") == "sigmoid"
        )
    )
    assert docstring is not None and ">>> sigmoid(-1e4), sigmoid(1e4)" in docstring
    assert "never reaches 0 or 1" in docstring and "rounds" in docstring
