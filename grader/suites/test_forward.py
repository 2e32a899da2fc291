"""Hidden suite: the forward pass (lesson: "Multi-Layer Neural Network", "Forward Propagation").

Conventions under test: W (n_out, n_in), b (n_out, 1), samples as columns (X (n_in, m));
parameters a list of {"W", "b"}; a layer cache {"A_prev", "Z", "W", "b", "activation"}.
Values are compared in float64 within RTOL/ATOL. Inputs come from the attempt's `rng`, except
in the test marked `lesson_example` (the lesson's AND gate as a layer).

One mistake costs points where it is: a test of dense_layer or forward_pass whose answer is
wrong runs again with the reference's activation functions, activate and dense_layer in place
of the student's, for those that are wrong as graded (the activations in the student's
activations.py, through the `upstream` fixture; never the names forward.py holds).
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
    same_raise,
    same_values,
)
from grader.grading.feedback import abbreviate, difference
from grader.reference import activations as reference_activations
from grader.sandbox.errors import StudentRaised

EXERCISE = "forward"
RTOL, ATOL = 1e-9, 1e-12
LESSON_SIZES = [3, 3, 3, 2]
NAMES = ["sigmoid", "relu", "tanh", "linear"]
AND_X = np.array([[0, 0, 1, 1], [0, 1, 0, 1]])
AND_W, AND_B = np.array([[0.5, 0.5]]), np.array([[-0.75]])
# The lesson's AND-gate verification as a layer: z for (0,0), (0,1), (1,0), (1,1), and sigmoid(z).
AND_Z = np.array([[-0.75, -0.25, -0.25, 0.25]])
AND_SIGMOID = np.array([[0.32082130082460697, 0.4378234991142019, 0.4378234991142019, 0.5621765008857981]])
LAYER_HINT = "Z = W @ A_prev + b with W (n_out, n_in), A_prev (n_in, m) and b (n_out, 1), then A = activate(Z, name)"
INIT_HINT = (
    "for each layer in order: W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), "
    "b = np.zeros((n_out, 1)), with one rng = np.random.default_rng(seed)"
)
PASS_HINT = "feed each layer's output A to the next layer as its A_prev, with that layer's own W, b and activation name"
FLOAT64_HINT = "compute in float64: np.asarray(X, dtype=float) (not float32, which keeps only about 7 digits)"


def _sizes(rng, layers=None):
    layers = layers or int(rng.integers(1, 4))
    return [int(n) for n in rng.integers(1, 6, size=layers + 1)]


def _network(rng, sizes):
    return [
        {"W": rng.normal(size=(n_out, n_in)), "b": rng.normal(size=(n_out, 1))}
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def _names(rng, count):
    return [str(name) for name in rng.choice(NAMES, size=count)]


# -- what forward.py builds on --------------------------------------------------------------


def _activation_helpers(upstream, pairs):
    """The student's activation functions as activations.py has them (graded there), on these Z."""
    activations = upstream("activations")
    by_name = {}
    for name, Z in pairs:
        if name != "linear":
            by_name.setdefault(name, []).append((Z,))
    return [
        Helper(name, getattr(reference_activations, name), activations, "activations", probes, RTOL, ATOL)
        for name, probes in by_name.items()
    ]


def _graded_activation(upstream, name, Z):
    """What the student's activations.<name> (as graded there) gives on Z, when it differs from
    the reference's; None otherwise (see `graded_answer`), and for linear."""
    if name == "linear":
        return None
    expected = getattr(reference_activations, name)(Z)
    return graded_answer(upstream("activations"), name, Z, expected, rtol=RTOL, atol=ATOL)


def _given_activation(upstream, name, Z):
    """Whether activate(Z, name) answered (or raised) as the student's graded activation does."""

    def check(got):
        if isinstance(got, StudentRaised):
            activations = upstream("activations")
            return name != "linear" and activations is not None and same_raise(activations, name, (Z,), got)
        graded = _graded_activation(upstream, name, Z)
        return graded is not None and same_values(got, graded, rtol=RTOL, atol=ATOL)

    return check


