"""Hidden suite: loss, backpropagation and gradient descent (lesson: "Backpropagation: How Networks Learn").

Conventions under test: samples are columns; W (n_out, n_in), b (n_out, 1); the loss is
sum((AL - Y)^2) / m with gradient 2 (AL - Y) / m; gradients are a list of {"W", "b"} dicts;
gradient_step returns new arrays and leaves its input alone; train stops after max_steps
steps or when the loss falls by less than tol.

One bug costs points where it is: the backward pass is tested on caches built by the
reference forward pass, and its values are compared in float64 within RTOL/ATOL. Where a
function necessarily runs the student's earlier code (activation derivatives, forward_pass,
init_parameters, as imported into backprop.py), a failure names that function when it is
wrong. Gradient checks use centred differences with H = 1e-5 in float64 and pass when the
relative error |analytic - numerical| / max(|analytic| + |numerical|, 1e-8) is below GRAD_RTOL.
"""

import functools

import numpy as np
import pytest

from grader.grading.checks import blame_upstream, expect, expect_close, expect_close_downstream, fail
from grader.grading.feedback import abbreviate, difference
from grader.reference import activations as reference_activations
from grader.reference import forward as reference_forward
from grader.sandbox.errors import StudentCodeError, StudentRaised

EXERCISE = "backprop"
RTOL, ATOL = 1e-9, 1e-12
H, GRAD_RTOL = 1e-5, 1e-6
TRAIN_TIMEOUT = 10.0
LESSON_SIZES = [3, 3, 3, 2]
TRUTH_TABLE = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
XOR, AND = np.array([[0, 1, 1, 0]]), np.array([[0, 0, 0, 1]])
XOR_NET = ([2, 3, 1], ["tanh", "sigmoid"])
XOR_TARGET_LOSS, AND_TARGET_LOSS = 0.01, 0.02
LOSS_HINT = "L = sum((AL - Y)^2) / m: square every error, add them all up, divide by m = the number of columns"
GRADIENT_HINT = "dL/dAL = 2 * (AL - Y) / m, the derivative of sum((AL - Y)^2) / m"
LAYER_HINT = "dZ = dA * f'(Z); dW = dZ @ A_prev.T; db = dZ.sum(axis=1, keepdims=True); dA_prev = W.T @ dZ"
PASS_HINT = (
    "start from dA = loss_gradient(AL, Y), go through the caches from the last layer to the first, "
    "pass dA_prev on, and return the gradients first layer first"
)
STEP_HINT = "w_new = w_old - learning_rate * gradient, for W and b of every layer, into new arrays"
SECTION = "Backpropagation: How Networks Learn"


def _upstream(student, user, checks):
    return blame_upstream(student, user, checks, rtol=RTOL, atol=ATOL)


def _derivative_checks(caches):
    return [
        (
            f"{c['activation']}_derivative",
            (c["Z"],),
            getattr(reference_activations, f"{c['activation']}_derivative")(c["Z"]),
            "activations",
        )
        for c in caches
        if c["activation"] != "linear"
    ]


def _student_derivative(student, name, Z):
    """The student's activations.<name>_derivative(Z) as backprop.py imported it, when reachable and
    unlike the reference; None otherwise."""
    if name == "linear":
        return None
    try:
        got = student.call(f"{name}_derivative", Z, _readonly=True)
    except StudentCodeError:
        return None
    if not isinstance(got, np.ndarray) or got.shape != np.shape(Z):
        return None
    if difference(got, getattr(reference_activations, f"{name}_derivative")(Z), rtol=RTOL, atol=ATOL) is None:
        return None
    return got


def _layer_given_upstream(student, reference, dA, cache):
    """layer_backward as the reference computes it with the student's derivative, or None."""
    derivative = _student_derivative(student, cache["activation"], cache["Z"])
    if derivative is None:
        return None
    return reference.layer_backward(np.asarray(dA) * derivative, {**cache, "activation": "linear"})


