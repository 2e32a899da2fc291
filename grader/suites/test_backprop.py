"""Hidden suite: loss, backpropagation and gradient descent (lesson: "Backpropagation: How Networks Learn").

Conventions under test: samples are columns; W (n_out, n_in), b (n_out, 1); the loss is
sum((AL - Y)^2) / m with gradient 2 (AL - Y) / m; gradients are a list of {"W", "b"} dicts;
gradient_step returns new arrays and leaves its input alone; train stops after max_steps
steps or when the loss falls by less than tol (a loss that rises has fallen by less than tol).

Inputs come from the attempt's `rng`, except in the tests marked `lesson_example`. Values are
compared in float64 within RTOL/ATOL; trained parameters within TRAIN_RTOL/TRAIN_ATOL, on
settings where training is well-conditioned (see `_training_settings`). Gradient checks use centred
differences with H = 1e-5 and pass when |analytic - numerical| <= GRAD_RTOL * (|analytic| +
|numerical|) + GRAD_ATOL.

One mistake costs points where it is: the backward pass is tested on caches built by the
reference forward pass; and a test whose function builds on others (train on forward_pass,
backward_pass, gradient_step; backward_pass on layer_backward; layer_backward on the activation
derivatives) runs it again with the reference's functions in place of those the student got
wrong as graded (in their own exercise and tests), naming them.
"""

import numpy as np
import pytest

from grader.grading.checks import (
    Helper,
    check_downstream,
    expect,
    expect_close,
    fail,
    graded_answer,
    ratio_hint,
    same_raise,
    same_values,
)
from grader.grading.feedback import abbreviate, difference
from grader.reference import activations as reference_activations
from grader.reference import forward as reference_forward
from grader.sandbox.errors import StudentRaised

EXERCISE = "backprop"
RTOL, ATOL = 1e-9, 1e-12
TRAIN_RTOL, TRAIN_ATOL = 1e-6, 1e-9
H, GRAD_RTOL, GRAD_ATOL = 1e-5, 1e-6, 1e-9
TRAIN_TIMEOUT = 10.0
LESSON_SIZES = [3, 3, 3, 2]
TRUTH_TABLE = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
XOR = np.array([[0, 1, 1, 0]])
GATES = {"AND": [[0, 0, 0, 1]], "OR": [[0, 1, 1, 1]], "NAND": [[1, 1, 1, 0]], "NOR": [[1, 0, 0, 0]]}
XOR_NET = ([2, 4, 1], ["tanh", "sigmoid"])
XOR_STEPS = 150
XOR_TARGET_LOSS = 0.01
DERIVATIVE_NAMES = ("sigmoid", "relu", "tanh")
LOSS_HINT = "L = sum((AL - Y)^2) / m: square every error, add them all up, divide by m = the number of columns"
GRADIENT_HINT = "dL/dAL = 2 * (AL - Y) / m, the derivative of sum((AL - Y)^2) / m"
LAYER_HINT = "dZ = dA * f'(Z); dW = dZ @ A_prev.T; db = dZ.sum(axis=1, keepdims=True); dA_prev = W.T @ dZ"
PASS_HINT = (
    "start from dA = loss_gradient(AL, Y), go through the caches from the last layer to the first, "
    "pass dA_prev on, and return the gradients first layer first"
)
STEP_HINT = "w_new = w_old - learning_rate * gradient, for W and b of every layer, into new arrays"
TRAIN_HINT = (
    "start from init_parameters(layer_sizes, seed); each step: forward_pass, append loss(AL, Y), stop if "
    "previous - current < tol, backward_pass, gradient_step(parameters, gradients, learning_rate)"
)


def _network(rng, sizes, bias_scale=1.0):
    return [
        {"W": rng.normal(size=(n_out, n_in)) / np.sqrt(n_in), "b": rng.normal(scale=bias_scale, size=(n_out, 1))}
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def _loss_hint(m, n_out):
    """Hints for a wrong loss, by the factor between got and expected."""
    factors = [
        (2.0, "a factor of 2 in the loss? L = sum((AL - Y)^2) / m"),
        (0.5, "a factor of 1/2: this course's loss is sum((AL - Y)^2) / m, without 1/2"),
        (float(m), "you summed over the samples: divide by m, the number of columns"),
    ]
    if n_out > 1:
        mean = "np.mean over every entry also divides by the number of outputs: sum, then divide by m"
        factors.append((1 / n_out, mean))
    return ratio_hint(factors, LOSS_HINT)


def _gradient_hint(m, n_out):
    """Hints for a wrong loss gradient, by the factor between got and expected (2 (AL - Y) / m)."""
    factors = [
        (m / 2, "AL - Y alone leaves out the 2 / m: dL/dAL = 2 * (AL - Y) / m"),
        (0.5, "the 2 is missing: the derivative of (AL - Y)^2 is 2 (AL - Y), then divide by m"),
        (float(m), "divide by m, the number of columns (samples)"),
        (-1.0, "the sign is flipped: AL - Y, not Y - AL"),
    ]
    if n_out > 1:
        factors.append((1 / n_out, "divide by m only (the columns), not by the number of outputs too"))
    return ratio_hint(factors, GRADIENT_HINT)


def _relative_error(a, n):
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-300)


def _samples(rng):
    """A sample count m of at least 3, so that factors m, m/2, 2 and 1/2 are told apart."""
    return int(rng.integers(3, 8))


# -- what backprop.py builds on ---------------------------------------------------------------


def _derivative_helpers(upstream, pairs):
    """The student's activation derivatives as activations.py has them (graded there), on these Z."""
    activations = upstream("activations")
    by_name = {}
    for name, Z in pairs:
        if name != "linear":
            by_name.setdefault(f"{name}_derivative", []).append((Z,))
    return [
        Helper(name, getattr(reference_activations, name), activations, "activations", probes, RTOL, ATOL)
        for name, probes in by_name.items()
    ]


