"""Hidden suite: the perceptron (lesson: "Perceptron: The Simplest Neural Network")."""

import numpy as np
import pytest

from grader.grading.checks import expect, expect_close, expect_equal, matches_reference

EXERCISE = "perceptron"
TRUTH_TABLE = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0]}
SUM_HINT = "z = w1*x1 + ... + wn*xn + b: multiply each input by its weight, add them up, then add the bias once"
STEP_HINT = "the output is 1 only when z > threshold; at exactly the threshold it is 0 (>, not >=)"


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: Example: AND Gate (Verification)")
def test_weighted_sum_reproduces_the_and_gate_verification(student):
    """weighted_sum gives the lesson's z for the four AND-gate inputs"""
    for inputs, z in [((0, 0), -0.75), ((0, 1), -0.25), ((1, 0), -0.25), ((1, 1), 0.25)]:
        got = student.weighted_sum(list(inputs), [0.5, 0.5], -0.75)
        expect_close(got, z, call=student.last_call, hint=SUM_HINT)


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works, Step 1: Weighted Sum")
def test_weighted_sum_matches_reference_on_random_inputs(student, reference):
    """weighted_sum matches the reference on random inputs of several lengths"""
    rng = np.random.default_rng(1)
    for n in (1, 3, 7):
        x, w, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
        matches_reference(student, reference, "weighted_sum", x, w, b, hint=SUM_HINT, readonly=True)
    matches_reference(student, reference, "weighted_sum", [2, -1, 3], [1, 4, 0.5], 0, hint=SUM_HINT)


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_step_fires_above_and_stays_silent_below(student):
    """step returns the int 1 above the threshold and the int 0 below it"""
    for z, expected in [(0.25, 1), (3.0, 1), (-0.25, 0), (-5.0, 0), (1e-9, 1)]:
        expect_equal(student.step(z), expected, call=student.last_call, hint=STEP_HINT)


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_step_at_exactly_the_threshold_is_zero(student):
    """step at exactly the threshold returns 0"""
    expect_equal(student.step(0.0), 0, call=student.last_call, hint=STEP_HINT)
    expect_equal(student.step(0.5, 0.5), 0, call=student.last_call, hint=STEP_HINT)


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_step_honours_a_nonzero_threshold(student):
    """step compares with the threshold it is given, not with 0"""
    for z, threshold, expected in [(0.4, 0.5, 0), (0.6, 0.5, 1), (-0.5, -1.0, 1), (-1.5, -1.0, 0)]:
        expect_equal(
            student.step(z, threshold), expected, call=student.last_call, hint="compare z with the threshold argument"
        )


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works")
def test_perceptron_matches_reference(student, reference):
    """perceptron matches the reference on random weights, biases and thresholds"""
    rng = np.random.default_rng(2)
    for _ in range(12):
        n = int(rng.integers(1, 5))
        x, w = rng.normal(size=n), rng.normal(size=n)
        b, t = float(rng.normal()), float(rng.normal())
        matches_reference(student, reference, "perceptron", x, w, b, t, hint=STEP_HINT)
    z_on_threshold = ([1.0, 1.0], [0.25, 0.25], 0.0, 0.5)
    matches_reference(student, reference, "perceptron", *z_on_threshold, hint=STEP_HINT)


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: Example: AND Gate")
def test_and_gate_reproduces_the_truth_table(student):
    """and_gate gives the AND truth table"""
    for (x1, x2), expected in zip([(0, 0), (0, 1), (1, 0), (1, 1)], GATES["AND"], strict=True):
        expect_equal(
            student.and_gate(x1, x2),
            expected,
            call=student.last_call,
            hint="use w1 = w2 = 0.5 and b = -0.75, and output 1 only if z > 0",
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: Example: AND Gate")
def test_predict_on_the_truth_table(student):
    """predict gives one integer output per column of the truth table"""
    got = student.predict(TRUTH_TABLE, np.array([0.5, 0.5]), -0.75)
    expect_equal(
        got,
        np.array(GATES["AND"]),
        call=student.last_call,
        hint="X holds one sample per column: z = weights @ X + bias, then 1 where z > threshold",
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works")
def test_predict_matches_reference_on_random_batches_without_modifying_them(student, reference):
    """predict matches the reference on random batches passed read-only"""
    rng = np.random.default_rng(3)
    for n, m in [(2, 1), (3, 5), (4, 9)]:
        X, w = rng.normal(size=(n, m)), rng.normal(size=n)
        b, t = float(rng.normal()), float(rng.normal() * 0.1)
        matches_reference(
            student,
            reference,
            "predict",
            X,
            w,
            b,
            t,
            readonly=True,
            hint="one output per column of X; do not write into X",
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_predict_on_the_threshold_is_zero(student):
    """predict outputs 0 for a sample whose z equals the threshold"""
    X = np.array([[1.0, 2.0], [1.0, 2.0]])
    got = student.predict(X, np.array([0.25, 0.25]), 0.0, 0.5)
    expect_equal(got, np.array([0, 1]), call=student.last_call, hint=STEP_HINT)


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: Example: AND Gate")
@pytest.mark.parametrize("gate", sorted(GATES))
def test_trained_perceptron_learns_the_gate(student, gate):
    """train_perceptron learns a gate that predict then reproduces"""
    weights, bias = _trained(student, gate)
    z = np.asarray(weights, dtype=float) @ TRUTH_TABLE + float(bias)
    expect_equal(
        (z > 0).astype(int),
        np.array(GATES[gate]),
        call=f"{student.last_call}, then the trained perceptron on each column",
        hint=(
            "update only on a mistake: w += learning_rate * (target - output) * x; "
            "b += learning_rate * (target - output)"
        ),
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works")
def test_train_perceptron_follows_the_learning_rule_exactly(student, reference):
    """train_perceptron ends at the same weights as the learning rule from zeros"""
    for gate in ("AND", "NAND"):
        got = matches_reference(
            student,
            reference,
            "train_perceptron",
            TRUTH_TABLE,
            GATES[gate],
            readonly=True,
            hint="start from zeros, visit the columns in order, stop after an epoch with no mistakes",
        )
        expect(isinstance(got, tuple) and len(got) == 2, student.last_call, "expected (weights, bias)")
    matches_reference(
        student,
        reference,
        "train_perceptron",
        TRUTH_TABLE,
        GATES["OR"],
        0.5,
        3,
        hint="use the learning_rate and epochs you are given",
    )
    # Data no line separates: training never converges, so it must run exactly `epochs` epochs
    # (100 by default); these points end in a different place after 99, 100 or 101.
    inseparable = np.array([[2.0, -1.0, -2.0, -1.0, 0.0], [2.0, 0.0, -2.0, -1.0, 1.0]])
    matches_reference(
        student,
        reference,
        "train_perceptron",
        inseparable,
        [1, 1, 1, 0, 1],
        hint="when no line separates the data, training must stop after exactly `epochs` epochs (default 100)",
    )


def _trained(student, gate):
    result = student.readonly.train_perceptron(TRUTH_TABLE, GATES[gate])
    expect(
        isinstance(result, (tuple, list)) and len(result) == 2,
        student.last_call,
        f"expected a (weights, bias) pair, got {type(result).__name__}",
    )
    weights, bias = result
    expect(np.shape(weights) == (2,), student.last_call, f"expected 2 weights, got shape {np.shape(weights)}")
    return weights, bias