def _backward_given_upstream(student, reference, AL, Y, caches):
    """backward_pass as the reference computes it with the student's derivatives, or None."""
    dA, gradients, changed = reference.loss_gradient(AL, Y), [], False
    for cache in reversed(caches):
        derivative = _student_derivative(student, cache["activation"], cache["Z"])
        changed = changed or derivative is not None
        if derivative is not None:
            dA, cache = dA * derivative, {**cache, "activation": "linear"}
        dA, dW, db = reference.layer_backward(dA, cache)
        gradients.append({"W": dW, "b": db})
    return gradients[::-1] if changed else None


def _forward_checks(X, parameters, names):
    return [("forward_pass", (X, parameters, names), reference_forward.forward_pass(X, parameters, names), "forward")]


def _network(rng, sizes, bias_scale=1.0):
    return [
        {"W": rng.normal(size=(n_out, n_in)) / np.sqrt(n_in), "b": rng.normal(scale=bias_scale, size=(n_out, 1))}
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def _ratio_hint(got, expected, m, n_out):
    """Guess the slip behind a wrong loss from got / expected."""
    if not isinstance(got, (float, np.floating)) or expected == 0:
        return LOSS_HINT
    ratio = float(got) / expected
    for factor, hint in (
        (m, "you summed over the samples: divide by m, the number of columns"),
        (1 / n_out, "np.mean over every entry also divides by the number of outputs: sum, then divide by m"),
        (0.5, "a factor of 1/2: this course's loss is sum((AL - Y)^2) / m, without 1/2"),
        (2.0, "a factor of 2 in the loss? L = sum((AL - Y)^2) / m"),
    ):
        if np.isclose(ratio, factor, rtol=1e-6):
            return hint
    return LOSS_HINT


def _relative_error(a, n):
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)