def _given_layers(upstream, reference, X, parameters, names, *, caches=True):
    """Whether a forward_pass (or, with one layer, dense_layer) answer is what the reference gives
    with the student's graded activation functions in place of its own: the expected value when
    those are wrong, for code that reaches them other than by name (a dict built at import)."""

    def check(got):
        if isinstance(got, StudentRaised) or not (isinstance(got, tuple) and len(got) == 2):
            return False
        A, alternative, changed = np.asarray(X, dtype=float), [], False
        for layer, name in zip(parameters, names, strict=True):
            A, cache = reference.dense_layer(A, layer["W"], layer["b"], name)
            graded = _graded_activation(upstream, name, cache["Z"])
            if graded is not None:
                A, changed = graded, True
            alternative.append(cache)
        if not changed or not same_values(got[0], A, rtol=RTOL, atol=ATOL):
            return False
        return not caches or same_values(got[1], alternative, rtol=RTOL, atol=ATOL)

    return check


def _layer_helpers(student, reference, upstream, layers):
    """What dense_layer and forward_pass build on, probed on `layers` [(A_prev, W, b, name)]:
    the activation functions, activate and dense_layer."""
    pairs = [(name, reference.dense_layer(A_prev, W, b, name)[1]["Z"]) for A_prev, W, b, name in layers]
    return [
        *_activation_helpers(upstream, pairs),
        Helper("activate", reference.activate, student, EXERCISE, [(Z, name) for name, Z in pairs], RTOL, ATOL),
        Helper("dense_layer", reference.dense_layer, student, EXERCISE, list(layers), RTOL, ATOL),
    ]


def _pass_helpers(student, reference, upstream, X, parameters, names):
    layers, A = [], np.asarray(X, dtype=float)
    for layer, name in zip(parameters, names, strict=True):
        layers.append((A, layer["W"], layer["b"], name))
        A = reference.dense_layer(A, layer["W"], layer["b"], name)[0]
    return _layer_helpers(student, reference, upstream, layers)


def _expect_pair(student, got, what, hint):
    expect(
        isinstance(got, tuple) and len(got) == 2,
        student.last_call,
        lambda: f"expected a tuple {what}, got {abbreviate(got)}",
        hint=hint,
    )


def _float64_hint(hint):
    """`hint`, or the float64 one when the answer is in float32, or right to about 7 digits only."""

    def choose(got, expected, found):
        if "float32" in found or "float16" in found or "floating-point" in found:
            return FLOAT64_HINT
        if isinstance(got, np.ndarray) and difference(got, expected, rtol=1e-5, atol=1e-7) is None:
            return "right to about 7 digits only: a float32 somewhere? " + FLOAT64_HINT
        return hint

    return choose


# -- init_parameters ------------------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson("Multi-Layer Neural Network: Architecture")
def test_init_parameters_shapes(student, rng):
    """init_parameters gives W (n_out, n_in) and zero b (n_out, 1) for every layer of a random network"""
    sizes = _sizes(rng, int(rng.integers(2, 5)))
    got = student.init_parameters(sizes, int(rng.integers(0, 1000)))
    call = student.last_call
    layers = len(sizes) - 1
    expect(
        isinstance(got, list) and len(got) == layers,
        call,
        lambda: f"expected a list of {layers} layer dicts, got {abbreviate(got)}",
        hint=INIT_HINT,
    )
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = got[index]
        if not (isinstance(layer, dict) and {"W", "b"} <= set(layer)):
            fail(
                f"{call}\n  layer {index}: expected a dict with keys 'W' and 'b', got {abbreviate(layer)}",
                hint=INIT_HINT,
            )
        for key, shape in (("W", (n_out, n_in)), ("b", (n_out, 1))):
            value = layer[key]
            if not (isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)):
                fail(f"{call}\n  layer {index} {key}: expected a float array, got {abbreviate(value)}", hint=INIT_HINT)
            expect_close(value.shape, shape, call=call + f"[{index}][{key!r}].shape", hint=INIT_HINT)
        expect(not np.any(layer["b"]), call, f"layer {index}: the biases should start at zero", hint=INIT_HINT)
        if not (layer["W"].size == 1 or np.unique(layer["W"]).size > 1):
            fail(
                f"{call}\n  layer {index}: the weights are all equal ({abbreviate(layer['W'])}): "
                "neurons alike learn alike",
                hint=INIT_HINT,
            )


