"""Feedback that names the cause, and that a student's answer cannot blow up.

Whatever a student's function returns is formatted in the trusted process, outside every time
budget of the sandbox: describing it must stay small and quick for huge, deep and wide values,
and every message a test records is capped. The hostile values here are big enough that a
formatter which looked at all of them would take minutes; the tests assert sizes, not times.
Hints are checked on mistakes planted in the reference, graded in this process.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from grader.grading.feedback import abbreviate, describe_call, difference, explain_raised
from grader.grading.runner import MESSAGE_CAP
from grader.records import TestOutcome
from grader.suites.inprocess import grade_sources, reference_sources

REFERENCE = reference_sources()
MANY_SHORT_DIMENSIONS = np.zeros((2,) * 22, dtype=bool)  # 4 MiB, 22 dimensions of 2: never summarised by numpy
HUGE_KEYS = {("k" * 950_000) + str(i): i for i in range(4)}


def _deep(levels: int) -> list[object]:
    value: list[object] = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    [MANY_SHORT_DIMENSIONS, _deep(100_000), HUGE_KEYS, 10**100_000, [HUGE_KEYS] * 5, ("x" * 10**7,)],
    ids=[
        "22-dimensional array",
        "list nested 100000 deep",
        "dict of megabyte keys",
        "int of 100000 digits",
        "list of huge dicts",
        "tuple of a huge string",
    ],
)
def test_describing_a_hostile_answer_takes_a_few_hundred_characters(value: object) -> None:
    assert len(abbreviate(value)) <= 200
    assert len(describe_call("backprop.train", (value, value), {"seed": value})) <= 1000
    for expected in (np.zeros((2, 2)), 1.0, 3, [1.0, 2.0], {"W": np.zeros(1)}, (np.zeros(1), 0.0)):
        found = difference(value, expected, rtol=1e-9, atol=1e-12)
        assert found is not None and len(found) <= 600


def test_a_huge_int_where_a_float_is_expected_is_a_mismatch_not_a_grader_error() -> None:
    assert difference(10**400, 1.0, rtol=1e-9, atol=0) == "expected 1.0, got an int of 1329 bits, too large for a float"


def _messages(tests: Mapping[str, list[TestOutcome]]) -> dict[str, str]:
    return {t.id: t.message for outcomes in tests.values() for t in outcomes if t.outcome != "passed"}


HOSTILE_ANSWERS = {
    "a 4 MiB array of 22 dimensions": "np.zeros((2,) * 22, dtype=bool)",
    "a dict with four 950 kB keys": "{('k' * 950_000) + str(i): i for i in range(4)}",
    "a list nested 60 deep": "functools.reduce(lambda v, _: [v], range(60), [])",
}


@pytest.mark.parametrize("answer", sorted(HOSTILE_ANSWERS))
def test_every_message_of_a_hostile_module_is_capped(answer: str) -> None:
    module = textwrap.dedent(
        f"""
        import functools
        import numpy as np

        def _answer(*args, **kwargs):
            return {HOSTILE_ANSWERS[answer]}

        init_parameters = activate = dense_layer = forward_pass = _answer
        """
    )
    tests = grade_sources(dict(REFERENCE, forward=module), ["forward"], seed=1)
    messages = _messages(tests)
    assert len(messages) == len(tests["forward"])  # every test failed, none by a grader error
    assert all(len(m) <= MESSAGE_CAP for m in messages.values())
    assert not [m for m in messages.values() if "could not check" in m]


def test_the_runner_cuts_a_message_to_its_cap() -> None:
    from grader.grading.runner import cap_message

    cut = cap_message("x" * 10**7)
    assert len(cut) <= MESSAGE_CAP and cut.endswith("(cut: 10000000 characters in all)")
    assert cap_message("short") == "short"


# -- code that raises: the convention at fault ------------------------------------------------------


def _plant(exercise: str, old: str, new: str) -> dict[str, str]:
    assert old in REFERENCE[exercise]
    return dict(REFERENCE, **{exercise: REFERENCE[exercise].replace(old, new, 1)})


@pytest.mark.parametrize(
    "exercise, old, new, test, hint, lesson",
    [
        (
            "forward",
            "Z = W @ A_prev + b",
            "Z = W.T @ A_prev + b",
            "forward::test_dense_layer_matches_reference_on_random_layers",
            "W is (n_out, n_in), so Z = W @ A_prev",
            "lesson: Forward Propagation (h = f(W · x + b), with samples as columns)",
        ),
        (
            "forward",
            "Z = W @ A_prev + b",
            "Z = W @ A_prev + b.ravel()",
            "forward::test_dense_layer_matches_reference_on_random_layers",
            "b is a column (n_out, 1)",
            "lesson: Forward Propagation",
        ),
        (
            "forward",
            'A, cache = dense_layer(A, layer["W"], layer["b"], name)',
            'A, cache = dense_layer(np.asarray(X, dtype=np.float64), layer["W"], layer["b"], name)',
            "forward::test_forward_pass_matches_reference_on_random_networks",
            "each layer takes the previous layer's output A, not X",
            "lesson: Forward Propagation",
        ),
        (
            "activations",
            "return _result(np.maximum(_floats(z), 0.0))",
            "z = _floats(z)\n    np.maximum(z, 0.0, out=z)\n    return _result(z)",
            "activations::test_matches_reference_on_random_arrays[relu]",
            "the grader passes inputs read-only",
            "lesson: Activation Functions",
        ),
        (
            "perceptron",
            "X = np.asarray(X, dtype=float)\n    z = np.asarray(weights, dtype=float) @ X + bias",
            "X = np.array(X)\n    X *= 1.0\n    z = np.asarray(weights, dtype=float) @ X + bias",
            "perceptron::test_predict_on_the_truth_table",
            "an integer array cannot hold a float result in place",
            "lesson: Perceptron: Example: AND Gate",
        ),
    ],
    ids=["W.T @ A", "b of shape (n,)", "X fed to every layer", "writing into an input", "dtype"],
)
def test_a_numpy_error_is_explained_by_the_convention_it_breaks(exercise, old, new, test, hint, lesson) -> None:
    messages = _messages(grade_sources(_plant(exercise, old, new), [exercise], seed=2))
    raised = [m for m in messages.values() if " raised " in m.splitlines()[0]]
    assert raised and test in messages
    for message in raised:
        assert hint in _hint(message), message
        assert lesson in message


def test_a_perceptron_shape_error_is_explained_with_the_perceptrons_vectors_not_layers() -> None:
    sources = _plant(
        "perceptron", "z = np.asarray(weights, dtype=float) @ X + bias", "z = X @ np.asarray(weights) + bias"
    )
    messages = _messages(grade_sources(sources, ["perceptron"], seed=2))
    raised = [m for m in messages.values() if " raised " in m.splitlines()[0]]
    assert raised
    for message in raised:
        assert "predict's X holds one sample per column" in _hint(message), message
        assert "lesson: Perceptron: How It Works, Step 1: Weighted Sum" in message
        assert "W is (n_out, n_in)" not in message and "A_prev" not in message  # a network's words


def test_samples_kept_as_rows_are_told_that_samples_are_columns() -> None:
    sources = _plant("forward", "Z = W @ A_prev + b", "Z = A_prev.T @ W.T + b.T")
    message = _messages(grade_sources(sources, ["forward"], seed=2))[
        "forward::test_dense_layer_matches_reference_on_random_layers"
    ]
    assert "(transposed: samples are columns and W is (n_out, n_in); W or W.T?)" in message


def test_an_error_that_no_convention_explains_keeps_the_tests_own_lesson() -> None:
    assert explain_raised("division by zero") is None
    message = _messages(
        grade_sources(
            _plant("backprop", "m = AL.shape[1]\n    return float", "m = AL.shape[1]\n    1 / 0\n    return float"),
            ["backprop"],
            seed=2,
        )
    )["backprop::test_loss_matches_reference_on_random_batches"]
    assert "hint:" not in message and message.endswith(
        "lesson: Backpropagation: The Learning Process, 2. Calculate Loss"
    )


# -- hints that match the mistake -------------------------------------------------------------------


def _hint(message: str) -> str:
    return message.split("\nhint: ", 1)[1].split("\nlesson: ", 1)[0] if "\nhint: " in message else ""


def test_a_loss_gradient_without_2_over_m_is_named_as_such_not_as_a_factor_of_two() -> None:
    messages = _messages(
        grade_sources(_plant("backprop", "return 2.0 * (AL - Y) / m", "return AL - Y"), ["backprop"], seed=4)
    )
    hint = _hint(messages["backprop::test_loss_gradient_matches_reference"])
    assert "leaves out the 2 / m" in hint
    assert "twice" not in messages["backprop::test_loss_gradient_matches_reference"]


def test_a_step_that_returns_a_bool_is_shown_the_type_and_told_to_return_an_int() -> None:
    messages = _messages(
        grade_sources(
            _plant("perceptron", "return 1 if z > threshold else 0", "return z > threshold"), ["perceptron"], seed=2
        )
    )
    step_tests = {test_id: m for test_id, m in messages.items() if "::test_step" in test_id}
    assert len(step_tests) == 3
    for message in step_tests.values():
        assert "got bool" in message  # True == 1 in Python: without the type, the answer looks right
        assert _hint(message).startswith("return the int 1 or 0")


def test_a_step_that_ignores_its_threshold_is_told_so_not_about_greater_or_equal() -> None:
    messages = _messages(
        grade_sources(_plant("perceptron", "1 if z > threshold else 0", "1 if z > 0 else 0"), ["perceptron"], seed=2)
    )
    step_tests = {test_id: m for test_id, m in messages.items() if "::test_step" in test_id}
    assert step_tests and all(
        _hint(m) == "compare z with the threshold argument, not with 0" for m in step_tests.values()
    )


def test_a_factor_that_two_mistakes_explain_names_both() -> None:
    from grader.grading.checks import ratio_hint

    hint = ratio_hint([(0.5, "the 2 is missing"), (1 / 2, "divided by the 2 outputs too"), (3.0, "m")], "other")
    assert hint(np.array([1.0, 2.0]), np.array([2.0, 4.0]), "") == "the 2 is missing; or divided by the 2 outputs too"
    assert hint(np.array([3.0]), np.array([1.0]), "") == "m"
    assert hint(np.array([5.0]), np.array([1.0]), "") == "other"


def test_relu_derivative_with_ge_is_not_told_to_convert_to_float() -> None:
    sources = _plant("activations", "np.where(_floats(z) > 0, 1.0, 0.0)", "np.where(_floats(z) >= 0, 1.0, 0.0)")
    messages = _messages(grade_sources(sources, ["activations"], seed=6))
    for test_id, message in messages.items():
        assert "dtype=float" not in _hint(message), test_id
    assert ">, not >=" in _hint(messages["activations::test_relu_derivative_at_zero_is_zero"])


def test_a_sigmoid_by_np_where_is_told_that_np_where_computes_both_branches() -> None:
    sources = _plant(
        "activations",
        "return _result(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))",
        "return _result(np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z))))",
    )
    messages = _messages(grade_sources(sources, ["activations"], seed=6))
    hint = _hint(messages["activations::test_extreme_inputs_give_no_overflow_and_no_nan[sigmoid]"])
    assert "computes BOTH" in hint


def test_the_stopping_rule_is_blamed_only_when_training_stops_at_another_step() -> None:
    sources = _plant(
        "backprop",
        "parameters = gradient_step(parameters, gradients, learning_rate)",
        "parameters = gradient_step(parameters, gradients, learning_rate * learning_rate)",
    )
    messages = _messages(grade_sources(sources, ["backprop"], seed=7))
    message = messages["backprop::test_train_stops_when_the_loss_stops_falling"]
    assert "expected 2 losses" not in message  # the same count: the values differ
    assert "learning rate is applied twice" in _hint(message)
    assert "tol" not in _hint(message)


def test_a_training_that_stops_elsewhere_because_its_steps_differ_is_told_about_the_steps() -> None:
    sources = _plant(
        "backprop",
        "parameters = gradient_step(parameters, gradients, learning_rate)",
        "parameters = gradient_step(parameters, gradients, learning_rate * learning_rate)",
    )
    messages = _messages(grade_sources(sources, ["backprop"], seed=7))
    counted = {t: m for t, m in messages.items() if "losses, got" in m}
    assert counted  # some trainings stop at another loss: the steps, not the stopping rule, are at fault
    for message in counted.values():
        assert "part from the reference's at loss 2" in message
        assert "learning rate is applied twice" in _hint(message) and "previous - current" not in _hint(message)
    one_step = messages["backprop::test_first_training_step_is_one_forward_backward_step"]
    assert "no step after" not in _hint(one_step) and "one gradient step" in _hint(one_step)


def test_a_perceptron_trained_in_float32_is_told_to_keep_float64_not_about_the_rule() -> None:
    sources = _plant("perceptron", "return weights, float(bias)", "return weights.astype(np.float32), float(bias)")
    messages = _messages(grade_sources(sources, ["perceptron"], seed=7))
    message = messages["perceptron::test_train_perceptron_follows_the_learning_rule_exactly"]
    assert "float32" in message and _hint(message).startswith("keep the weights in float64")


def test_train_returning_losses_then_parameters_is_told_the_order() -> None:
    sources = _plant("backprop", "return parameters, losses", "return losses, parameters")
    messages = _messages(grade_sources(sources, ["backprop"], seed=7))
    trainings = [m for t, m in messages.items() if "::test_train" in t]
    assert trainings and all(_hint(m) == "return parameters, losses: in that order" for m in trainings)


def test_an_if_on_an_array_is_told_to_work_element_wise() -> None:
    sources = _plant("activations", "def relu(z):\n", "def relu(z):\n    return max(0, z)\n")
    messages = _messages(grade_sources(sources, ["activations"], seed=7))
    raised = [m for m in messages.values() if "truth value of an array" in m]
    assert raised and all("work element-wise" in _hint(m) for m in raised)


@pytest.mark.parametrize("answer", [np.array(1.5 + 0j), np.array(True), np.array("1.5")])
def test_a_zero_dimensional_array_that_is_not_a_real_number_is_not_a_float(answer: np.ndarray) -> None:
    found = difference(answer, 1.5, rtol=1e-9, atol=0)
    assert found is not None and found.startswith("expected a float, got ndarray")


def test_an_array_inside_an_answer_is_named_before_its_elements() -> None:
    found = difference((np.array([0.5, 0.5]), 1.0), (np.array([1.0, 0.25]), 1.0), rtol=0, atol=0)
    assert found == "[0]: 2 of 2 elements differ; first at [0]: expected 1.0, got 0.5"


def test_an_abs_stopping_rule_fails_where_the_loss_rises_and_says_so() -> None:
    sources = _plant(
        "backprop",
        "if len(losses) > 1 and losses[-2] - losses[-1] < tol:",
        "if len(losses) > 1 and abs(losses[-2] - losses[-1]) < tol:",
    )
    messages = _messages(grade_sources(sources, ["backprop"], seed=8))
    assert "not abs(previous - current) < tol" in _hint(messages["backprop::test_train_stops_when_the_loss_rises"])


def test_a_wrong_derivative_costs_the_training_tests_nothing() -> None:
    sources = _plant("activations", "return _result(s * (1.0 - s))", "return _result(-s * (1.0 - s))")
    messages = _messages(grade_sources(sources, ["backprop"], seed=9))
    assert not [test for test in messages if "train" in test], messages


def test_float32_in_dense_layer_is_named_as_float32() -> None:
    sources = _plant(
        "forward", "A_prev = np.asarray(A_prev, dtype=np.float64)", "A_prev = np.asarray(A_prev, dtype=np.float32)"
    )
    messages = _messages(grade_sources(sources, ["forward"], seed=10))
    assert messages and all("float32" in message for message in messages.values()), messages
    for message in messages.values():
        assert "convert X to float" not in message and "computed independently" not in message


def test_predict_returning_floats_is_not_told_about_writing_into_x() -> None:
    sources = _plant("perceptron", "return (z > threshold).astype(int)", "return (z > threshold).astype(float)")
    messages = _messages(grade_sources(sources, ["perceptron"], seed=11))
    hint = _hint(messages["perceptron::test_predict_matches_reference_on_random_batches_without_modifying_them"])
    assert hint == "return integers: (z > threshold).astype(int)"


def test_train_perceptron_returning_a_list_is_told_so() -> None:
    sources = _plant("perceptron", "return weights, float(bias)", "return [weights, float(bias)]")
    messages = _messages(grade_sources(sources, ["perceptron"], seed=12))
    message = messages["perceptron::test_train_perceptron_follows_the_learning_rule_exactly"]
    assert "returned a list" in message and "return the tuple (weights, bias)" in message


def test_test_descriptions_name_the_network_they_use() -> None:
    tests = grade_sources(REFERENCE, ["forward"], seed=13)["forward"]
    for test in tests:
        if "3 -> 3 -> 3 -> 2" in test.name:
            assert test.id in ("forward::test_forward_pass_on_the_lesson_network",)


def test_a_passing_submission_describes_none_of_its_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Describing an answer (numpy's array printing) costs more than most calls into the
    sandbox; the suites word a check's message only when the check fails."""
    from grader import descriptions
    from grader.suites.inprocess import InProcessModule

    described: list[object] = []
    raising = []  # where a test asks for a ValueError, the reference's is worded as it is raised
    for name in ("_array_body", "describe_call"):
        original = getattr(descriptions, name)

        def counting(*args: object, _original: Any = original, **kwargs: object) -> Any:
            if not raising:
                described.append(args)
            return _original(*args, **kwargs)

        monkeypatch.setattr(descriptions, name, counting)
    worded = InProcessModule._raised

    def raised(*args: Any) -> Any:
        raising.append(True)
        try:
            return worded(*args)
        finally:
            raising.pop()

    monkeypatch.setattr(InProcessModule, "_raised", raised)
    tests = grade_sources(reference_sources(), seed=3)
    outcomes = [t.outcome for exercise in tests.values() for t in exercise]
    assert set(outcomes) == {"passed"}
    assert described == []