# -- loss ----------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson("Backpropagation: The Learning Process, 2. Calculate Loss")
def test_loss_is_the_lessons_squared_error(student):
    """loss of one prediction is the lesson's (predicted - actual)^2, and a batch averages over samples"""
    got = student.call("loss", np.array([[0.8]]), np.array([[1.0]]), _readonly=True)
    expect_close(got, 0.03999999999999998, call=student.last_call, rtol=1e-12, atol=0, hint=LOSS_HINT)
    AL, Y = np.array([[0.5, 1.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [0.0, 0.0]])
    got = student.call("loss", AL, Y, _readonly=True)
    expect_close(got, 0.625, call=student.last_call, rtol=1e-12, atol=0, hint=_ratio_hint(got, 0.625, 2, 2))


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 2. Calculate Loss")
def test_loss_matches_reference_on_random_batches(student, reference):
    """loss matches the reference on random batches (outputs and samples of different counts), as a float"""
    rng = np.random.default_rng(60)
    for n_out, m in ((1, 4), (3, 5), (2, 1)):
        AL, Y = rng.uniform(size=(n_out, m)), rng.integers(0, 2, size=(n_out, m))
        expected = reference.loss(AL, Y)
        got = student.call("loss", AL, Y, _readonly=True)
        expect_close(
            got, expected, call=student.last_call, rtol=RTOL, atol=ATOL, hint=_ratio_hint(got, expected, m, n_out)
        )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_loss_gradient_matches_reference(student, reference):
    """loss_gradient is 2 (AL - Y) / m, of AL's shape"""
    rng = np.random.default_rng(61)
    for n_out, m in ((1, 4), (3, 5), (2, 1)):
        AL, Y = rng.uniform(size=(n_out, m)), rng.integers(0, 2, size=(n_out, m))
        got = student.call("loss_gradient", AL, Y, _readonly=True)
        expect_close(
            got, reference.loss_gradient(AL, Y), call=student.last_call, rtol=RTOL, atol=ATOL, hint=GRADIENT_HINT
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_loss_gradient_equals_finite_differences_of_your_loss(student):
    """loss_gradient equals centred differences of your own loss"""
    rng = np.random.default_rng(62)
    AL, Y = rng.uniform(size=(2, 3)), rng.uniform(size=(2, 3))
    got = student.call("loss_gradient", AL, Y, _readonly=True)
    call = student.last_call
    numerical = np.zeros_like(AL)
    for index in np.ndindex(AL.shape):
        up, down = AL.copy(), AL.copy()
        up[index] += H
        down[index] -= H
        numerical[index] = (float(student.loss(up, Y)) - float(student.loss(down, Y))) / (2 * H)
    expect_close(
        got,
        numerical,
        call=f"{call} against finite differences of your loss",
        rtol=1e-6,
        atol=1e-8,
        hint="loss and loss_gradient must agree: " + GRADIENT_HINT,
    )


# -- backward ------------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
def test_activation_derivative_by_name(student, reference):
    """activation_derivative gives f'(Z) for sigmoid, relu, tanh and linear, and 0 for relu at 0"""
    rng = np.random.default_rng(63)
    for name in ("sigmoid", "relu", "tanh", "linear"):
        Z = rng.normal(scale=2.0, size=(3, 4))
        if name == "relu":
            Z[0, 0] = 0.0
        got = student.call("activation_derivative", Z, name, _readonly=True)
        expect_close_downstream(
            got,
            reference.activation_derivative(Z, name),
            call=student.last_call,
            hint=f"the derivative of {name} at Z" + (" (linear: all ones)" if name == "linear" else ""),
            blame=_upstream(
                student, "backprop.activation_derivative", _derivative_checks([{"activation": name, "Z": Z}])
            ),
            given_upstream=lambda name=name, Z=Z: _student_derivative(student, name, Z),
        )
    try:
        got = student.activation_derivative(np.zeros((1, 2)), "softplus")
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


def _layer_result(student, got):
    call = student.last_call
    expect(
        isinstance(got, tuple) and len(got) == 3,
        call,
        f"expected a tuple (dA_prev, dW, db), got {abbreviate(got)}",
        hint="return dA_prev, dW, db",
    )
    return got


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_layer_backward_matches_reference_on_reference_caches(student, reference):
    """layer_backward matches the reference on caches of the reference dense_layer, every activation"""
    rng = np.random.default_rng(64)
    for (n_in, n_out, m), name in zip(
        [(3, 2, 4), (4, 3, 1), (2, 5, 3), (5, 1, 6)], ["sigmoid", "relu", "tanh", "linear"], strict=True
    ):
        dA, cache = _layer_case(rng, n_in, n_out, m, name)
        expected = reference.layer_backward(dA, cache)
        got = _layer_result(student, student.call("layer_backward", dA, cache, _readonly=True))
        call = student.last_call
        blame = _upstream(student, "backprop.layer_backward", _derivative_checks([cache]))
        given = (
            _layer_given_upstream(student, reference, dA, cache)
            if difference(got, expected, rtol=RTOL, atol=ATOL) is not None
            else None
        )
        for index, (part, g, e) in enumerate(zip(("dA_prev", "dW", "db"), got, expected, strict=True)):
            expect_close_downstream(
                g,
                e,
                call=f"{call}, {part}",
                hint=LAYER_HINT,
                blame=blame,
                given_upstream=lambda index=index, given=given: None if given is None else given[index],
            )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_layer_backward_equals_finite_differences_of_the_layer(student, reference):
    """layer_backward equals centred differences of sum(dA * dense_layer(A_prev, W, b)) for every activation"""
    rng = np.random.default_rng(65)
    for name in ("sigmoid", "relu", "tanh"):
        dA, cache = _layer_case(rng, 3, 2, 3, name)
        inputs = {"A_prev": cache["A_prev"], "W": cache["W"], "b": cache["b"]}

        def objective(values, name=name, dA=dA):
            return float(
                np.sum(dA * reference_forward.dense_layer(values["A_prev"], values["W"], values["b"], name)[0])
            )

        _, exact_cache = reference_forward.dense_layer(inputs["A_prev"], inputs["W"], inputs["b"], name)
        if np.abs(exact_cache["Z"]).min() < 1e-3:  # a course bug, not the student's: keep ReLU away from its kink
            raise RuntimeError("layer gradient check: a pre-activation is too close to 0")
        got = _layer_result(student, student.call("layer_backward", dA, exact_cache, _readonly=True))
        call = student.last_call
        given = _layer_given_upstream(student, reference, dA, exact_cache)
        for position, (part, key) in enumerate(zip(got, ("A_prev", "W", "b"), strict=True)):
            numerical = np.zeros_like(inputs[key])
            for index in np.ndindex(inputs[key].shape):
                up = {k: v.copy() for k, v in inputs.items()}
                down = {k: v.copy() for k, v in inputs.items()}
                up[key][index] += H
                down[key][index] -= H
                numerical[index] = (objective(up) - objective(down)) / (2 * H)
            label = {"A_prev": "dA_prev", "W": "dW", "b": "db"}[key]
            expect_close_downstream(
                part,
                numerical,
                call=f"{call}, {label} against finite differences",
                rtol=1e-6,
                atol=1e-8,
                hint=LAYER_HINT,
                given_upstream=lambda position=position, given=given: None if given is None else given[position],
                blame=_upstream(student, "backprop.layer_backward", _derivative_checks([exact_cache])),
            )


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_backward_pass_matches_reference_on_reference_caches(student, reference):
    """backward_pass matches the reference on the caches of the reference forward pass (lesson network and others)"""
    rng = np.random.default_rng(66)
    for sizes, names, m in (
        ([3, 3, 3, 2], ["tanh", "tanh", "sigmoid"], 4),
        ([2, 4, 1], ["relu", "sigmoid"], 5),
        ([4, 3, 5, 2], ["sigmoid", "tanh", "linear"], 1),
    ):
        parameters = _network(rng, sizes)
        X, Y = rng.normal(size=(sizes[0], m)), rng.uniform(size=(sizes[-1], m))
        AL, caches = reference_forward.forward_pass(X, parameters, names)
        expected = reference.backward_pass(AL, Y, caches)
        got = student.call("backward_pass", AL, Y, caches, _readonly=True)
        call = student.last_call
        expect(
            isinstance(got, list) and len(got) == len(parameters),
            call,
            f"expected a list of {len(parameters)} gradient dicts, first layer first; got {abbreviate(got)}",
            hint=PASS_HINT,
        )
        expect_close_downstream(
            got,
            expected,
            call=call,
            hint=PASS_HINT,
            blame=_upstream(student, "backprop.backward_pass", _derivative_checks(caches)),
            given_upstream=lambda AL=AL, Y=Y, caches=caches: _backward_given_upstream(
                student, reference, AL, Y, caches
            ),
        )


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 3. Backward Pass")
def test_whole_network_gradients_equal_numerical_gradients(student, reference):
    """backward_pass through the lesson's 3 -> 3 -> 3 -> 2 network equals centred differences of the loss"""
    rng = np.random.default_rng(60)  # this seed keeps every ReLU pre-activation at least 0.15 away from 0
    names = ["relu", "tanh", "sigmoid"]
    parameters = _network(rng, LESSON_SIZES, bias_scale=0.5)
    X, Y = rng.normal(size=(3, 3)), rng.uniform(size=(2, 3))
    AL, caches = reference_forward.forward_pass(X, parameters, names)
    got = student.call("backward_pass", AL, Y, caches, _readonly=True)
    call = student.last_call
    expect(
        isinstance(got, list)
        and len(got) == len(parameters)
        and all(isinstance(g, dict) and {"W", "b"} <= set(g) for g in got),
        call,
        f"expected a list of {len(parameters)} {{'W', 'b'}} gradient dicts, got {abbreviate(got)}",
        hint=PASS_HINT,
    )
    numerical = _numerical_gradients(reference, X, Y, parameters, names)
    given = None
    for layer, key in [(layer, key) for layer in range(len(parameters)) for key in ("W", "b")]:
        analytic, exact = got[layer][key], numerical[layer][key]
        found = difference(analytic, exact, rtol=np.inf, atol=np.inf)  # type and shape first
        if found is None:
            error = _relative_error(np.asarray(analytic, dtype=float), exact)
            if float(error.max()) < GRAD_RTOL:
                continue
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), error.shape))
            found = (
                f"relative error {float(error.max()):.2e} (bound {GRAD_RTOL:g}); worst at {list(worst)}: "
                f"numerical {float(exact[worst])!r}, yours {float(analytic[worst])!r}"
            )
        if given is None:
            given = _backward_given_upstream(student, reference, AL, Y, caches) or []
        if given and difference(got, given, rtol=1e-7, atol=1e-10) is None:
            return  # right, given the student's own (wrong) activation derivatives
        blame = _upstream(student, "backprop.backward_pass", _derivative_checks(caches))()
        fail(
            f"{call}, gradient of layer {layer + 1} {key} against finite differences (h = {H:g})\n"
            f"  expected: {abbreviate(exact)}\n  got:      {abbreviate(analytic)}\n  {found}"
            + (f"\n  cause: {blame}" if blame else ""),
            hint=PASS_HINT,
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
def test_batch_gradient_is_the_mean_of_the_sample_gradients(student):
    """backward_pass on a batch equals the mean of backward_pass on its samples one at a time"""
    rng = np.random.default_rng(67)
    parameters = _network(rng, [2, 3, 2])
    names = ["tanh", "sigmoid"]
    X, Y = rng.normal(size=(2, 4)), rng.uniform(size=(2, 4))
    AL, caches = reference_forward.forward_pass(X, parameters, names)
    batch = student.call("backward_pass", AL, Y, caches, _readonly=True)
    batch_call = student.last_call
    singles = []
    for j in range(X.shape[1]):
        AL_j, caches_j = reference_forward.forward_pass(X[:, j : j + 1], parameters, names)
        singles.append(student.call("backward_pass", AL_j, Y[:, j : j + 1], caches_j, _readonly=True))
    try:
        mean = [
            {key: np.mean([s[layer][key] for s in singles], axis=0) for key in ("W", "b")}
            for layer in range(len(parameters))
        ]
    except (TypeError, KeyError, IndexError, ValueError):
        fail(
            f"{student.last_call}\n  expected a list of {{'W', 'b'}} gradient dicts, got {abbreviate(singles[-1])}",
            hint=PASS_HINT,
        )
    expect_close_downstream(
        batch,
        mean,
        call=f"{batch_call} against the mean over its {X.shape[1]} samples",
        hint=(
            "the loss averages over the samples, so its gradient is the mean of the samples' gradients: "
            "the 1/m comes from loss_gradient, and dW, db sum over the columns"
        ),
    )


# -- gradient descent ----------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson("Backpropagation: The Learning Process, 4. Update Weights")
def test_gradient_step_on_the_lesson_formula(student):
    """gradient_step computes w_new = w_old - learning_rate * gradient"""
    parameters = [{"W": np.array([[0.5, 0.5]]), "b": np.array([[-0.75]])}]
    gradients = [{"W": np.array([[1.0, -2.0]]), "b": np.array([[0.5]])}]
    got = student.call("gradient_step", parameters, gradients, 0.1, _readonly=True)
    expected = [{"W": np.array([[0.4, 0.7]]), "b": np.array([[-0.8]])}]
    uphill = [{"W": np.array([[0.6, 0.3]]), "b": np.array([[-0.7]])}]
    hint = STEP_HINT
    if difference(got, uphill, rtol=1e-9, atol=1e-12) is None:
        hint = "you added the gradient: stepping up the gradient climbs the loss. " + STEP_HINT
    expect_close(got, expected, call=student.last_call, rtol=1e-12, atol=1e-15, hint=hint)


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 4. Update Weights")
def test_gradient_step_returns_new_parameters_and_leaves_its_input_alone(student, reference):
    """gradient_step matches the reference on read-only parameters of several layers, returning new ones"""
    rng = np.random.default_rng(68)
    parameters = _network(rng, [3, 4, 2])
    gradients = [{"W": rng.normal(size=p["W"].shape), "b": rng.normal(size=p["b"].shape)} for p in parameters]
    for learning_rate in (0.5, 0.01):
        expected = reference.gradient_step(parameters, gradients, learning_rate)
        try:
            got = student.call("gradient_step", parameters, gradients, learning_rate, _readonly=True)
        except StudentRaised as error:
            if "read-only" in error.message:
                fail(
                    f"{student.last_call}\n  wrote into the parameters it was given ({error.message})",
                    hint="return new arrays (W - learning_rate * dW), do not update in place with -=",
                )
            raise
        uphill = reference.gradient_step(parameters, gradients, -learning_rate)
        hint = STEP_HINT
        if difference(got, uphill, rtol=1e-9, atol=1e-12) is None:
            hint = "you added the gradient: stepping up the gradient climbs the loss. " + STEP_HINT
        expect_close(got, expected, call=student.last_call, rtol=RTOL, atol=ATOL, hint=hint)


# -- training ------------------------------------------------------------------------------


def _train(student, *args, **kwargs):
    result = student.call("train", *args, _readonly=True, _timeout=TRAIN_TIMEOUT, **kwargs)
    call = student.last_call
    expect(
        isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], list) and isinstance(result[1], list),
        call,
        f"expected (parameters, losses): a list of layer dicts and a list of floats; got {abbreviate(result)}",
        hint="return parameters, losses",
    )
    parameters, losses = result
    expect(
        all(isinstance(v, (float, np.floating)) for v in losses) and len(losses) > 0,
        call,
        f"losses should be a non-empty list of floats, got {abbreviate(losses)}",
        hint="append float(loss(AL, Y))",
    )
    return call, parameters, losses