@pytest.mark.points(2)
@pytest.mark.lesson("Multi-Layer Neural Network: Architecture")
def test_init_parameters_matches_reference_draws(student, reference, rng):
    """init_parameters draws exactly the reference's weights for a seed, and other weights for another seed"""
    for _ in range(3):
        sizes, seed = _sizes(rng), int(rng.integers(0, 2**31))
        got = student.init_parameters(sizes, seed)
        expect_close(got, reference.init_parameters(sizes, seed), call=student.last_call, hint=INIT_HINT)
    sizes = _sizes(rng)
    got = student.init_parameters(sizes)
    expect_close(
        got,
        reference.init_parameters(sizes, 0),
        call=student.last_call,
        hint="the seed defaults to 0: def init_parameters(layer_sizes, seed=0)",
    )
    seed = int(rng.integers(1, 2**31))
    other = student.init_parameters(LESSON_SIZES, seed)
    expect(
        not np.allclose(other[0]["W"], reference.init_parameters(LESSON_SIZES, 0)[0]["W"]),
        student.last_call,
        f"seed {seed} gave the same weights as seed 0: use the seed argument",
        hint=INIT_HINT,
    )


# -- activate and dense_layer ---------------------------------------------------------------


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
def test_activate_chooses_the_function_by_name(student, reference, upstream, rng):
    """activate applies sigmoid, relu, tanh or linear, chosen by name, to an array read-only"""
    for name in rng.permutation(NAMES):
        name = str(name)
        Z = rng.normal(scale=2.0, size=tuple(rng.integers(1, 5, size=2)))
        expected = reference.activate(Z, name)
        check_downstream(
            student,
            "activate",
            Z,
            name,
            judge=lambda got, expected=expected, name=name: expect_close(
                got,
                expected,
                call=student.last_call,
                hint=_float64_hint(
                    f"activate(Z, {name!r}) should apply {name} to every element"
                    + (" (linear: f(z) = z, a float copy of Z)" if name == "linear" else "")
                ),
            ),
            helpers=lambda name=name, Z=Z: _activation_helpers(upstream, [(name, Z)]),
            given_upstream=_given_activation(upstream, name, Z),
        )
    Z = rng.integers(-3, 4, size=(1, int(rng.integers(2, 5))))
    got = student.call("activate", Z, "linear", _readonly=True)
    expect_close(got, Z.astype(float), call=student.last_call, hint="return floats: np.asarray(Z, dtype=float)")


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
def test_activate_rejects_an_unknown_name(student, reference, upstream, rng):
    """activate raises ValueError for a name it does not know (and works for one it knows)"""
    Z, name = rng.normal(size=(2, 3)), str(rng.choice(NAMES))
    expected = reference.activate(Z, name)
    check_downstream(  # a function that raises ValueError for every name earns nothing here
        student,
        "activate",
        Z,
        name,
        judge=lambda got: expect_close(got, expected, call=student.last_call, hint=f"apply {name} to every element"),
        helpers=lambda: _activation_helpers(upstream, [(name, Z)]),
        given_upstream=_given_activation(upstream, name, Z),
    )
    unknown = str(rng.choice(["softplus", "elu", "gelu", "swish", "Sigmoid", "step"]))
    try:
        got = student.activate(rng.normal(size=(2, 2)), unknown)
    except StudentRaised as error:
        expect(
            error.type_name == "ValueError",
            student.last_call,
            f"raised {error.type_name}, expected ValueError",
            hint="raise ValueError(f'unknown activation {name!r}')",
        )
        return
    fail(
        f"{student.last_call}\n  returned {abbreviate(got)}, expected a ValueError",
        hint="raise ValueError for a name other than sigmoid, relu, tanh or linear",
    )


@pytest.mark.points(1)
@pytest.mark.lesson_example
@pytest.mark.lesson("Perceptron: Example: AND Gate (Verification)")
def test_dense_layer_reproduces_the_and_gate_verification(student, reference, upstream):
    """dense_layer on the lesson's AND-gate perceptron gives its z for the four inputs, and sigmoid(z)"""
    for name, expected in (("linear", AND_Z), ("sigmoid", AND_SIGMOID)):

        def judge(got, expected=expected):
            _expect_pair(student, got, "(A, cache)", "return A, cache")
            expect_close(got[0], expected, call=student.last_call, hint=_float64_hint(LAYER_HINT))

        check_downstream(
            student,
            "dense_layer",
            AND_X,
            AND_W,
            AND_B,
            name,
            judge=judge,
            helpers=lambda name=name: _layer_helpers(student, reference, upstream, [(AND_X, AND_W, AND_B, name)]),
            given_upstream=_given_layers(upstream, reference, AND_X, [{"W": AND_W, "b": AND_B}], [name], caches=False),
        )