def _graded_derivative(upstream, name, Z):
    """What the student's activations.<name>_derivative (as graded there) gives on Z, when it
    differs from the reference's; None otherwise (see `graded_answer`), and for linear."""
    if name == "linear":
        return None
    expected = getattr(reference_activations, f"{name}_derivative")(Z)
    return graded_answer(upstream("activations"), f"{name}_derivative", Z, expected, rtol=RTOL, atol=ATOL)


def _given_derivative(upstream, name, Z):
    """Whether activation_derivative(Z, name) answered (or raised) as the student's graded derivative does."""

    def check(got):
        if isinstance(got, StudentRaised):
            activations = upstream("activations")
            return (
                name != "linear"
                and activations is not None
                and same_raise(activations, f"{name}_derivative", (Z,), got)
            )
        graded = _graded_derivative(upstream, name, Z)
        return graded is not None and same_values(got, graded, rtol=RTOL, atol=ATOL)

    return check


def _backward_given_upstream(upstream, reference, AL, Y, caches):
    """The gradients as the reference computes them with the student's graded derivatives in
    place of its own, or None when those agree with the reference's."""
    dA, gradients, changed = reference.loss_gradient(AL, Y), [], False
    for cache in reversed(caches):
        derivative = _graded_derivative(upstream, cache["activation"], cache["Z"])
        if derivative is not None:
            dA, cache, changed = dA * derivative, {**cache, "activation": "linear"}, True
        dA, dW, db = reference.layer_backward(dA, cache)
        gradients.append({"W": dW, "b": db})
    return gradients[::-1] if changed else None


def _given_backward(upstream, reference, AL, Y, caches, *, layer=False):
    """Whether a backward_pass (with `layer`, a layer_backward of the one cache, dA = AL) answer
    is what the reference gives with the student's graded derivatives: the expected value when
    those are wrong, for code that reaches them other than by name (a dict built at import)."""

    def check(got):
        if isinstance(got, StudentRaised):
            return False
        if layer:
            (cache,) = caches
            derivative = _graded_derivative(upstream, cache["activation"], cache["Z"])
            if derivative is None:
                return False
            expected = reference.layer_backward(np.asarray(AL) * derivative, {**cache, "activation": "linear"})
            return same_values(got, expected, rtol=RTOL, atol=ATOL)
        expected = _backward_given_upstream(upstream, reference, AL, Y, caches)
        return expected is not None and same_values(got, expected, rtol=RTOL, atol=ATOL)

    return check


def _layer_helpers(student, reference, upstream, cases):
    """What layer_backward builds on, probed on `cases` [(dA, cache)]."""
    pairs = [(cache["activation"], cache["Z"]) for _, cache in cases]
    return [
        *_derivative_helpers(upstream, pairs),
        Helper(
            "activation_derivative",
            reference.activation_derivative,
            student,
            EXERCISE,
            [(Z, name) for name, Z in pairs],
            RTOL,
            ATOL,
        ),
    ]


def _backward_cases(reference, AL, Y, caches):
    """(dA, cache) for every layer, as the reference's backward pass meets them."""
    cases, dA = [], reference.loss_gradient(AL, Y)
    for cache in reversed(caches):
        cases.append((dA, cache))
        dA = reference.layer_backward(dA, cache)[0]
    return cases


def _pass_helpers(student, reference, upstream, AL, Y, caches):
    cases = _backward_cases(reference, AL, Y, caches)
    return [
        *_layer_helpers(student, reference, upstream, cases),
        Helper("layer_backward", reference.layer_backward, student, EXERCISE, cases, RTOL, ATOL),
        Helper("loss_gradient", reference.loss_gradient, student, EXERCISE, [(AL, Y)], RTOL, ATOL),
    ]


def _bounded_init_parameters(layer_sizes, seed=0):
    """The reference's init_parameters for a course-sized network only: it runs in the trusted
    process when it stands in for a student's, and its size comes from the student's call."""
    sizes = [int(n) for n in layer_sizes]
    if not 2 <= len(sizes) <= 12 or not all(1 <= n <= 200 for n in sizes):
        raise ValueError(f"init_parameters stand-in: layer sizes {sizes[:12]} are not a course network")
    return reference_forward.init_parameters(sizes, int(seed))


def _training_helpers(student, reference, upstream, X, Y, sizes, names, learning_rate, seed):
    """Everything train builds on, probed at the start of training and after one step."""
    forward = upstream("forward")
    X = np.asarray(X, dtype=float)
    states, probes = [reference_forward.init_parameters(sizes, seed)], []
    AL, caches = reference_forward.forward_pass(X, states[0], names)
    gradients = reference.backward_pass(AL, Y, caches)
    states.append(reference.gradient_step(states[0], gradients, learning_rate))
    for parameters in states:
        AL, caches = reference_forward.forward_pass(X, parameters, names)
        probes.append((parameters, AL, caches))
    layers = [(c["A_prev"], c["W"], c["b"], c["activation"]) for _, _, cs in probes for c in cs]
    cases = [case for _, AL, caches in probes for case in _backward_cases(reference, AL, Y, caches)]
    outputs = [(AL, Y) for _, AL, _ in probes]
    return [
        Helper("init_parameters", _bounded_init_parameters, forward, "forward", [(sizes, seed)], RTOL, ATOL),
        Helper(
            "forward_pass", reference_forward.forward_pass, forward, "forward", [(X, p, names) for p, _, _ in probes]
        ),
        Helper("dense_layer", reference_forward.dense_layer, forward, "forward", layers, RTOL, ATOL),
        Helper("loss", reference.loss, student, EXERCISE, outputs, RTOL, ATOL),
        Helper("loss_gradient", reference.loss_gradient, student, EXERCISE, outputs, RTOL, ATOL),
        Helper("backward_pass", reference.backward_pass, student, EXERCISE, [(AL, Y, c) for _, AL, c in probes]),
        Helper("layer_backward", reference.layer_backward, student, EXERCISE, cases, RTOL, ATOL),
        Helper("gradient_step", reference.gradient_step, student, EXERCISE, [(states[0], gradients, learning_rate)]),
        *_layer_helpers(student, reference, upstream, cases),
    ]


