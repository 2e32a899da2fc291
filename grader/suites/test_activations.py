"""Hidden suite: activation functions and their derivatives (lesson: "Activation Functions").

Values are compared in float64 with RTOL/ATOL below; finite differences use H and FD_ATOL.
"""

import numpy as np
import pytest

from grader.grading.checks import expect, expect_close, expect_equal, fail

EXERCISE = "activations"
RTOL, ATOL = 1e-9, 1e-12
H, FD_ATOL = 1e-5, 1e-7
LESSON_Z = np.array([-5.0, -1.0, 0.0, 1.0, 5.0])  # the range of the lesson's graphs
# Expected values at full precision on LESSON_Z.
LESSON_VALUES = {
    "sigmoid": [0.006692850924284856, 0.2689414213699951, 0.5, 0.7310585786300049, 0.9933071490757153],
    "sigmoid_derivative": [0.0066480566707901555, 0.19661193324148185, 0.25, 0.19661193324148185, 0.006648056670790033],
    "relu": [0.0, 0.0, 0.0, 1.0, 5.0],
    "relu_derivative": [0.0, 0.0, 0.0, 1.0, 1.0],
    "tanh": [-0.9999092042625951, -0.7615941559557649, 0.0, 0.7615941559557649, 0.9999092042625951],
    "tanh_derivative": [0.0001815832309438603, 0.41997434161402614, 1.0, 0.41997434161402614, 0.0001815832309438603],
}
FUNCTIONS = sorted(LESSON_VALUES)
SECTION = {
    "sigmoid": "Activation Functions: Sigmoid Function",
    "relu": "Activation Functions: ReLU (Rectified Linear Unit)",
    "tanh": "Activation Functions: Tanh Function",
}
HINTS = {
    "sigmoid": "sigma(z) = 1 / (1 + e^(-z)); for z < 0 use the equal form e^z / (1 + e^z) so exp never overflows",
    "sigmoid_derivative": "sigma'(z) = sigma(z) * (1 - sigma(z)): it takes z, so compute s = sigmoid(z) first",
    "relu": "ReLU(z) = max(0, z) element-wise: np.maximum(z, 0.0), not the built-in max",
    "relu_derivative": "1.0 where z > 0 and 0.0 elsewhere, including at exactly z = 0 (>, not >=)",
    "tanh": "np.tanh(z) equals the lesson's formula and does not overflow",
    "tanh_derivative": "tanh'(z) = 1 - tanh(z)^2: it takes z, so compute t = tanh(z) first",
}
EXTREME_Z = np.array([-1e4, -1000.0, -710.0, -50.0, -1e-8, 0.0, 1e-8, 50.0, 710.0, 1000.0, 1e4])


def _lesson(name):
    return pytest.mark.lesson(SECTION[name.removesuffix("_derivative")])


def _float_result(student, name, z):
    got = student.call(name, z)
    expect(
        isinstance(got, (float, np.floating)),
        student.last_call,
        f"a number in should give a float out, got {type(got).__name__} {got!r}",
        hint="return float(...) of the result for a scalar input",
    )
    return float(got)


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_lesson_values(student, name):
    """gives the values of the lesson's graphs, from z = -5 to 5"""
    got = student.call(name, LESSON_Z.copy(), _readonly=True)
    expect_close(got, np.array(LESSON_VALUES[name]), call=student.last_call, rtol=RTOL, atol=ATOL, hint=HINTS[name])