@pytest.mark.points(3)
@pytest.mark.lesson("Forward Propagation")
def test_dense_layer_matches_reference_on_random_layers(student, reference, upstream, rng):
    """dense_layer matches the reference for non-square W, non-zero b, one sample and a batch, every activation"""
    for m, name in zip([1, *rng.integers(2, 8, size=3)], rng.permutation(NAMES), strict=True):
        n_in, n_out, name = int(rng.integers(1, 6)), int(rng.integers(1, 6)), str(name)
        if n_in == n_out:
            n_out += 1
        A_prev, W, b = rng.normal(size=(n_in, int(m))), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1))
        expected = reference.dense_layer(A_prev, W, b, name)[0]

        def judge(got, expected=expected):
            _expect_pair(student, got, "(A, cache)", "return A, cache")
            expect_close(got[0], expected, call=student.last_call, hint=_float64_hint(LAYER_HINT))

        check_downstream(
            student,
            "dense_layer",
            A_prev,
            W,
            b,
            name,
            judge=judge,
            helpers=lambda A_prev=A_prev, W=W, b=b, name=name: _layer_helpers(
                student, reference, upstream, [(A_prev, W, b, name)]
            ),
            given_upstream=_given_layers(upstream, reference, A_prev, [{"W": W, "b": b}], [name], caches=False),
        )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: How Networks Learn")
def test_dense_layer_cache_holds_what_backprop_needs(student, reference, upstream, rng):
    """dense_layer's cache is {"A_prev", "Z", "W", "b", "activation"} with float arrays"""
    n_in, n_out, m = (int(n) for n in rng.integers(2, 5, size=3))
    A_prev, W, b = rng.integers(-3, 4, size=(n_in, m)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1))
    name = str(rng.choice(["sigmoid", "tanh"]))  # an activation that changes every value: Z and A differ
    _, expected = reference.dense_layer(A_prev, W, b, name)

    def judge(got):
        cache = got[1] if isinstance(got, tuple) and len(got) == 2 else None
        expect(
            isinstance(cache, dict),
            student.last_call,
            lambda: f"expected (A, cache) with cache a dict, got {abbreviate(got)}",
            hint='cache = {"A_prev": A_prev, "Z": Z, "W": W, "b": b, "activation": activation}',
        )
        extra = sorted((abbreviate(k, 20) for k in set(cache) - set(expected)), key=str)[:5]
        expect(
            not extra,
            student.last_call,
            f"unexpected cache keys {', '.join(extra)}: use exactly A_prev, Z, W, b, activation",
        )
        expect_close(
            cache,
            expected,
            call=student.last_call + "[1]",
            hint="Z is W @ A_prev + b before the activation; store the arrays as float64 (np.asarray(x, dtype=float))",
        )

    check_downstream(
        student,
        "dense_layer",
        A_prev,
        W,
        b,
        name,
        judge=judge,
        helpers=lambda: _layer_helpers(student, reference, upstream, [(A_prev, W, b, name)]),
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_dense_layer_single_sample_keeps_the_column_shape(student, reference, upstream, rng):
    """dense_layer on one sample (a column (n_in, 1)) returns a column (n_out, 1)"""
    n_in, n_out = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    x, W, b = rng.normal(size=(n_in, 1)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1))
    expected = reference.dense_layer(x, W, b, "linear")[0]
    check_downstream(
        student,
        "dense_layer",
        x,
        W,
        b,
        "linear",
        judge=lambda got: expect_close(
            got[0] if isinstance(got, tuple) else got,
            expected,
            call=student.last_call,
            hint="keep b as a column (n_out, 1): do not flatten it",
        ),
        helpers=lambda: _layer_helpers(student, reference, upstream, [(x, W, b, "linear")]),
    )


# -- forward_pass ---------------------------------------------------------------------------