# -- loss ----------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson_example
@pytest.mark.lesson("Backpropagation: The Learning Process, 2. Calculate Loss")
def test_loss_is_the_lessons_squared_error(student):
    """loss of one prediction is the lesson's (predicted - actual)^2, and a batch averages over samples"""
    got = student.call("loss", np.array([[0.8]]), np.array([[1.0]]), _readonly=True)
    expect_close(got, 0.03999999999999998, call=student.last_call, rtol=1e-12, atol=0, hint=LOSS_HINT)
    AL, Y = np.array([[0.5, 1.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])  # the docstring's example
    got = student.call("loss", AL, Y, _readonly=True)
    expect_close(got, 0.625, call=student.last_call, rtol=1e-12, atol=0, hint=_loss_hint(2, 2))


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 2. Calculate Loss")
def test_loss_matches_reference_on_random_batches(student, reference, rng):
    """loss matches the reference on random batches (outputs and samples of different counts), as a float"""
    for n_out, m in ((1, _samples(rng)), (int(rng.integers(2, 4)), _samples(rng)), (2, 1)):
        AL, Y = rng.uniform(size=(n_out, m)), rng.integers(0, 2, size=(n_out, m))
        got = student.call("loss", AL, Y, _readonly=True)
        expect_close(
            got, reference.loss(AL, Y), call=student.last_call, rtol=RTOL, atol=ATOL, hint=_loss_hint(m, n_out)
        )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_loss_gradient_matches_reference(student, reference, rng):
    """loss_gradient is 2 (AL - Y) / m, of AL's shape"""
    for n_out, m in ((1, _samples(rng)), (int(rng.integers(2, 4)), _samples(rng)), (2, 1)):
        AL, Y = rng.uniform(size=(n_out, m)), rng.integers(0, 2, size=(n_out, m))
        got = student.call("loss_gradient", AL, Y, _readonly=True)
        expect_close(
            got,
            reference.loss_gradient(AL, Y),
            call=student.last_call,
            rtol=RTOL,
            atol=ATOL,
            hint=_gradient_hint(m, n_out),
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_loss_gradient_equals_finite_differences_of_the_loss(student, reference, rng):
    """loss_gradient equals centred differences of the course's loss (so loss and loss_gradient agree)"""
    n_out, m = int(rng.integers(1, 4)), _samples(rng)
    AL, Y = rng.uniform(size=(n_out, m)), rng.uniform(size=(n_out, m))
    got = student.call("loss_gradient", AL, Y, _readonly=True)
    numerical = np.zeros_like(AL)
    for index in np.ndindex(AL.shape):
        up, down = AL.copy(), AL.copy()
        up[index] += H
        down[index] -= H
        numerical[index] = (reference.loss(up, Y) - reference.loss(down, Y)) / (2 * H)
    expect_close(
        got,
        numerical,
        call=student.last_call + " against finite differences of sum((AL - Y)^2) / m",
        rtol=1e-6,
        atol=1e-8,
        hint=_gradient_hint(m, n_out),
    )


# -- backward ------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
def test_activation_derivative_by_name(student, reference, upstream, rng):
    """activation_derivative gives f'(Z) for sigmoid, relu, tanh and linear, 0 for relu at 0, and rejects other names"""
    for name in rng.permutation(["sigmoid", "relu", "tanh", "linear"]):
        name = str(name)
        Z = rng.normal(scale=2.0, size=tuple(rng.integers(1, 5, size=2)))
        if name == "relu":
            Z.flat[int(rng.integers(Z.size))] = 0.0
        expected = reference.activation_derivative(Z, name)
        check_downstream(
            student,
            "activation_derivative",
            Z,
            name,
            judge=lambda got, expected=expected, name=name: expect_close(
                got,
                expected,
                call=student.last_call,
                hint=f"the derivative of {name} at Z" + (" (linear: all ones)" if name == "linear" else ""),
            ),
            helpers=lambda name=name, Z=Z: _derivative_helpers(upstream, [(name, Z)]),
            given_upstream=_given_derivative(upstream, name, Z),
        )
    unknown = str(rng.choice(["softplus", "elu", "gelu", "Tanh"]))
    try:
        got = student.activation_derivative(rng.normal(size=(1, 2)), unknown)
    except StudentRaised as error:
        expect(error.type_name == "ValueError", student.last_call, f"raised {error.type_name}, expected ValueError")
        return
    fail(
        f"{student.last_call}\n  returned {abbreviate(got)}, expected a ValueError",
        hint="raise ValueError for a name other than sigmoid, relu, tanh or linear",
    )


def _layer_case(rng, n_in, n_out, m, name):
    A_prev, W, b = rng.normal(size=(n_in, m)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1))
    _, cache = reference_forward.dense_layer(A_prev, W, b, name)
    if name == "relu":  # keep pre-activations away from the kink at 0
        cache["Z"] = np.where(np.abs(cache["Z"]) < 1e-3, 0.5, cache["Z"])
    return rng.normal(size=(n_out, m)), cache


def _expect_triple(student, got):
    expect(
        isinstance(got, tuple) and len(got) == 3,
        student.last_call,
        lambda: f"expected a tuple (dA_prev, dW, db), got {abbreviate(got)}",
        hint="return dA_prev, dW, db",
    )


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_layer_backward_matches_reference_on_reference_caches(student, reference, upstream, rng):
    """layer_backward matches the reference on caches of the reference dense_layer, every activation"""
    for name in rng.permutation(["sigmoid", "relu", "tanh", "linear"]):
        n_in, n_out, m = int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 7))
        dA, cache = _layer_case(rng, n_in, n_out, m, str(name))
        expected = reference.layer_backward(dA, cache)

        def judge(got, expected=expected, m=m):
            _expect_triple(student, got)
            for part, g, e in zip(("dA_prev", "dW", "db"), got, expected, strict=True):
                expect_close(
                    g,
                    e,
                    call=student.last_call + f", {part}",
                    rtol=RTOL,
                    atol=ATOL,
                    hint=_part_hint(part, LAYER_HINT, m),
                )

        check_downstream(
            student,
            "layer_backward",
            dA,
            cache,
            judge=judge,
            helpers=lambda dA=dA, cache=cache: _layer_helpers(student, reference, upstream, [(dA, cache)]),
            given_upstream=_given_backward(upstream, reference, dA, None, [cache], layer=True),
        )