@pytest.mark.points(2)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_matches_reference_on_random_arrays(student, reference, name):
    """matches the reference on random arrays of several shapes, passed read-only"""
    rng = np.random.default_rng(10 + FUNCTIONS.index(name))
    function = getattr(reference, name)
    for shape in [(1,), (7,), (3, 1), (3, 4), (2, 3, 5)]:
        z = rng.normal(scale=3.0, size=shape)
        got = student.call(name, z, _readonly=True)
        expect_close(got, function(z), call=student.last_call, rtol=RTOL, atol=ATOL, hint=HINTS[name])
    z = rng.integers(-4, 5, size=(2, 6))
    got = student.call(name, z, _readonly=True)
    expect_close(
        got,
        function(z),
        call=student.last_call,
        rtol=RTOL,
        atol=ATOL,
        hint="an integer array in gives a float64 array out: convert with np.asarray(z, dtype=float)",
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_number_gives_a_float(student, reference, name):
    """a number in (int or float) gives a Python float out"""
    for z in (0.75, -2, 3):
        got = _float_result(student, name, z)
        expect_close(
            got, float(getattr(reference, name)(z)), call=student.last_call, rtol=RTOL, atol=ATOL, hint=HINTS[name]
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_extreme_inputs_give_no_overflow_and_no_nan(student, reference, name):
    """stays finite and exact for |z| up to 1e4, and at 0 and tiny z"""
    got = student.call(name, EXTREME_Z.copy(), _readonly=True)
    call = student.last_call
    if isinstance(got, np.ndarray) and got.shape == EXTREME_Z.shape and np.issubdtype(got.dtype, np.number):
        bad = ~np.isfinite(got.astype(np.float64))
        expect(
            not bad.any(),
            call,
            f"not finite at z = {EXTREME_Z[bad].tolist()}: got {got[bad].tolist()}",
            hint=HINTS[name] + "; e^z overflows to inf for z > 709",
        )
    expect_close(got, getattr(reference, name)(EXTREME_Z), call=call, rtol=RTOL, atol=ATOL, hint=HINTS[name])
    expect(
        not any(w.startswith("RuntimeWarning") for w in student.last_warnings),
        call,
        f"numpy warned while computing this: {'; '.join(student.last_warnings)}",
        hint=HINTS[name],
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: Sigmoid Function")
def test_sigmoid_stays_in_zero_one_and_is_symmetric(student):
    """sigmoid lies strictly in (0, 1) and sigmoid(-z) = 1 - sigmoid(z)"""
    z = np.linspace(-30.0, 30.0, 61)
    s = student.readonly.sigmoid(z)
    call = student.last_call
    expect_close(np.shape(s), z.shape, call=call)
    s = np.asarray(s, dtype=np.float64)
    expect(
        bool(np.all((s > 0) & (s < 1))),
        call,
        f"values outside (0, 1): min {s.min()!r}, max {s.max()!r}",
        hint=HINTS["sigmoid"],
    )
    s_neg = np.asarray(student.readonly.sigmoid(-z), dtype=np.float64)
    expect_close(
        s_neg, 1.0 - s, call=f"{student.last_call} against 1 - sigmoid(z)", rtol=1e-9, atol=1e-12, hint=HINTS["sigmoid"]
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: Tanh Function")
def test_tanh_is_odd_and_in_minus_one_one(student):
    """tanh(-z) = -tanh(z), and tanh lies in (-1, 1) for moderate z"""
    z = np.linspace(-15.0, 15.0, 31)
    t = np.asarray(student.readonly.tanh(z), dtype=np.float64)
    call = student.last_call
    expect(
        t.shape == z.shape and bool(np.all(np.abs(t) < 1)),
        call,
        f"expected shape {z.shape} and values in (-1, 1), got shape {t.shape}",
        hint=HINTS["tanh"],
    )
    t_neg = np.asarray(student.readonly.tanh(-z), dtype=np.float64)
    expect_close(t_neg, -t, call=f"{student.last_call} against -tanh(z)", rtol=1e-12, atol=1e-15, hint=HINTS["tanh"])


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: ReLU (Rectified Linear Unit)")
def test_relu_is_idempotent_and_non_negative(student):
    """relu(relu(z)) = relu(z), and relu is never negative"""
    z = np.random.default_rng(20).normal(size=(4, 5))
    r = student.readonly.relu(z)
    call = student.last_call
    expect(
        isinstance(r, np.ndarray) and r.shape == z.shape,
        call,
        f"expected an array of shape {z.shape}",
        hint=HINTS["relu"],
    )
    expect(bool(np.all(r >= 0)), call, f"negative values: min {float(np.min(r))!r}", hint=HINTS["relu"])
    expect_close(
        student.readonly.relu(r), r, call=f"{student.last_call} against relu(z)", rtol=0, atol=0, hint=HINTS["relu"]
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_derivative_equals_centred_finite_differences(student, name):
    """the derivative equals (f(z + h) - f(z - h)) / 2h of your own f, with h = 1e-5"""
    z = np.random.default_rng(30).uniform(-4.0, 4.0, size=12)
    z = np.where(np.abs(z) < 0.1, z + 0.5, z)  # away from ReLU's kink at 0
    up = np.asarray(student.call(name, z + H, _readonly=True), dtype=np.float64)
    down = np.asarray(student.call(name, z - H, _readonly=True), dtype=np.float64)
    numerical = (up - down) / (2 * H)
    got = student.call(f"{name}_derivative", z, _readonly=True)
    expect_close(
        got,
        numerical,
        call=f"{student.last_call} against finite differences of {name}",
        rtol=1e-6,
        atol=FD_ATOL,
        hint=HINTS[f"{name}_derivative"],
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: ReLU (Rectified Linear Unit)")
def test_relu_derivative_at_zero_is_zero(student):
    """relu_derivative is 0.0 at exactly z = 0 (the course's convention)"""
    got = _float_result(student, "relu_derivative", 0.0)
    expect_equal(got, 0.0, call=student.last_call, hint=HINTS["relu_derivative"])
    got = student.readonly.relu_derivative(np.array([[0.0, -0.0, 1e-300, -1e-300]]))
    expect_equal(got, np.array([[0.0, 0.0, 1.0, 0.0]]), call=student.last_call, hint=HINTS["relu_derivative"])


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_derivative_takes_z_not_the_activation(student, reference, name):
    """the derivative is evaluated at z (sigmoid_derivative(0) = 0.25, tanh_derivative(2) = 1 - tanh(2)^2)"""
    z = np.array([0.0, 2.0, -0.5])
    got = student.call(f"{name}_derivative", z, _readonly=True)
    call = student.last_call
    expected = getattr(reference, f"{name}_derivative")(z)
    on_output = z * (1 - z) if name == "sigmoid" else 1 - z**2
    if isinstance(got, np.ndarray) and got.shape == z.shape and np.allclose(got, on_output):
        fail(
            f"{call}\n  expected: {expected.tolist()}\n  got:      {got.tolist()}\n"
            f"  you computed the formula on z itself, as if z were {name}(z)",
            hint=HINTS[f"{name}_derivative"],
        )
    expect_close(got, expected, call=call, rtol=RTOL, atol=ATOL, hint=HINTS[f"{name}_derivative"])