def _check_pass(student, reference, upstream, X, parameters, names, *, caches=False, hint=PASS_HINT):
    expected_AL, expected_caches = reference.forward_pass(X, parameters, names)

    def judge(got):
        _expect_pair(student, got, "(AL, caches)", "return AL, caches")
        expect_close(got[0], expected_AL, call=student.last_call, hint=_float64_hint(hint))
        if caches:
            expect_close(
                got[1],
                expected_caches,
                call=student.last_call + "[1] (the caches)",
                hint="caches: one dict per layer, first layer first, as dense_layer returns it",
            )

    return check_downstream(
        student,
        "forward_pass",
        X,
        parameters,
        names,
        judge=judge,
        helpers=lambda: _pass_helpers(student, reference, upstream, X, parameters, names),
        given_upstream=_given_layers(upstream, reference, X, parameters, names, caches=caches),
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_on_the_lesson_network(student, reference, upstream, rng):
    """forward_pass through the lesson's 3 -> 3 -> 3 -> 2 network gives the reference's output for a batch"""
    parameters = reference.init_parameters(LESSON_SIZES, int(rng.integers(0, 1000)))
    X = rng.normal(size=(3, int(rng.integers(2, 7))))
    for names in (["linear", "linear", "linear"], ["tanh", "tanh", "sigmoid"]):
        _check_pass(student, reference, upstream, X, parameters, names)


@pytest.mark.points(3)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_matches_reference_on_random_networks(student, reference, upstream, rng):
    """forward_pass matches the reference, output and caches, on random networks of several sizes"""
    for layers, m in ((2, int(rng.integers(2, 8))), (3, 1), (1, int(rng.integers(2, 5))), (3, int(rng.integers(2, 6)))):
        sizes = _sizes(rng, layers)
        parameters = _network(rng, sizes)
        X = rng.normal(size=(sizes[0], m))
        _check_pass(student, reference, upstream, X, parameters, _names(rng, layers), caches=True)


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_accepts_integer_input(student, reference, upstream, rng):
    """forward_pass on an integer X returns a float64 output"""
    sizes = _sizes(rng, 2)
    parameters = reference.init_parameters(sizes, int(rng.integers(0, 1000)))
    X = rng.integers(-2, 3, size=(sizes[0], int(rng.integers(2, 6))))
    _check_pass(
        student,
        reference,
        upstream,
        X,
        parameters,
        ["linear", str(rng.choice(NAMES))],
        hint="convert X to float64 first: np.asarray(X, dtype=float)",
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_a_batch_gives_the_same_output_as_its_samples_one_at_a_time(student, reference, upstream, rng):
    """forward_pass on a batch equals the reference, and forward_pass on each column alone (samples are columns)"""
    sizes = _sizes(rng, 2)
    sizes[-1] = max(sizes[-1], 2)
    parameters = _network(rng, sizes)
    names = ["tanh", "linear"]
    X = rng.normal(size=(sizes[0], int(rng.integers(3, 7))))
    batch = _check_pass(student, reference, upstream, X, parameters, names)
    batch_call = student.last_call
    for j in range(X.shape[1]):
        column = X[:, j : j + 1]
        check_downstream(
            student,
            "forward_pass",
            column,
            parameters,
            names,
            judge=lambda single, j=j: expect_close(
                single[0] if isinstance(single, tuple) else single,
                batch[0][:, j : j + 1],
                call=student.last_call + f" against column {j} of " + batch_call,
                rtol=1e-9,
                atol=1e-12,
                hint="each sample (column) must be computed independently of the others: no sums or means over axis 1",
            ),
            helpers=lambda column=column: _pass_helpers(student, reference, upstream, column, parameters, names),
            given_upstream=_given_layers(upstream, reference, column, parameters, names, caches=False),
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_rejects_mismatched_activation_names(student, reference, upstream, rng):
    """forward_pass raises ValueError when the activation names and layers differ in number (and works otherwise)"""
    sizes = _sizes(rng, int(rng.integers(2, 4)))
    parameters = reference.init_parameters(sizes, int(rng.integers(0, 1000)))
    count = int(rng.choice([n for n in range(1, len(sizes) + 1) if n != len(sizes) - 1]))
    X = rng.normal(size=(sizes[0], 3))
    _check_pass(student, reference, upstream, X, parameters, _names(rng, len(parameters)))  # not ValueError always
    try:
        got = student.call("forward_pass", X, parameters, _names(rng, count), _readonly=True)
    except StudentRaised as error:
        expect(
            error.type_name == "ValueError",
            student.last_call,
            f"raised {error.type_name}, expected ValueError",
            hint="check len(activation_names) == len(parameters) first",
        )
        return
    fail(
        f"{student.last_call}\n  returned {abbreviate(got)}, expected a ValueError",
        hint="check len(activation_names) == len(parameters) first, and raise ValueError if not",
    )
