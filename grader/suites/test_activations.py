"""Hidden suite: activation functions and their derivatives (lesson: "Activation Functions").

Values are compared in float64 with RTOL/ATOL below; finite differences use H and FD_ATOL.
Inputs come from the attempt's `rng`, except in the test marked `lesson_example` (the values
of the lesson's graphs). Property tests (ranges, symmetry, finite differences) also compare
with the reference on the same inputs: a property alone is met by a constant function.
"""

import numpy as np
import pytest

from grader.grading.checks import Helper, check_downstream, expect, expect_close, expect_equal, fail

EXERCISE = "activations"
RTOL, ATOL = 1e-9, 1e-12
H, FD_RTOL, FD_ATOL = 1e-5, 1e-6, 1e-7
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
FLOATS_HINT = "the answer is a float64 array whatever comes in (ints too): convert with np.asarray(z, dtype=float)"
BOTH_BRANCHES_HINT = (
    "exp overflows for a large z (np.exp(710) is inf), even inside np.where(z >= 0, f(z), g(z)), which "
    "computes BOTH f and g on every element before choosing: compute e = np.exp(-np.abs(z)) once (never "
    "more than 1) and build both branches from it"
)


def _hint(name):
    """The hint for a mismatch of `name`: about floats when the dtype is what differs."""

    def choose(got, expected, found):
        if "dtype" in found or "floating-point" in found:
            return FLOATS_HINT
        return HINTS[name]

    return choose


def _checked(student, reference, name, z, judge, *, quiet=False):
    """The student's `name(z)` (z read-only) once `judge` accepts it. A derivative that builds on
    the student's own function (sigmoid_derivative on sigmoid) runs again with the reference's
    function in its place when the student's is wrong on z: that mistake is charged in the
    function's own tests (with `quiet`, a function that makes numpy warn counts as wrong)."""
    base = name.removesuffix("_derivative")
    helpers = (
        [] if base == name else [Helper(base, getattr(reference, base), student, EXERCISE, [(z,)], RTOL, ATOL, quiet)]
    )
    return check_downstream(student, name, z, judge=judge, helpers=helpers)


def _is_float(student, got):
    expect(
        isinstance(got, (float, np.floating)),
        student.last_call,
        f"a number in should give a float out, got {type(got).__name__}",
        hint="return float(...) of the result for a scalar input",
    )


def _matching(student, reference, name, z, hint=None):
    """The student's `name(z)` (read-only z), once it matches the reference."""
    expected = getattr(reference, name)(z)
    return _checked(
        student,
        reference,
        name,
        z,
        lambda got: expect_close(got, expected, call=student.last_call, rtol=RTOL, atol=ATOL, hint=hint or _hint(name)),
    )


