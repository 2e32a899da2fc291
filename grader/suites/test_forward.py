"""Hidden suite: the forward pass (lesson: "Multi-Layer Neural Network", "Forward Propagation").

Conventions under test: W (n_out, n_in), b (n_out, 1), samples as columns (X (n_in, m));
parameters a list of {"W", "b"}; a layer cache {"A_prev", "Z", "W", "b", "activation"}.
Values are compared in float64 within RTOL/ATOL. Layers that apply sigmoid, relu or tanh use
the student's activations.py: when such a test fails and the student's activation function
(as imported into forward.py) is itself wrong, the message names it as the cause.
"""

import numpy as np
import pytest

from grader.grading.checks import blame_upstream, expect, expect_close, expect_close_downstream, fail
from grader.grading.feedback import abbreviate, difference
from grader.reference import activations as reference_activations
from grader.sandbox.errors import StudentCodeError, StudentRaised

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


def _activation_blame(student, pairs, user):
    """A blame function naming the student's activation function that is wrong on these Z."""
    return blame_upstream(
        student,
        user,
        [(name, (Z,), getattr(reference_activations, name)(Z), "activations") for name, Z in pairs if name != "linear"],
        rtol=RTOL,
        atol=ATOL,
    )


def _student_activation(student, name, Z):
    """The student's activations.<name>(Z) as forward.py imported it, when reachable and unlike the
    reference; None otherwise (then the reference is the only expectation)."""
    if name == "linear":
        return None
    try:
        got = student.call(name, Z, _readonly=True)
    except StudentCodeError:
        return None
    if not isinstance(got, np.ndarray) or got.shape != np.shape(Z):
        return None
    if difference(got, getattr(reference_activations, name)(Z), rtol=RTOL, atol=ATOL) is None:
        return None
    return got


def _pass_given_upstream(student, reference, X, parameters, names):
    """(AL, caches) of forward_pass computed with the student's activation functions, or None."""
    A, caches, changed = X, [], False
    for layer, name in zip(parameters, names, strict=True):
        A_next, cache = reference.dense_layer(A, layer["W"], layer["b"], name)
        student_A = _student_activation(student, name, cache["Z"])
        changed = changed or student_A is not None
        A = A_next if student_A is None else student_A
        caches.append(cache)
    return (A, caches) if changed else None


def _network(rng, sizes):
    return [
        {"W": rng.normal(size=(n_out, n_in)), "b": rng.normal(size=(n_out, 1))}
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def _given(student, reference, X, parameters, names):
    """A memoised _pass_given_upstream, as (AL or None, caches or None)."""
    memo = []

    def get():
        if not memo:
            memo.append(_pass_given_upstream(student, reference, X, parameters, names) or (None, None))
        return memo[0]

    return get


def _pairs_of(caches):
    return [(c["activation"], c["Z"]) for c in caches]


@pytest.mark.points(1)
@pytest.mark.lesson("Multi-Layer Neural Network: Architecture")
def test_init_parameters_shapes_for_the_lesson_network(student):
    """init_parameters gives W (n_out, n_in) and zero b (n_out, 1) for the lesson's 3 -> 3 -> 3 -> 2 network"""
    got = student.init_parameters([3, 4, 5, 2], 0)
    call = student.last_call
    expect(
        isinstance(got, list) and len(got) == 3,
        call,
        f"expected a list of 3 layer dicts, got {abbreviate(got)}",
        hint=INIT_HINT,
    )
    for index, (n_in, n_out) in enumerate([(3, 4), (4, 5), (5, 2)]):
        layer = got[index]
        expect(
            isinstance(layer, dict) and {"W", "b"} <= set(layer),
            call,
            f"layer {index}: expected a dict with keys 'W' and 'b', got {abbreviate(layer)}",
            hint=INIT_HINT,
        )
        for key, shape in (("W", (n_out, n_in)), ("b", (n_out, 1))):
            value = layer[key]
            expect(
                isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating),
                call,
                f"layer {index} {key}: expected a float array, got {abbreviate(value)}",
                hint=INIT_HINT,
            )
            expect_close_downstream(value.shape, shape, call=f"{call}[{index}][{key!r}].shape", hint=INIT_HINT)
        expect(not np.any(layer["b"]), call, f"layer {index}: the biases should start at zero", hint=INIT_HINT)