def test_a_function_that_reaches_a_wrong_helper_other_than_by_name_is_not_told_the_reference_stood_in() -> None:
    """step and perceptron share a private helper with >=: the grader cannot put the reference's
    step in perceptron's place, and says so instead of 'this is what it does with the reference's'."""
    sources = _plant(
        "perceptron",
        "def step(z, threshold=0.0):\n    return 1 if z > threshold else 0\n\n\n"
        "def perceptron(inputs, weights, bias, threshold=0.0):\n"
        "    return step(weighted_sum(inputs, weights, bias), threshold)\n",
        "def _fire(z, threshold):\n    return 1 if z >= threshold else 0\n\n\n"
        "def step(z, threshold=0.0):\n    return _fire(z, threshold)\n\n\n"
        "def perceptron(inputs, weights, bias, threshold=0.0):\n"
        "    return _fire(weighted_sum(inputs, weights, bias), threshold)\n",
    )
    messages = _messages(grade_sources(sources, ["perceptron"], seed=3))
    noted = [m for test_id, m in messages.items() if "::test_perceptron" in test_id and "note:" in m]
    assert noted
    for message in noted:
        assert "does not call it by name" in message and "with the reference's in" not in message


def test_an_integer_relu_derivative_is_told_about_floats_in_every_test() -> None:
    sources = _plant("activations", "np.where(_floats(z) > 0, 1.0, 0.0)", "np.where(_floats(z) > 0, 1, 0)")
    messages = _messages(grade_sources(sources, ["activations"], seed=6))
    derivative_tests = {test_id: m for test_id, m in messages.items() if "relu_derivative" in test_id}
    assert derivative_tests
    for test_id, message in derivative_tests.items():
        assert ">, not >=" not in _hint(message), test_id


