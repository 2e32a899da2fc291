"""Hidden suite: the perceptron (lesson: "Perceptron: The Simplest Neural Network").

Inputs come from the attempt's `rng`, except in the tests marked `lesson_example`, which use
the lesson's AND gate. Data of the threshold and training tests are multiples of 1/4 and 1/2,
so that every weighted sum is exact: a sum that lands exactly on the threshold is a test of
`>` against `>=`, not of rounding. Training tests run the student's train_perceptron with the
reference's perceptron, step and weighted_sum in place of the student's when those are wrong,
so that a wrong `step` costs points in the tests of `step` only.
"""

import itertools

import numpy as np
import pytest

from grader.grading.checks import Helper, check_downstream, expect, expect_close, expect_equal, fail, matches_reference
from grader.grading.feedback import abbreviate

EXERCISE = "perceptron"
TRUTH_TABLE = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "NAND": [1, 1, 1, 0], "NOR": [1, 0, 0, 0]}
SUM_HINT = "z = w1*x1 + ... + wn*xn + b: multiply each input by its weight, add them up, then add the bias once"
STEP_HINT = "the output is 1 only when z > threshold; at exactly the threshold it is 0 (>, not >=)"
RULE_HINT = (
    "start from zeros; visit the columns in order; on a mistake, w = w + learning_rate * (target - output) * x "
    "and b = b + learning_rate * (target - output); stop after an epoch with no mistakes"
)
RATES = (0.25, 0.5, 2.0)  # powers of two keep every update exact; never 1.0, which hides a rate used twice


def _step_hint(z, threshold=0.0):
    """The hint for step(z, threshold) answering wrong: the mistake its answer shows."""

    def choose(got, expected, found):
        if isinstance(got, (bool, np.bool_)):
            return "return the int 1 or 0 (`1 if z > threshold else 0`): a comparison alone gives a bool"
        if threshold != 0.0 and got == int(z > 0) and got != expected:
            return "compare z with the threshold argument, not with 0"
        return STEP_HINT

    return choose


def _rule_hint(case_hint):
    """The hint for a training that ends at other weights: about float64 when only the dtype
    differs; else the case's own cause (the defaults, the epochs), or the rule itself."""

    def choose(got, expected, found):
        if "float32" in found or "float16" in found:
            return "keep the weights in float64: start from np.zeros(n_inputs) (float64) and do not convert them"
        return case_hint if case_hint == RULE_HINT else f"{case_hint}; or else the rule itself: {RULE_HINT}"

    return choose


def _quarters(rng, size, bound):
    """Multiples of 1/4 in [-bound, bound]: sums of their products with halves are exact."""
    return rng.integers(-4 * bound, 4 * bound + 1, size=size) / 4


def _halves(rng, size, bound):
    return rng.integers(-2 * bound, 2 * bound + 1, size=size) / 2


def _helpers(student, reference, inputs=(), threshold=0.0):
    """The perceptron's building blocks, probed on `inputs` [(x, w, b)] and at the threshold."""
    sums = [(x, w, b) for x, w, b in inputs] + [(x, np.asarray(w) + 0.25, b + 0.5) for x, w, b in inputs[:4]]
    zs = [float(reference.weighted_sum(*case)) for case in sums]
    return [
        Helper("weighted_sum", reference.weighted_sum, student, EXERCISE, sums),
        Helper(
            "step",
            reference.step,
            student,
            EXERCISE,
            [(0.0,), (0.5,), (-0.5,), (1e-9,), (0.0, 0.0), (threshold, threshold)]
            + [(z, threshold) for z in zs]
            + ([(z,) for z in zs] if threshold == 0 else []),
        ),
        Helper(
            "perceptron",
            reference.perceptron,
            student,
            EXERCISE,
            [(x, w, b, threshold) for x, w, b in sums] + ([(x, w, b) for x, w, b in sums] if threshold == 0 else []),
        ),
    ]


def _pair(student, got):
    """The (weights, bias) that train_perceptron returned, or a failure that says what it was."""
    if isinstance(got, list) and len(got) == 2:
        fail(
            f"{student.last_call}\n  returned a list {abbreviate(got)}",
            hint="return the tuple (weights, bias): `return weights, bias`",
        )
    expect(
        isinstance(got, tuple) and len(got) == 2,
        student.last_call,
        lambda: f"expected the tuple (weights, bias), got {abbreviate(got)}",
        hint="return weights, bias",
    )
    return got