@pytest.mark.points(1)
@pytest.mark.lesson_example
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_lesson_values(student, reference, name):
    """gives the values of the lesson's graphs, from z = -5 to 5"""
    expected = np.array(LESSON_VALUES[name])
    _checked(
        student,
        reference,
        name,
        LESSON_Z.copy(),
        lambda got: expect_close(got, expected, call=student.last_call, rtol=RTOL, atol=ATOL, hint=_hint(name)),
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_matches_reference_on_random_arrays(student, reference, rng, name):
    """matches the reference on random arrays of several shapes, passed read-only, and on integer arrays"""
    for shape in [(1,), (int(rng.integers(2, 9)),), (3, 1), tuple(rng.integers(1, 5, size=2)), (2, 3, 5)]:
        _matching(student, reference, name, rng.normal(scale=3.0, size=shape))
    integers = rng.integers(-4, 5, size=(2, int(rng.integers(3, 7))))
    integers.flat[rng.choice(integers.size, size=2, replace=False)] = (0, int(rng.integers(1, 5)))  # 0 and 0 < z
    _matching(student, reference, name, integers)


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_number_gives_a_float(student, reference, rng, name):
    """a number in (int or float) gives a Python float out"""
    for z in (float(rng.normal(scale=2.0)), int(rng.integers(-4, 0)), int(rng.integers(1, 5))):
        expected = float(getattr(reference, name)(z))

        def judge(got, expected=expected):
            _is_float(student, got)
            expect_close(float(got), expected, call=student.last_call, rtol=RTOL, atol=ATOL, hint=HINTS[name])

        _checked(student, reference, name, z, judge)


def _extreme_z(rng):
    """Large magnitudes where e^z overflows (|z| > 709), 0, tiny z, and moderate ones, shuffled."""
    large = rng.uniform(710.0, 1e4, size=3) * np.array([-1.0, 1.0, rng.choice([-1.0, 1.0])])
    moderate = rng.uniform(0.5, 20.0, size=2) * np.array([-1.0, 1.0])
    z = np.concatenate([large, [-1e4, 1e4, 0.0], rng.uniform(-1e-8, 1e-8, size=2), moderate])
    return rng.permutation(z)


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", FUNCTIONS)
def test_extreme_inputs_give_no_overflow_and_no_nan(student, reference, rng, name):
    """stays finite and exact for |z| up to 1e4, and at 0 and tiny z"""
    z = _extreme_z(rng)
    expected = getattr(reference, name)(z)

    def judge(got):
        call = student.last_call
        if isinstance(got, np.ndarray) and got.shape == z.shape and np.issubdtype(got.dtype, np.number):
            bad = ~np.isfinite(got.astype(np.float64))
            expect(
                not bad.any(),
                call,
                f"not finite at z = {z[bad][:5].tolist()}: got {got[bad][:5].tolist()}",
                hint=HINTS[name] + "; e^z overflows to inf for z > 709",
            )
        expect_close(got, expected, call=call, rtol=RTOL, atol=ATOL, hint=_hint(name))
        warned = [w for w in student.last_warnings if w.startswith("RuntimeWarning")]
        expect(
            not warned,
            call,
            f"the values are right, but numpy warned while computing them: {'; '.join(warned)}",
            hint=BOTH_BRANCHES_HINT if any("overflow" in w for w in warned) else HINTS[name],
        )

    _checked(student, reference, name, z, judge, quiet=True)


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: Sigmoid Function")
def test_sigmoid_stays_in_zero_one_and_is_symmetric(student, reference, rng):
    """sigmoid lies strictly in (0, 1) and sigmoid(-z) = 1 - sigmoid(z)"""
    z = rng.uniform(-30.0, 30.0, size=25)  # |z| <= 30: sigmoid is then below 1 even in float64
    s = _matching(student, reference, "sigmoid", z)
    expect(
        bool(np.all((s > 0) & (s < 1))),
        student.last_call,
        f"values outside (0, 1): min {float(np.min(s))!r}, max {float(np.max(s))!r}",
        hint=HINTS["sigmoid"],
    )
    s_neg = student.call("sigmoid", -z, _readonly=True)
    expect_close(
        s_neg, 1.0 - s, call=student.last_call + " against 1 - sigmoid(z)", rtol=1e-9, atol=1e-12, hint=HINTS["sigmoid"]
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: Tanh Function")
def test_tanh_is_odd_and_in_minus_one_one(student, reference, rng):
    """tanh(-z) = -tanh(z), and tanh lies in (-1, 1) for moderate z"""
    z = rng.uniform(-15.0, 15.0, size=25)
    t = _matching(student, reference, "tanh", z)
    expect(bool(np.all(np.abs(t) < 1)), student.last_call, "values outside (-1, 1)", hint=HINTS["tanh"])
    t_neg = student.call("tanh", -z, _readonly=True)
    expect_close(t_neg, -t, call=student.last_call + " against -tanh(z)", rtol=1e-12, atol=1e-15, hint=HINTS["tanh"])


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: ReLU (Rectified Linear Unit)")
def test_relu_is_idempotent_and_non_negative(student, reference, rng):
    """relu(relu(z)) = relu(z), and relu is never negative"""
    z = rng.normal(size=tuple(rng.integers(2, 6, size=2)))
    r = _matching(student, reference, "relu", z)
    expect(bool(np.all(r >= 0)), student.last_call, f"negative values: min {float(np.min(r))!r}", hint=HINTS["relu"])
    expect_close(
        student.call("relu", r, _readonly=True),
        r,
        call=student.last_call + " against relu(z)",
        rtol=0,
        atol=0,
        hint=HINTS["relu"],
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", ["sigmoid", "relu", "tanh"])
def test_derivative_equals_centred_finite_differences(student, reference, rng, name):
    """the derivative equals (f(z + h) - f(z - h)) / 2h, with h = 1e-5"""
    z = rng.uniform(-4.0, 4.0, size=12)
    z = np.where(np.abs(z) < 0.1, z + np.sign(z) * 0.5 + 0.5 * (z == 0), z)  # away from ReLU's kink at 0
    f = getattr(reference, name)
    numerical = (f(z + H) - f(z - H)) / (2 * H)
    _checked(
        student,
        reference,
        f"{name}_derivative",
        z,
        lambda got: expect_close(
            got,
            numerical,
            call=student.last_call + f" against finite differences of {name}",
            rtol=FD_RTOL,
            atol=FD_ATOL,
            hint=_hint(f"{name}_derivative"),
        ),
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions: ReLU (Rectified Linear Unit)")
def test_relu_derivative_at_zero_is_zero(student, reference, rng):
    """relu_derivative is 0.0 at exactly z = 0 (the course's convention)"""

    def at_zero(got):
        _is_float(student, got)
        expect_equal(got, 0.0, call=student.last_call, hint=_hint("relu_derivative"))

    _checked(student, reference, "relu_derivative", 0.0, at_zero)
    z = rng.normal(size=8)
    z[rng.choice(8, size=3, replace=False)] = [0.0, -0.0, 0.0]
    z[np.argmax(np.abs(z))] = rng.choice([1e-300, -1e-300])
    expected = (z > 0).astype(float).reshape(2, 4)
    _checked(
        student,
        reference,
        "relu_derivative",
        z.reshape(2, 4),
        lambda got: expect_equal(got, expected, call=student.last_call, hint=_hint("relu_derivative")),
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_derivative_takes_z_not_the_activation(student, reference, rng, name):
    """the derivative is evaluated at z (sigmoid_derivative(0) = 0.25, tanh_derivative(2) = 1 - tanh(2)^2)"""
    z = rng.permutation(np.concatenate([[0.0], rng.uniform(0.5, 3.0, size=2), -rng.uniform(0.2, 1.0, size=2)]))
    expected = getattr(reference, f"{name}_derivative")(z)
    on_output = z * (1 - z) if name == "sigmoid" else 1 - z**2

    def judge(got):
        call = student.last_call
        if isinstance(got, np.ndarray) and got.shape == z.shape and np.allclose(got, on_output):
            fail(
                f"{call}\n  expected: {np.round(expected, 6).tolist()}\n  got:      {np.round(got, 6).tolist()}\n"
                f"  you computed the formula on z itself, as if z were {name}(z)",
                hint=_hint(f"{name}_derivative"),
            )
        expect_close(got, expected, call=call, rtol=RTOL, atol=ATOL, hint=_hint(f"{name}_derivative"))

    _checked(student, reference, f"{name}_derivative", z, judge)