def test_a_training_loop_one_step_short_is_told_about_the_count_in_the_defaults_test() -> None:
    sources = _plant("backprop", "for _ in range(max_steps):", "for _ in range(max_steps - 1):")
    messages = _messages(grade_sources(sources, ["backprop"], seed=5))
    hint = _hint(messages["backprop::test_train_uses_the_documented_defaults"])
    assert "training stopped after" in hint


def test_a_function_that_returns_none_is_told_that_a_return_is_missing() -> None:
    sources = _plant("forward", "    return A, {", "    A, {")
    messages = _messages(grade_sources(sources, ["forward"], seed=5))
    none_hints = [_hint(m) for m in messages.values() if "got:      None" in m]
    assert none_hints and all("a return statement is missing" in hint for hint in none_hints)


def test_a_cache_unpacked_like_a_tuple_is_told_that_a_cache_is_a_dict() -> None:
    sources = _plant(
        "backprop",
        '    A_prev, W = np.asarray(cache["A_prev"], dtype=np.float64), np.asarray(cache["W"], dtype=np.float64)\n'
        '    dZ = dA * activation_derivative(cache["Z"], cache["activation"])\n',
        "    A_prev, Z, W, b, activation = cache\n"
        "    A_prev, W = np.asarray(A_prev, dtype=np.float64), np.asarray(W, dtype=np.float64)\n"
        "    dZ = dA * activation_derivative(Z, activation)\n",
    )
    messages = _messages(grade_sources(sources, ["backprop"], seed=5))
    layer_tests = [m for test_id, m in messages.items() if "layer_backward" in test_id]
    assert layer_tests and all("a cache is a dict" in _hint(m) for m in layer_tests)