# -- weighted sum and step ----------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson_example
@pytest.mark.lesson("Perceptron: Example: AND Gate (Verification)")
def test_weighted_sum_reproduces_the_and_gate_verification(student):
    """weighted_sum gives the lesson's z for the four AND-gate inputs"""
    for inputs, z in [((0, 0), -0.75), ((0, 1), -0.25), ((1, 0), -0.25), ((1, 1), 0.25)]:
        got = student.weighted_sum(list(inputs), [0.5, 0.5], -0.75)
        expect_close(got, z, call=student.last_call, hint=SUM_HINT)


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works, Step 1: Weighted Sum")
def test_weighted_sum_matches_reference_on_random_inputs(student, reference, rng):
    """weighted_sum matches the reference on random inputs of several lengths, arrays and lists"""
    for n in (1, int(rng.integers(2, 5)), int(rng.integers(5, 9))):
        x, w, b = rng.normal(size=n), rng.normal(size=n), float(rng.normal())
        matches_reference(student, reference, "weighted_sum", x, w, b, hint=SUM_HINT, readonly=True)
    n = int(rng.integers(2, 5))
    x, w = rng.integers(-5, 6, size=n).tolist(), _quarters(rng, n, 2).tolist()
    matches_reference(student, reference, "weighted_sum", x, w, int(rng.integers(-3, 4)), hint=SUM_HINT)


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_step_fires_above_and_stays_silent_below(student, rng):
    """step returns the int 1 above the threshold and the int 0 below it"""
    for _ in range(4):
        gap = float(rng.choice([1e-9, 1e-3, 0.25, 3.0]) * rng.uniform(1, 2))
        threshold = 0.0 if rng.random() < 0.5 else float(_quarters(rng, (), 2))
        for z, expected in ((threshold + gap, 1), (threshold - gap, 0)):
            if threshold == 0.0:
                expect_equal(student.step(z), expected, call=student.last_call, hint=_step_hint(z))
            else:
                expect_equal(
                    student.step(z, threshold), expected, call=student.last_call, hint=_step_hint(z, threshold)
                )


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_step_at_exactly_the_threshold_is_zero(student, rng):
    """step at exactly the threshold returns 0, and just above it 1"""
    expect_equal(student.step(0.0), 0, call=student.last_call, hint=_step_hint(0.0))
    for threshold in _quarters(rng, 3, 3):
        threshold = float(threshold)
        hint = _step_hint(threshold, threshold)
        expect_equal(student.step(threshold, threshold), 0, call=student.last_call, hint=hint)
        hint = _step_hint(threshold + 0.125, threshold)
        expect_equal(student.step(threshold + 0.125, threshold), 1, call=student.last_call, hint=hint)


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_step_honours_a_nonzero_threshold(student, rng):
    """step compares with the threshold it is given, not with 0"""
    for sign in rng.permutation([-1.0, 1.0, rng.choice([-1.0, 1.0])]):  # both answers, in some order
        threshold = float(rng.uniform(0.5, 3.0) * sign)
        between = threshold * float(rng.uniform(0.1, 0.9))  # on the other side of the threshold than 0 is
        expected = int(between > threshold)
        expect_equal(
            student.step(between, threshold),
            expected,
            call=student.last_call,
            hint=_step_hint(between, threshold),
        )