def _part_hint(part, hint, m):
    """The hint for a wrong part of layer_backward's answer, by the factor it is off by."""
    if part == "db":
        hint += "; db keeps b's shape (n_out, 1): keepdims=True"
    factors = {-1.0: f"the sign of {part} is flipped. {hint}"}
    if m > 1 and part != "dA_prev":
        factors[1 / m] = f"{part} is divided by m: no 1/m here, it is already in dA (see loss_gradient). {hint}"
        factors[float(m)] = f"{part} is m times too large. {hint}"
    return ratio_hint(factors, hint)


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_layer_backward_equals_finite_differences_of_the_layer(student, reference, upstream, rng):
    """layer_backward equals centred differences of sum(dA * dense_layer(A_prev, W, b)) for every activation"""
    for name in ("sigmoid", "relu", "tanh"):
        while True:
            dA, cache = _layer_case(
                rng, int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(1, 5)), name
            )
            inputs = {"A_prev": cache["A_prev"], "W": cache["W"], "b": cache["b"]}
            _, exact_cache = reference_forward.dense_layer(inputs["A_prev"], inputs["W"], inputs["b"], name)
            if np.abs(exact_cache["Z"]).min() > 1e-3:  # differences across ReLU's kink would not be its derivative
                break

        def objective(values, name=name, dA=dA):
            return float(
                np.sum(dA * reference_forward.dense_layer(values["A_prev"], values["W"], values["b"], name)[0])
            )

        numerical = []
        for key in ("A_prev", "W", "b"):
            estimate = np.zeros_like(inputs[key])
            for index in np.ndindex(inputs[key].shape):
                up = {k: v.copy() for k, v in inputs.items()}
                down = {k: v.copy() for k, v in inputs.items()}
                up[key][index] += H
                down[key][index] -= H
                estimate[index] = (objective(up) - objective(down)) / (2 * H)
            numerical.append(estimate)

        def judge(got, numerical=numerical):
            _expect_triple(student, got)
            for part, g, n in zip(("dA_prev", "dW", "db"), got, numerical, strict=True):
                expect_close(
                    g,
                    n,
                    call=student.last_call + f", {part} against finite differences",
                    rtol=1e-6,
                    atol=1e-8,
                    hint=LAYER_HINT,
                )

        check_downstream(
            student,
            "layer_backward",
            dA,
            exact_cache,
            judge=judge,
            helpers=lambda dA=dA, cache=exact_cache: _layer_helpers(student, reference, upstream, [(dA, cache)]),
            given_upstream=_given_backward(upstream, reference, dA, None, [exact_cache], layer=True),
        )


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_backward_pass_matches_reference_on_reference_caches(student, reference, upstream, rng):
    """backward_pass matches the reference on the caches of the reference forward pass (lesson network and others)"""
    for sizes, names, m in (
        (LESSON_SIZES, ["tanh", "tanh", "sigmoid"], _samples(rng)),
        ([2, int(rng.integers(2, 6)), 1], ["relu", "sigmoid"], _samples(rng)),
        (
            [int(rng.integers(2, 5)), 3, int(rng.integers(2, 6)), 2],
            [str(n) for n in rng.permutation(["sigmoid", "tanh", "linear"])],
            1,
        ),
    ):
        parameters = _network(rng, sizes)
        X, Y = rng.normal(size=(sizes[0], m)), rng.uniform(size=(sizes[-1], m))
        AL, caches = reference_forward.forward_pass(X, parameters, names)
        expected = reference.backward_pass(AL, Y, caches)

        def judge(got, expected=expected):
            expect(
                isinstance(got, list) and len(got) == len(expected),
                student.last_call,
                lambda: f"expected a list of {len(expected)} gradient dicts, first layer first; got {abbreviate(got)}",
                hint=PASS_HINT,
            )
            expect_close(got, expected, call=student.last_call, rtol=RTOL, atol=ATOL, hint=PASS_HINT)

        check_downstream(
            student,
            "backward_pass",
            AL,
            Y,
            caches,
            judge=judge,
            helpers=lambda AL=AL, Y=Y, caches=caches: _pass_helpers(student, reference, upstream, AL, Y, caches),
            given_upstream=_given_backward(upstream, reference, AL, Y, caches),
        )