def _training_blame(student, X, Y, sizes, names, seed):
    parameters = reference_forward.init_parameters(sizes, seed)
    _, caches = reference_forward.forward_pass(X, parameters, names)
    trained = _network(np.random.default_rng(69), sizes)  # non-zero biases, as after a few steps
    return _upstream(
        student,
        "backprop.train",
        [("init_parameters", (sizes, seed), parameters, "forward")]
        + _forward_checks(X, parameters, names)
        + _forward_checks(X, trained, names)
        + _derivative_checks(caches),
    )


def _learned(student, X, Y, sizes, names, target, **kwargs):
    call, parameters, losses = _train(student, X, Y, sizes, names, **kwargs)
    blame = _training_blame(student, X, Y, sizes, names, kwargs.get("seed", 0))
    hint = "see the tests of backward_pass and gradient_step"
    cause = blame() if not losses[-1] < target else None
    if cause:
        hint = "fix the function named as the cause first, then train again"
    elif losses[-1] > losses[0]:
        hint = "the loss grew: stepping up the gradient (w + learning_rate * gradient)?"
    elif len(losses) < kwargs.get("max_steps", 1000) and losses[-1] > target:
        hint = "training stopped early: stop only when previous - current < tol"
    if not losses[-1] < target:
        fail(
            f"{call}\n  the final loss is {losses[-1]!r} after {len(losses)} losses (first {losses[0]!r}); "
            f"expected below {target}" + (f"\n  cause: {cause}" if cause else ""),
            hint=hint,
        )
    try:
        AL, _ = reference_forward.forward_pass(X, parameters, names)
    except (KeyError, TypeError, ValueError, IndexError):
        fail(
            f"{call}\n  the parameters returned are not a list of {{'W', 'b'}} dicts of the right shapes: "
            f"{abbreviate(parameters)}",
            hint="return the parameters as init_parameters lays them out",
        )
    predictions = np.round(AL).astype(int)
    if not np.array_equal(predictions, Y):
        cause = blame()
        fail(
            f"{call}\n  the trained network predicts {predictions.tolist()} (rounded), expected {Y.tolist()}"
            + (f"\n  cause: {cause}" if cause else ""),
            hint=hint,
        )
    return call, parameters, losses