# -- the whole perceptron -----------------------------------------------------------------


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works")
def test_perceptron_matches_reference(student, reference, rng):
    """perceptron matches the reference on random weights, biases and thresholds, some sums on the threshold"""
    cases = []
    for index in range(12):
        n = int(rng.integers(1, 5))
        x, w, b = _halves(rng, n, 3), _quarters(rng, n, 2), float(_quarters(rng, (), 2))
        z = float(reference.weighted_sum(x, w, b))
        t = z if index % 3 == 0 else float(_quarters(rng, (), 2))  # every third sum exactly on the threshold
        if index % 4 == 1:  # no threshold given, so the default 0.0, with z at 0 or just beside it
            b, t = b - z + (0.0, 0.25, -0.25)[index // 4], None
        cases.append((x, w, b, t))
    for x, w, b, t in cases:
        default = t is None
        t = 0.0 if default else t
        check_downstream(
            student,
            "perceptron",
            x,
            w,
            b,
            *(() if default else (t,)),
            judge=lambda got, x=x, w=w, b=b, t=t: expect_equal(
                got, reference.perceptron(x, w, b, t), call=student.last_call, hint=STEP_HINT
            ),
            helpers=lambda x=x, w=w, b=b, t=t: _helpers(student, reference, [(x, w, b)], t),
        )


@pytest.mark.points(1)
@pytest.mark.lesson_example
@pytest.mark.lesson("Perceptron: Example: AND Gate")
def test_and_gate_reproduces_the_truth_table(student, reference):
    """and_gate gives the AND truth table"""
    for (x1, x2), expected in zip([(0, 0), (0, 1), (1, 0), (1, 1)], GATES["AND"], strict=True):
        check_downstream(
            student,
            "and_gate",
            x1,
            x2,
            judge=lambda got, expected=expected: expect_equal(
                got,
                expected,
                call=student.last_call,
                hint="use w1 = w2 = 0.5 and b = -0.75, and output 1 only if z > 0",
            ),
            helpers=lambda x1=x1, x2=x2: _helpers(student, reference, [([x1, x2], [0.5, 0.5], -0.75)]),
        )


# -- predict --------------------------------------------------------------------------------


def _predict_helpers(student, reference, X, w, b, t):
    return _helpers(student, reference, [(X[:, j], w, b) for j in range(X.shape[1])], t)


def _predict_hint(got, expected, found):
    if "dtype" in found or "integer" in found:
        return "return integers: (z > threshold).astype(int)"
    if "shape" in found:
        return "one output per column of X: z = weights @ X + bias has shape (m,)"
    return STEP_HINT


@pytest.mark.points(1)
@pytest.mark.lesson_example
@pytest.mark.lesson("Perceptron: Example: AND Gate")
def test_predict_on_the_truth_table(student, reference):
    """predict gives one integer output per column of the truth table"""
    w = np.array([0.5, 0.5])
    check_downstream(
        student,
        "predict",
        TRUTH_TABLE,
        w,
        -0.75,
        readonly=False,
        judge=lambda got: expect_equal(
            got,
            np.array(GATES["AND"]),
            call=student.last_call,
            hint="X holds one sample per column: z = weights @ X + bias, then 1 where z > threshold",
        ),
        helpers=lambda: _predict_helpers(student, reference, TRUTH_TABLE, w, -0.75, 0.0),
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works")
def test_predict_matches_reference_on_random_batches_without_modifying_them(student, reference, rng):
    """predict matches the reference on random batches passed read-only"""
    for n, m in ((2, 1), (int(rng.integers(2, 5)), int(rng.integers(3, 7))), (int(rng.integers(3, 6)), 9)):
        X, w = rng.normal(size=(n, m)), rng.normal(size=n)
        b, t = float(rng.normal()), float(rng.normal() * 0.1)
        expected = reference.predict(X, w, b, t)
        check_downstream(
            student,
            "predict",
            X,
            w,
            b,
            t,
            judge=lambda got, expected=expected: expect_close(
                got, expected, call=student.last_call, rtol=0, atol=0, hint=_predict_hint
            ),
            helpers=lambda X=X, w=w, b=b, t=t: _predict_helpers(student, reference, X, w, b, t),
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: How It Works, Step 3: Output")
def test_predict_on_the_threshold_is_zero(student, reference, rng):
    """predict outputs 0 for a sample whose z equals the threshold"""
    while True:
        n, m = int(rng.integers(2, 4)), int(rng.integers(3, 6))
        X, w, b = _halves(rng, (n, m), 2), _quarters(rng, n, 2), float(_quarters(rng, (), 1))
        t = float(w @ X[:, 0] + b)  # exact: the first sample lies on the threshold
        expected = reference.predict(X, w, b, t)
        if expected.any() and b != 0:  # and another lies above it; and the bias counts
            break
    check_downstream(
        student,
        "predict",
        X,
        w,
        b,
        t,
        judge=lambda got: expect_close(got, expected, call=student.last_call, rtol=0, atol=0, hint=STEP_HINT),
        helpers=lambda: _predict_helpers(student, reference, X, w, b, t),
    )


# -- training -------------------------------------------------------------------------------


def _separable(rng, reference, n, lr, epochs=100):
    """Data of multiples of 1/2 that a line separates with a margin, which the reference learns."""
    for _ in range(50):
        m = int(rng.integers(4, 9))
        X = _halves(rng, (n, m), 2)
        w_true, b_true = rng.normal(size=n), float(rng.normal())
        z = w_true @ X + b_true
        if np.abs(z).min() < 0.3 or len(set((z > 0).tolist())) < 2:
            continue
        y = (z > 0).astype(int).tolist()
        weights, bias = reference.train_perceptron(X, y, lr, epochs)
        if np.array_equal((weights @ X + bias > 0).astype(int), y):
            return X, y
    raise RuntimeError("no separable data drawn: a problem of the course, not of the student's code")


def _gate(rng):
    """A two-input gate's truth table, its columns in a random order, some of them repeated."""
    name = str(rng.choice(sorted(GATES)))
    order = np.concatenate([rng.permutation(4), rng.integers(0, 4, size=int(rng.integers(0, 4)))])
    rng.shuffle(order)
    return name, TRUTH_TABLE[:, order], [GATES[name][i] for i in order]


def _training_helpers(student, reference, X, y, lr=0.1, epochs=100):
    weights, bias = reference.train_perceptron(X, y, lr, epochs)
    zero = np.zeros(X.shape[0])
    columns = [X[:, j] for j in range(X.shape[1])]
    inputs = [(x, zero, 0.0) for x in columns] + [(x, weights, bias) for x in columns]
    return _helpers(student, reference, inputs) + [
        Helper("predict", reference.predict, student, EXERCISE, [(X, zero, 0.0), (X, weights, bias)]),
    ]


@pytest.mark.points(1)
@pytest.mark.lesson("Perceptron: Example: AND Gate")
@pytest.mark.parametrize("case", ["a gate", "separable data", "separable data in 3-D"])
def test_trained_perceptron_learns_the_data(student, reference, rng, case):
    """train_perceptron learns data that a line separates: predict then reproduces every target"""
    lr = float(rng.choice(RATES))
    if case == "a gate":
        _, X, y = _gate(rng)
    else:
        X, y = _separable(rng, reference, 3 if "3-D" in case else 2, lr)

    def judge(got):
        weights, bias = _pair(student, got)
        expect(
            np.shape(weights) == (X.shape[0],),
            student.last_call,
            lambda: f"expected {X.shape[0]} weights, got {abbreviate(weights)}",
        )
        z = np.asarray(weights, dtype=float) @ X + float(bias)
        expect_equal(
            (z > 0).astype(int),
            np.array(y),
            call=student.last_call + ", then the trained perceptron on each column",
            hint="update only on a mistake: " + RULE_HINT,
        )

    check_downstream(
        student,
        "train_perceptron",
        X,
        y,
        lr,
        judge=judge,
        helpers=lambda: _training_helpers(student, reference, X, y, lr),
    )


def _inseparable(rng, reference):
    """Data no line separates, on which 99, 100 and 101 epochs end in three different places."""
    for _ in range(50):
        m = int(rng.integers(5, 8))
        X, y = _halves(rng, (2, m), 2), rng.integers(0, 2, size=m).tolist()
        ends = [reference.train_perceptron(X, y, 0.5, epochs) for epochs in (99, 100, 101)]
        if all(not np.allclose(np.append(a[0], a[1]), np.append(b[0], b[1])) for a, b in itertools.pairwise(ends)):
            return X, y
    raise RuntimeError("no inseparable data drawn: a problem of the course, not of the student's code")


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: How It Works")
def test_train_perceptron_follows_the_learning_rule_exactly(student, reference, rng):
    """train_perceptron ends at the reference's weights: a gate, a few epochs, data no line separates"""
    lr = float(rng.choice(RATES))
    _, gate_X, gate_y = _gate(rng)
    _, default_X, default_y = _gate(rng)
    X, y = _separable(rng, reference, 2, lr)
    few = int(rng.integers(1, 3))
    hard_X, hard_y = _inseparable(rng, reference)
    for args, hint in (
        ((gate_X, gate_y, lr), RULE_HINT),
        ((default_X, default_y), "the defaults are learning_rate=0.1 and epochs=100"),
        ((X, y, lr, few), f"use the learning_rate and epochs you are given (here epochs={few})"),
        ((hard_X, hard_y, 0.5), "when no line separates the data, stop after exactly `epochs` epochs (default 100)"),
    ):
        expected = reference.train_perceptron(*args)

        tolerance = 0 if len(args) > 2 else 1e-9  # the default rate 0.1 is not exact in binary

        def judge(got, expected=expected, hint=hint, tolerance=tolerance):
            weights, bias = _pair(student, got)
            expect_close(
                (weights, bias), expected, call=student.last_call, rtol=tolerance, atol=tolerance, hint=_rule_hint(hint)
            )

        check_downstream(
            student,
            "train_perceptron",
            *args,
            judge=judge,
            helpers=lambda args=args: _training_helpers(student, reference, *args),
        )