@pytest.mark.points(2)
@pytest.mark.lesson("Multi-Layer Neural Network: Architecture")
def test_init_parameters_matches_reference_draws(student, reference):
    """init_parameters draws exactly the reference's weights for a seed, and other weights for another seed"""
    for sizes, seed in ((LESSON_SIZES, 0), ([4, 2, 5, 1], 7), ([2, 3, 1], 1)):
        got = student.init_parameters(sizes, seed)
        expect_close_downstream(got, reference.init_parameters(sizes, seed), call=student.last_call, hint=INIT_HINT)
    got = student.init_parameters([2, 3, 1])
    expect_close_downstream(
        got,
        reference.init_parameters([2, 3, 1], 0),
        call=student.last_call,
        hint="the seed defaults to 0: def init_parameters(layer_sizes, seed=0)",
    )
    other = student.init_parameters(LESSON_SIZES, 1)
    expect(
        not np.allclose(other[0]["W"], reference.init_parameters(LESSON_SIZES, 0)[0]["W"]),
        student.last_call,
        "seed 1 gave the same weights as seed 0: use the seed argument",
        hint=INIT_HINT,
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
def test_activate_chooses_the_function_by_name(student, reference):
    """activate applies sigmoid, relu, tanh or linear, chosen by name, to an array read-only"""
    rng = np.random.default_rng(40)
    for name in NAMES:
        Z = rng.normal(scale=2.0, size=(3, 4))
        got = student.call("activate", Z, name, _readonly=True)
        expect_close_downstream(
            got,
            reference.activate(Z, name),
            call=student.last_call,
            hint=f"activate(Z, {name!r}) should apply {name} to every element"
            + (" (linear: f(z) = z, a float copy of Z)" if name == "linear" else ""),
            blame=_activation_blame(student, [(name, Z)], "forward.activate"),
            given_upstream=lambda name=name, Z=Z: _student_activation(student, name, Z),
        )
    Z = np.array([[-2, 0, 3]])
    expect_close_downstream(
        student.call("activate", Z, "linear", _readonly=True),
        np.array([[-2.0, 0.0, 3.0]]),
        call=student.last_call,
        hint="return floats: np.asarray(Z, dtype=float)",
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Activation Functions")
def test_activate_rejects_an_unknown_name(student):
    """activate raises ValueError for a name it does not know"""
    try:
        got = student.activate(np.zeros((2, 2)), "softplus")
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
@pytest.mark.lesson("Perceptron: Example: AND Gate (Verification)")
def test_dense_layer_reproduces_the_and_gate_verification(student):
    """dense_layer on the lesson's AND-gate perceptron gives its z for the four inputs, and sigmoid(z)"""
    got = student.call("dense_layer", AND_X, AND_W, AND_B, "linear", _readonly=True)
    call = student.last_call
    expect(
        isinstance(got, tuple) and len(got) == 2,
        call,
        f"expected a tuple (A, cache), got {abbreviate(got)}",
        hint="return A, cache",
    )
    expect_close_downstream(got[0], AND_Z, call=call, hint=LAYER_HINT)
    got = student.call("dense_layer", AND_X, AND_W, AND_B, "sigmoid", _readonly=True)
    expect_close_downstream(
        got[0],
        AND_SIGMOID,
        call=student.last_call,
        hint=LAYER_HINT,
        blame=_activation_blame(student, [("sigmoid", AND_Z)], "forward.dense_layer"),
        given_upstream=lambda: _student_activation(student, "sigmoid", AND_Z),
    )


@pytest.mark.points(3)
@pytest.mark.lesson("Forward Propagation")
def test_dense_layer_matches_reference_on_random_layers(student, reference):
    """dense_layer matches the reference for non-square W, non-zero b, one sample and a batch, every activation"""
    rng = np.random.default_rng(41)
    for (n_in, n_out, m), name in zip([(3, 2, 1), (4, 3, 5), (2, 5, 7), (5, 4, 1)], NAMES, strict=True):
        A_prev, W, b = rng.normal(size=(n_in, m)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1))
        expected, cache = reference.dense_layer(A_prev, W, b, name)
        got = student.call("dense_layer", A_prev, W, b, name, _readonly=True)
        call = student.last_call
        expect(
            isinstance(got, tuple) and len(got) == 2,
            call,
            f"expected a tuple (A, cache), got {abbreviate(got)}",
            hint="return A, cache",
        )
        expect_close_downstream(
            got[0],
            expected,
            call=call,
            hint=LAYER_HINT,
            blame=_activation_blame(student, [(name, cache["Z"])], "forward.dense_layer"),
            given_upstream=lambda name=name, Z=cache["Z"]: _student_activation(student, name, Z),
        )


@pytest.mark.points(2)
@pytest.mark.lesson("Backpropagation: How Networks Learn")
def test_dense_layer_cache_holds_what_backprop_needs(student, reference):
    """dense_layer's cache is {"A_prev", "Z", "W", "b", "activation"} with float arrays"""
    rng = np.random.default_rng(42)
    A_prev, W, b = rng.integers(-3, 4, size=(3, 4)), rng.normal(size=(2, 3)), rng.normal(size=(2, 1))
    _, expected = reference.dense_layer(A_prev, W, b, "tanh")
    got = student.call("dense_layer", A_prev, W, b, "tanh", _readonly=True)
    call = student.last_call
    cache = got[1] if isinstance(got, tuple) and len(got) == 2 else None
    expect(
        isinstance(cache, dict),
        call,
        f"expected (A, cache) with cache a dict, got {abbreviate(got)}",
        hint='cache = {"A_prev": A_prev, "Z": Z, "W": W, "b": b, "activation": activation}',
    )
    extra = sorted(set(cache) - set(expected), key=str)
    expect(not extra, call, f"unexpected cache keys {extra}: use exactly A_prev, Z, W, b, activation")
    expect_close_downstream(
        cache,
        expected,
        call=call + "[1]",
        hint="Z is W @ A_prev + b before the activation; store the arrays as float64 (np.asarray(x, dtype=float))",
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_dense_layer_single_sample_keeps_the_column_shape(student, reference):
    """dense_layer on one sample (a column (n_in, 1)) returns a column (n_out, 1)"""
    x, W, b = (
        np.array([[1.0], [-2.0], [0.5]]),
        np.array([[0.2, -0.4, 1.0], [0.7, 0.1, -0.3]]),
        np.array([[0.1], [-0.2]]),
    )
    got = student.call("dense_layer", x, W, b, "linear", _readonly=True)
    expect_close_downstream(
        got[0] if isinstance(got, tuple) else got,
        reference.dense_layer(x, W, b, "linear")[0],
        call=student.last_call,
        hint="keep b as a column (n_out, 1): do not flatten it",
    )


@pytest.mark.points(2)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_on_the_lesson_network(student, reference):
    """forward_pass through the lesson's 3 -> 3 -> 3 -> 2 network gives the reference's output for a batch"""
    parameters = reference.init_parameters(LESSON_SIZES, 0)
    X = np.random.default_rng(43).normal(size=(3, 4))
    for names in (["linear", "linear", "linear"], ["tanh", "tanh", "sigmoid"]):
        expected, caches = reference.forward_pass(X, parameters, names)
        got = student.call("forward_pass", X, parameters, names, _readonly=True)
        call = student.last_call
        expect(
            isinstance(got, tuple) and len(got) == 2,
            call,
            f"expected (AL, caches), got {abbreviate(got)}",
            hint="return AL, caches",
        )
        given = _given(student, reference, X, parameters, names)
        expect_close_downstream(
            got[0],
            expected,
            call=call,
            hint=PASS_HINT,
            blame=_activation_blame(student, _pairs_of(caches), "forward.forward_pass"),
            given_upstream=lambda given=given: given()[0],
        )


@pytest.mark.points(3)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_matches_reference_on_random_networks(student, reference):
    """forward_pass matches the reference, output and caches, on random networks of several sizes"""
    rng = np.random.default_rng(44)
    for sizes, names, m in (
        ([2, 4, 1], ["relu", "sigmoid"], 6),
        ([4, 3, 5, 2], ["tanh", "relu", "linear"], 1),
        ([3, 2], ["sigmoid"], 3),
        ([1, 3, 3, 3], ["relu", "tanh", "sigmoid"], 5),
    ):
        parameters = _network(rng, sizes)
        X = rng.normal(size=(sizes[0], m))
        expected = reference.forward_pass(X, parameters, names)
        got = student.call("forward_pass", X, parameters, names, _readonly=True)
        call = student.last_call
        expect(
            isinstance(got, tuple) and len(got) == 2,
            call,
            f"expected (AL, caches), got {abbreviate(got)}",
            hint="return AL, caches",
        )
        blame = _activation_blame(student, _pairs_of(expected[1]), "forward.forward_pass")
        given = _given(student, reference, X, parameters, names)
        expect_close_downstream(
            got[0], expected[0], call=call, hint=PASS_HINT, blame=blame, given_upstream=lambda given=given: given()[0]
        )
        expect_close_downstream(
            got[1],
            expected[1],
            call=call + "[1] (the caches)",
            blame=blame,
            given_upstream=lambda given=given: given()[1],
            hint="caches: one dict per layer, first layer first, as dense_layer returns it",
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_accepts_integer_input(student, reference):
    """forward_pass on an integer X returns a float64 output"""
    parameters = reference.init_parameters([2, 3, 1], 3)
    got = student.call("forward_pass", AND_X, parameters, ["linear", "linear"], _readonly=True)
    expected = reference.forward_pass(AND_X, parameters, ["linear", "linear"])[0]
    expect_close_downstream(
        got[0] if isinstance(got, tuple) else got,
        expected,
        call=student.last_call,
        hint="convert X to float: np.asarray(X, dtype=float)",
    )


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_a_batch_gives_the_same_output_as_its_samples_one_at_a_time(student):
    """forward_pass on a batch equals forward_pass on each column alone (samples are columns)"""
    rng = np.random.default_rng(45)
    parameters = _network(rng, [3, 4, 2])
    X = rng.normal(size=(3, 5))
    batch = student.call("forward_pass", X, parameters, ["tanh", "linear"], _readonly=True)
    batch_call = student.last_call
    expect(
        isinstance(batch, tuple) and isinstance(batch[0], np.ndarray) and batch[0].shape == (2, 5),
        batch_call,
        f"expected AL of shape (2, 5), got {abbreviate(batch[0] if isinstance(batch, tuple) else batch)}",
        hint=PASS_HINT,
    )
    for j in range(X.shape[1]):
        single = student.call("forward_pass", X[:, j : j + 1], parameters, ["tanh", "linear"], _readonly=True)
        expect_close(
            single[0],
            batch[0][:, j : j + 1],
            call=f"{student.last_call} against column {j} of {batch_call}",
            rtol=1e-9,
            atol=1e-12,
            hint="each sample (column) must be computed independently of the others",
        )


@pytest.mark.points(1)
@pytest.mark.lesson("Forward Propagation")
def test_forward_pass_rejects_mismatched_activation_names(student, reference):
    """forward_pass raises ValueError when there are not as many activation names as layers"""
    parameters = reference.init_parameters([2, 3, 1], 0)
    try:
        got = student.call("forward_pass", AND_X, parameters, ["tanh"], _readonly=True)
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