@pytest.mark.points(3)
@pytest.mark.lesson("Backpropagation: The Learning Process, 5. Repeat until convergence")
@pytest.mark.parametrize("seed", [0, 1])
def test_train_learns_xor(student, seed):
    """train learns XOR (a 2-3-1 tanh/sigmoid network, rate 2.0, 300 steps): loss below 0.01, exact predictions"""
    _learned(student, TRUTH_TABLE, XOR, *XOR_NET, XOR_TARGET_LOSS, learning_rate=2.0, max_steps=300, seed=seed)


@functools.cache
def _reference_and_training():
    from grader.reference import backprop

    return backprop.train(TRUTH_TABLE, AND, [2, 1], ["sigmoid"])


@pytest.mark.points(2)
@pytest.mark.lesson("Perceptron: Example: AND Gate")
def test_train_learns_the_and_gate_with_the_default_settings(student):
    """train learns AND with one sigmoid neuron and the documented defaults, exactly as the reference does"""
    defaults = "defaults: learning_rate=1.0, max_steps=1000, tol=1e-9, seed=0"
    call, parameters, losses = _learned(student, TRUTH_TABLE, AND, [2, 1], ["sigmoid"], AND_TARGET_LOSS)
    expected_parameters, expected_losses = _reference_and_training()
    expect(
        len(losses) == len(expected_losses),
        call,
        f"expected {len(expected_losses)} losses with the defaults, got {len(losses)}",
        hint=defaults,
    )
    expect_close_downstream(parameters, expected_parameters, call=call, rtol=1e-6, atol=1e-9, hint=defaults)


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process")
def test_first_training_step_is_one_forward_backward_step(student, reference):
    """train with max_steps=1 equals one manual forward pass, backward pass and gradient step from init_parameters"""
    sizes, names = XOR_NET
    parameters = reference_forward.init_parameters(sizes, 3)
    AL, caches = reference_forward.forward_pass(TRUTH_TABLE, parameters, names)
    expected = (
        reference.gradient_step(parameters, reference.backward_pass(AL, XOR, caches), 0.7),
        [reference.loss(AL, XOR)],
    )
    call, got_parameters, got_losses = _train(
        student, TRUTH_TABLE, XOR, sizes, names, learning_rate=0.7, max_steps=1, seed=3
    )
    blame = _training_blame(student, TRUTH_TABLE, XOR, sizes, names, 3)

    def given_upstream():  # the same step with the student's own (wrong) activation derivatives
        gradients = _backward_given_upstream(student, reference, AL, XOR, caches)
        return None if gradients is None else reference.gradient_step(parameters, gradients, 0.7)

    expect_close_downstream(
        got_losses,
        expected[1],
        call=call + ", losses",
        blame=blame,
        hint="with max_steps=1: one forward pass, its loss appended, one backward pass and one step",
    )
    expect_close_downstream(
        got_parameters,
        expected[0],
        call=call + ", parameters",
        blame=blame,
        given_upstream=given_upstream,
        hint="start from init_parameters(layer_sizes, seed), then forward_pass, backward_pass, gradient_step",
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: The Learning Process, 5. Repeat until convergence")
def test_train_stops_when_the_loss_stops_falling(student, reference):
    """train stops when the loss falls by less than tol, or after max_steps steps"""
    sizes, names = XOR_NET
    for kwargs, rule in (
        ({"tol": 10.0, "max_steps": 50}, "with tol=10 the second loss has not fallen by 10: stop there"),
        ({"tol": -1.0, "max_steps": 5}, "with tol=-1 the loss never stops falling: make max_steps steps"),
        ({"tol": 1e-3, "max_steps": 300, "learning_rate": 1.0}, "stop as soon as previous - current < tol"),
    ):
        call, parameters, losses = _train(student, TRUTH_TABLE, XOR, sizes, names, seed=2, **kwargs)
        expected_parameters, expected_losses = reference.train(TRUTH_TABLE, XOR, sizes, names, seed=2, **kwargs)
        expect(
            len(losses) == len(expected_losses),
            call,
            f"expected {len(expected_losses)} losses, got {len(losses)}",
            hint=rule,
        )
        expect_close_downstream(
            losses,
            expected_losses,
            call=call + ", losses",
            hint=rule,
            blame=_training_blame(student, TRUTH_TABLE, XOR, sizes, names, 2),
        )
        expect_close_downstream(
            parameters,
            expected_parameters,
            call=call + ", parameters",
            rtol=1e-7,
            atol=1e-10,
            hint="when the rule stops training, return the parameters of that last forward pass (no more step)",
        )
    flat = np.zeros((2, 3))  # zero inputs and targets through linear layers: the loss is 0 and stays 0
    for kwargs, expected_count, rule in (
        ({}, 2, "a loss that does not fall (0 - 0 < tol=1e-9) stops training"),
        ({"tol": 0.0}, 4, "with tol=0 a flat loss has not fallen by less than 0: go on"),
    ):
        call, _, losses = _train(student, flat, flat[:1], [2, 1], ["linear"], max_steps=4, **kwargs)
        expect(
            len(losses) == expected_count,
            call,
            f"expected {expected_count} losses, got {len(losses)}: {abbreviate(losses)}",
            hint=rule + " (the rule is: stop when previous - current < tol)",
        )