def _lesson_network(rng):
    """The lesson's 3 -> 3 -> 3 -> 2 network (relu, tanh, sigmoid) with a batch whose ReLU
    pre-activations all lie at least 0.01 from the kink at 0."""
    names = ["relu", "tanh", "sigmoid"]
    while True:
        parameters = _network(rng, LESSON_SIZES, bias_scale=0.5)
        X, Y = rng.normal(size=(3, 3)), rng.uniform(size=(2, 3))
        AL, caches = reference_forward.forward_pass(X, parameters, names)
        if np.abs(caches[0]["Z"]).min() > 0.01:
            return parameters, names, X, Y, AL, caches


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_whole_network_gradients_equal_numerical_gradients(student, reference, upstream, rng):
    """backward_pass through the lesson's 3 -> 3 -> 3 -> 2 network equals centred differences of the loss"""
    parameters, names, X, Y, AL, caches = _lesson_network(rng)
    numerical = _numerical_gradients(reference, X, Y, parameters, names)

    def judge(got):
        expect(
            isinstance(got, list)
            and len(got) == len(parameters)
            and all(isinstance(g, dict) and {"W", "b"} <= set(g) for g in got),
            student.last_call,
            lambda: f"expected a list of {len(parameters)} {{'W', 'b'}} gradient dicts, got {abbreviate(got)}",
            hint=PASS_HINT,
        )
        for layer, key in [(layer, key) for layer in range(len(parameters)) for key in ("W", "b")]:
            analytic, exact = got[layer][key], numerical[layer][key]
            found = difference(analytic, exact, rtol=np.inf, atol=np.inf)  # type and shape first
            if found is None:
                a = np.asarray(analytic, dtype=float)
                excess = np.abs(a - exact) - (GRAD_RTOL * (np.abs(a) + np.abs(exact)) + GRAD_ATOL)
                if float(np.nanmax(excess)) <= 0 and not np.isnan(a).any():
                    continue
                error = _relative_error(a, exact)
                worst = tuple(
                    int(i) for i in np.unravel_index(int(np.nanargmax(np.nan_to_num(excess, nan=np.inf))), excess.shape)
                )
                found = (
                    f"relative error up to {float(np.nanmax(error)):.2e} (bound {GRAD_RTOL:g}); "
                    f"worst at {list(worst)}: numerical {float(exact[worst])!r}, yours {float(a[worst])!r}"
                )
            fail(
                f"{student.last_call}, gradient of layer {layer + 1} {key} against finite differences (h = {H:g})\n"
                f"  expected: {abbreviate(exact)}\n  got:      {abbreviate(analytic)}\n  {found}",
                hint=PASS_HINT,
            )

    check_downstream(
        student,
        "backward_pass",
        AL,
        Y,
        caches,
        judge=judge,
        helpers=lambda: _pass_helpers(student, reference, upstream, AL, Y, caches),
        given_upstream=_given_backward(upstream, reference, AL, Y, caches),
    )


def _numerical_gradients(reference, X, Y, parameters, names):
    """Centred differences of loss(forward_pass(X)) for every entry of every W and b."""
    gradients = []
    for layer in range(len(parameters)):
        gradients.append({})
        for key in ("W", "b"):
            numerical = np.zeros_like(parameters[layer][key])
            for index in np.ndindex(numerical.shape):
                losses = []
                for step in (H, -H):
                    shifted = [{k: v.copy() for k, v in p.items()} for p in parameters]
                    shifted[layer][key][index] += step
                    losses.append(reference.loss(reference_forward.forward_pass(X, shifted, names)[0], Y))
                numerical[index] = (losses[0] - losses[1]) / (2 * H)
            gradients[layer][key] = numerical
    return gradients


@pytest.mark.points(1)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_batch_gradient_is_the_mean_of_the_sample_gradients(student, reference, upstream, rng):
    """backward_pass on a batch equals the reference, and the mean of backward_pass on its samples one at a time"""
    sizes = [int(rng.integers(1, 4)), int(rng.integers(2, 5)), 2]
    parameters = _network(rng, sizes)
    names = ["tanh", "sigmoid"]
    m = _samples(rng)
    X, Y = rng.normal(size=(sizes[0], m)), rng.uniform(size=(2, m))
    AL, caches = reference_forward.forward_pass(X, parameters, names)
    expected = reference.backward_pass(AL, Y, caches)
    batch = check_downstream(
        student,
        "backward_pass",
        AL,
        Y,
        caches,
        judge=lambda got: expect_close(got, expected, call=student.last_call, rtol=RTOL, atol=ATOL, hint=PASS_HINT),
        helpers=lambda: _pass_helpers(student, reference, upstream, AL, Y, caches),
        given_upstream=_given_backward(upstream, reference, AL, Y, caches),
    )
    batch_call = student.last_call
    singles = []
    for j in range(m):
        AL_j, caches_j = reference_forward.forward_pass(X[:, j : j + 1], parameters, names)
        Y_j = Y[:, j : j + 1]
        expected_j = reference.backward_pass(AL_j, Y_j, caches_j)
        singles.append(
            check_downstream(
                student,
                "backward_pass",
                AL_j,
                Y_j,
                caches_j,
                judge=lambda got, e=expected_j: expect_close(
                    got, e, call=student.last_call, rtol=RTOL, atol=ATOL, hint=PASS_HINT
                ),
                helpers=lambda AL_j=AL_j, Y_j=Y_j, caches_j=caches_j: _pass_helpers(
                    student, reference, upstream, AL_j, Y_j, caches_j
                ),
                given_upstream=_given_backward(upstream, reference, AL_j, Y_j, caches_j),
            )
        )
    mean = [{key: np.mean([s[layer][key] for s in singles], axis=0) for key in ("W", "b")} for layer in range(2)]
    expect_close(
        batch,
        mean,
        call=batch_call + f" against the mean over its {m} samples",
        hint=(
            "the loss averages over the samples, so its gradient is the mean of the samples' gradients: "
            "the 1/m comes from loss_gradient, and dW, db sum over the columns"
        ),
    )


# -- gradient descent ----------------------------------------------------------------------


def _step_hint(parameters, gradients, learning_rate, reference):
    def choose(got, expected, found):
        if (
            difference(got, reference.gradient_step(parameters, gradients, -learning_rate), rtol=1e-9, atol=1e-12)
            is None
        ):
            return "you added the gradient: stepping up the gradient climbs the loss. " + STEP_HINT
        if (
            difference(got, reference.gradient_step(parameters, gradients, learning_rate**2), rtol=1e-9, atol=1e-12)
            is None
        ):
            return "this is a step of learning_rate^2: the learning rate is applied twice. " + STEP_HINT
        return STEP_HINT

    return choose


@pytest.mark.points(1)
@pytest.mark.lesson_example
@pytest.mark.lesson("Backpropagation: The Learning Process, 4. Update Weights")
def test_gradient_step_on_the_lesson_formula(student, reference):
    """gradient_step computes w_new = w_old - learning_rate * gradient"""
    parameters = [{"W": np.array([[0.5, 0.5]]), "b": np.array([[-0.75]])}]
    gradients = [{"W": np.array([[1.0, -2.0]]), "b": np.array([[0.5]])}]
    got = student.call("gradient_step", parameters, gradients, 0.1, _readonly=True)
    expected = [{"W": np.array([[0.4, 0.7]]), "b": np.array([[-0.8]])}]
    expect_close(
        got,
        expected,
        call=student.last_call,
        rtol=1e-12,
        atol=1e-15,
        hint=_step_hint(parameters, gradients, 0.1, reference),
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 4. Update Weights")
def test_gradient_step_returns_new_parameters_and_leaves_its_input_alone(student, reference, rng):
    """gradient_step matches the reference on read-only parameters of several layers, returning new ones"""
    parameters = _network(rng, [int(n) for n in rng.integers(1, 5, size=3)])
    gradients = [{"W": rng.normal(size=p["W"].shape), "b": rng.normal(size=p["b"].shape)} for p in parameters]
    for learning_rate in (float(rng.uniform(0.2, 0.9)), float(rng.uniform(0.001, 0.05))):
        expected = reference.gradient_step(parameters, gradients, learning_rate)
        try:
            got = student.call("gradient_step", parameters, gradients, learning_rate, _readonly=True, _echo=True)
        except StudentRaised as error:
            if "read-only" in error.message:
                fail(
                    f"{student.last_call}\n  wrote into the parameters it was given ({error.message})",
                    hint="return new arrays (W - learning_rate * dW), do not update in place with -=",
                )
            raise
        expect_close(
            got,
            expected,
            call=student.last_call,
            rtol=RTOL,
            atol=ATOL,
            hint=_step_hint(parameters, gradients, learning_rate, reference),
        )
        after = student.arguments_after
        if after is not None and not _same_layers(after[0][0], parameters):
            fail(
                f"{student.last_call}\n  changed the parameters it was given: afterwards they were "
                f"{abbreviate(after[0][0])}",
                hint='build new dicts, {"W": layer["W"] - learning_rate * gradient["W"], ...}, and a new list; '
                "do not assign into the dicts or the list passed in",
            )


def _same_layers(after, before):
    """Whether `after` holds the same layer dicts as `before`: same keys, equal arrays."""
    return (
        isinstance(after, list)
        and len(after) == len(before)
        and all(
            isinstance(a, dict)
            and a.keys() == b.keys()
            and all(isinstance(a[k], np.ndarray) and np.array_equal(a[k], b[k]) for k in b)
            for a, b in zip(after, before, strict=True)
        )
    )


# -- training ------------------------------------------------------------------------------


SETTINGS_DRAWS = 400
"""Draws of training settings before giving up. A rising loss is accepted in about 1 draw of 6
(0.2 ms each): 40 draws failed about once in 1,400 attempts, which a full test run met. The draws
come in the same order whatever the cap, so an attempt's inputs do not change with it."""


def _training_settings(rng, reference, X, Y, sizes, names, *, rates, max_steps, tol=1e-9, accept):
    """(seed, learning_rate, result) for which the reference's training is `accept`ed and no
    step's fall of the loss lies within 1e-12 of tol, so that an implementation whose losses
    differ from the reference's by rounding stops at the same step.

    These settings are well-conditioned: over 150 draws, changing X by a relative 1e-12 changed
    the trained parameters by at most a relative 1.3e-9, far inside TRAIN_RTOL; and correct code
    written differently from the reference scores full marks under many seeds (a course test).
    """
    for _ in range(SETTINGS_DRAWS):
        seed, learning_rate = int(rng.integers(0, 2**31)), float(rng.uniform(*rates))
        kwargs = {"learning_rate": learning_rate, "max_steps": max_steps, "tol": tol, "seed": seed}
        result = reference.train(X, Y, sizes, names, **kwargs)
        parameters, losses = result
        if not accept(parameters, losses):
            continue
        falls = -np.diff(losses)
        if falls.size and np.abs(falls - tol).min() < 1e-12:
            continue
        return seed, learning_rate, result
    raise RuntimeError("no training settings drawn: a problem of the course, not of the student's code")


def _count_hint(losses, expected_losses, tol, max_steps):
    """Why a training made another number of steps than the reference."""
    if len(losses) < len(expected_losses):
        return (
            f"training stopped after {len(losses)} losses, the reference after {len(expected_losses)}: "
            "stop only when previous - current < tol, or after max_steps losses"
        )
    last_fall = expected_losses[-2] - expected_losses[-1] if len(expected_losses) > 1 else None
    if last_fall is not None and last_fall < 0:
        return (
            f"the loss rose at loss {len(expected_losses)} ({expected_losses[-2]!r} -> {expected_losses[-1]!r}), "
            "so previous - current is negative, less than tol: stop there (not abs(previous - current) < tol)"
        )
    if last_fall is not None and len(expected_losses) < max_steps:
        return (
            f"the loss fell by {last_fall:.3g} < tol = {tol:g} at loss {len(expected_losses)}: stop there, "
            "returning the parameters of that last forward pass"
        )
    return f"make at most max_steps = {max_steps} steps, one loss each"


def _parameters_hint(expected_losses, tol):
    """Why the parameters differ when the losses agree: what training does after its last loss."""
    if len(expected_losses) > 1 and expected_losses[-2] - expected_losses[-1] < tol:
        return "training stopped at its last loss: return the parameters of that forward pass, with no step after it"
    if len(expected_losses) == 1:
        return "with max_steps=1: one forward pass, its loss appended, one backward pass and one gradient step"
    return (
        "each loss is followed by a backward pass and a gradient step, unless training stops there: "
        "after max_steps losses, return the parameters of the last step"
    )


def _parting(losses, expected_losses):
    """The index of the first loss that differs from the reference's, over the losses both have
    (None when they agree as far as both go)."""
    n = min(len(losses), len(expected_losses))
    try:
        got = np.asarray(losses[:n], dtype=np.float64)
    except (TypeError, ValueError):
        return 0
    close = np.isclose(got, np.asarray(expected_losses[:n], dtype=np.float64), rtol=TRAIN_RTOL, atol=1e-12)
    return None if close.all() else int(np.argmin(close))


def _swapped(result):
    """train returned (losses, parameters): a list of numbers, then a list of layer dicts."""
    return (
        isinstance(result, tuple)
        and len(result) == 2
        and isinstance(result[0], list)
        and isinstance(result[1], list)
        and bool(result[0])
        and bool(result[1])
        and all(isinstance(v, (float, int, np.floating)) for v in result[0])
        and all(isinstance(layer, dict) for layer in result[1])
    )


def _trajectory_hint(reference, args, kwargs, losses):
    """What the student's losses match instead of the reference's: an uphill step, a rate used twice."""
    rate = kwargs.get("learning_rate", 1.0)
    for other, hint in (
        (-rate, "the loss follows steps up the gradient: w - learning_rate * gradient, not +"),
        (rate * rate, "the loss follows steps of learning_rate^2: the learning rate is applied twice"),
    ):
        if other == rate:
            continue
        _, other_losses = reference.train(*args, **{**kwargs, "learning_rate": other})
        if len(other_losses) == len(losses) and np.allclose(losses, other_losses, rtol=1e-6, atol=1e-12):
            return hint
    return TRAIN_HINT


def _losses(count):
    return f"{count} loss" if count == 1 else f"{count} losses"


def _as_float(value):
    """A loss as the loss tests accept it: a float, or a 0-d float array (np.squeeze's answer)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f":
        return float(value)
    return value


def _check_training(student, reference, upstream, X, Y, sizes, names, expected, *, hint=None, given=None, **kwargs):
    """Call train and compare what it returns with the reference's `expected` (parameters, losses)."""
    expected_parameters, expected_losses = expected
    args = (X, Y, sizes, names)

    def judge(result):
        call = student.last_call
        if _swapped(result):
            fail(
                f"{call}\n  returned (losses, parameters): the list of floats first, the layer dicts second",
                hint="return parameters, losses: in that order",
            )
        expect(
            isinstance(result, tuple)
            and len(result) == 2
            and isinstance(result[0], (list, tuple))  # a tuple from gradient_step is its own tests' to charge
            and isinstance(result[1], list),
            call,
            lambda: (
                f"expected (parameters, losses): a list of layer dicts and a list of floats; got {abbreviate(result)}"
            ),
            hint="return parameters, losses",
        )
        parameters, losses = list(result[0]), [_as_float(v) for v in result[1]]
        expect(
            len(losses) > 0 and all(isinstance(v, (float, np.floating)) for v in losses),
            call,
            lambda: f"losses should be a non-empty list of floats, got {abbreviate(losses)}",
            hint="append float(loss(AL, Y))",
        )
        first_hint = "losses[0] is the loss of init_parameters(layer_sizes, seed), before any step"
        if len(losses) != len(expected_losses):
            tol, max_steps = kwargs.get("tol", 1e-9), kwargs.get("max_steps", 1000)
            parted = _parting(losses, expected_losses)
            if parted is None:  # the same losses as far as both go: where training stopped is what differs
                why, said = _count_hint(losses, expected_losses, tol, max_steps), ""
                if hint:
                    why = f"{why}; and {hint}"
            else:  # the steps differ: the count follows from them
                why = first_hint if parted == 0 else _trajectory_hint(reference, args, kwargs, losses)
                said = f"\n  your losses part from the reference's at loss {parted + 1}, so training stops elsewhere"
            fail(
                f"{call}\n  expected {_losses(len(expected_losses))}, got {len(losses)}: {abbreviate(losses)}{said}",
                hint=why,
            )
        expect_close(
            losses[:1], expected_losses[:1], call=call + ", losses", rtol=TRAIN_RTOL, atol=1e-12, hint=first_hint
        )
        expect_close(  # as arrays: a list of 1000 floats is compared in one step
            np.array(losses, dtype=np.float64),
            np.array(expected_losses, dtype=np.float64),
            call=call + ", losses",
            rtol=TRAIN_RTOL,
            atol=1e-12,
            hint=lambda got, e, found: _trajectory_hint(reference, args, kwargs, losses),
        )
        expect_close(
            parameters,
            expected_parameters,
            call=call + ", parameters",
            rtol=TRAIN_RTOL,
            atol=TRAIN_ATOL,
            hint=_parameters_hint(expected_losses, kwargs.get("tol", 1e-9)),
        )

    check_downstream(
        student,
        "train",
        *args,
        judge=judge,
        timeout=TRAIN_TIMEOUT,
        helpers=lambda: _training_helpers(
            student,
            reference,
            upstream,
            X,
            Y,
            sizes,
            names,
            kwargs.get("learning_rate", 1.0),
            kwargs.get("seed", 0),
        ),
        given_upstream=given,
        **kwargs,
    )


def _check_xor_training(student, reference, upstream, rng, *, rates, max_steps, accept, tol=1e-9):
    """Draw XOR training settings the reference `accept`s (`_training_settings`) and check train on them."""
    sizes, names = XOR_NET
    seed, learning_rate, expected = _training_settings(
        rng, reference, TRUTH_TABLE, XOR, sizes, names, rates=rates, max_steps=max_steps, tol=tol, accept=accept
    )
    kwargs = {"learning_rate": learning_rate, "max_steps": max_steps, "seed": seed}
    if tol != 1e-9:
        kwargs["tol"] = tol
    _check_training(student, reference, upstream, TRUTH_TABLE, XOR, sizes, names, expected, **kwargs)


def _learns(X, Y, names, target):
    def accept(parameters, losses):
        AL, _ = reference_forward.forward_pass(X, parameters, names)
        return losses[-1] < target and np.array_equal(np.round(AL).astype(int), Y)

    return accept


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 5. Repeat until convergence")
@pytest.mark.parametrize("run", [1, 2])
def test_train_learns_xor(student, reference, upstream, rng, run):
    """train learns XOR (a 2-4-1 tanh/sigmoid network, 150 steps) exactly as the reference does: loss below 0.01"""
    accept = _learns(TRUTH_TABLE, XOR, XOR_NET[1], XOR_TARGET_LOSS)
    _check_xor_training(student, reference, upstream, rng, rates=(2.0, 4.0), max_steps=XOR_STEPS, accept=accept)


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 5. Repeat until convergence")
def test_train_uses_the_documented_defaults(student, reference, upstream, rng):
    """train's defaults are learning_rate=1.0, tol=1e-9, seed=0 (on a gate) and max_steps=1000 (on a flat loss)"""
    hint = "the defaults are learning_rate=1.0, max_steps=1000, tol=1e-9, seed=0"
    gate, order = str(rng.choice(sorted(GATES))), rng.permutation(4)
    X, Y = TRUTH_TABLE[:, order], np.array(GATES[gate])[:, order]
    max_steps = int(rng.integers(20, 60))
    expected = reference.train(X, Y, [2, 1], ["sigmoid"], max_steps=max_steps)
    _check_training(student, reference, upstream, X, Y, [2, 1], ["sigmoid"], expected, hint=hint, max_steps=max_steps)
    flat_X = np.zeros((int(rng.integers(1, 4)), int(rng.integers(2, 5))))  # a loss of 0 that never falls by
    flat_Y = np.zeros((1, flat_X.shape[1]))  # more than tol = -1: training runs to max_steps
    sizes = [flat_X.shape[0], 1]
    # Zero inputs and targets through one linear layer: every loss and gradient is 0, so the
    # parameters stay as initialised, and 1000 losses of 0 (the reference's, without its 1000 steps).
    expected = (reference_forward.init_parameters(sizes, 0), [0.0] * 1000)
    _check_training(student, reference, upstream, flat_X, flat_Y, sizes, ["linear"], expected, hint=hint, tol=-1.0)


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process")
def test_first_training_step_is_one_forward_backward_step(student, reference, upstream, rng):
    """train with max_steps=1 equals one manual forward pass, backward pass and gradient step from init_parameters"""
    sizes, names = [2, int(rng.integers(2, 6)), 1], [str(rng.choice(["tanh", "sigmoid", "relu"])), "sigmoid"]
    seed, learning_rate = int(rng.integers(0, 2**31)), float(rng.uniform(0.3, 1.5))
    parameters = reference_forward.init_parameters(sizes, seed)
    AL, caches = reference_forward.forward_pass(TRUTH_TABLE, parameters, names)
    expected = (
        reference.gradient_step(parameters, reference.backward_pass(AL, XOR, caches), learning_rate),
        [reference.loss(AL, XOR)],
    )

    def given(got):  # the same step with the student's graded derivatives
        gradients = _backward_given_upstream(upstream, reference, AL, XOR, caches)
        if gradients is None or not (isinstance(got, tuple) and len(got) == 2):
            return False
        step = reference.gradient_step(parameters, gradients, learning_rate)
        return difference(got, (step, expected[1]), rtol=TRAIN_RTOL, atol=TRAIN_ATOL) is None

    _check_training(
        student,
        reference,
        upstream,
        TRUTH_TABLE,
        XOR,
        sizes,
        names,
        expected,
        given=given,
        hint="with max_steps=1: one forward pass, its loss appended, one backward pass and one step",
        learning_rate=learning_rate,
        max_steps=1,
        seed=seed,
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 5. Repeat until convergence")
def test_train_stops_when_the_loss_stops_falling(student, reference, upstream, rng):
    """train stops when the loss falls by less than tol, or after max_steps steps"""
    for tol, max_steps, rates, accept in (
        (10.0, int(rng.integers(5, 50)), (0.5, 2.0), None),  # the second loss has not fallen by 10: stop there
        (-1.0, int(rng.integers(2, 8)), (0.5, 2.0), None),  # never stops early: max_steps losses
        # stops early, on a loss that fell by less than tol (and far below the first loss)
        (float(rng.uniform(1e-4, 1e-2)), XOR_STEPS, (0.5, 1.5), lambda p, losses: 2 < len(losses) < XOR_STEPS),
    ):
        accept = accept or (lambda parameters, losses: True)
        _check_xor_training(student, reference, upstream, rng, rates=rates, max_steps=max_steps, tol=tol, accept=accept)
    flat_X = np.zeros((int(rng.integers(1, 4)), int(rng.integers(2, 6))))  # zero inputs and targets, linear
    flat_Y = np.zeros((1, flat_X.shape[1]))  # layers: the loss is 0 and stays 0
    sizes = [flat_X.shape[0], 1]
    for kwargs, rule in (
        ({"max_steps": 4}, "a loss that does not fall (0 - 0 < tol=1e-9) stops training"),
        ({"max_steps": 4, "tol": 0.0}, "with tol=0 a flat loss has not fallen by less than 0: go on"),
    ):
        expected = reference.train(flat_X, flat_Y, sizes, ["linear"], **kwargs)
        _check_training(
            student,
            reference,
            upstream,
            flat_X,
            flat_Y,
            sizes,
            ["linear"],
            expected,
            hint=rule + " (the rule is: stop when previous - current < tol)",
            **kwargs,
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Backpropagation: The Learning Process, 5. Repeat until convergence")
def test_train_stops_when_the_loss_rises(student, reference, upstream, rng):
    """train stops at the first loss that rises (a too-large learning rate): previous - current < tol"""

    def rises(parameters, losses):  # and stays below the first loss, which a rule comparing with it would miss
        return 3 <= len(losses) < 50 and losses[-1] - losses[-2] > 1e-6 and losses[-1] < losses[0]

    _check_xor_training(student, reference, upstream, rng, rates=(8.0, 30.0), max_steps=50, accept=rises)
