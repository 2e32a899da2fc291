"""Points are fair: the same correct code scores full marks under every attempt's seed, a planted
mistake costs points where it is, and wrong code earns nothing by tricks.

These grade trusted code (the reference, mistakes planted in it, hand-written tricks) in this
process with `grader.suites.inprocess`, the same hidden suites without a sandbox, so that
hundreds of attempts take seconds; tests/test_course.py grades through the sandbox.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib
import importlib.util
import multiprocessing
import pickle
import re
import sys
import textwrap
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.grading import scoring
from grader.grading.exercises import COURSE_ORDER
from grader.records import TestOutcome
from grader.suites.inprocess import grade_sources, open_sources, reference_sources

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = reference_sources()
STUBS = {name: (ROOT / "exercises" / f"{name}.py").read_text() for name in COURSE_ORDER}
ALTERNATIVE = {name: (ROOT / "tests" / "alternative" / f"{name}.py").read_text() for name in COURSE_ORDER}


@functools.cache
def _collateral() -> Any:
    """bench/collateral.py, whose catalogue of mistakes and split of lost points these tests share."""
    spec = importlib.util.spec_from_file_location("bench_collateral", ROOT / "bench" / "collateral.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _scores(tests: Mapping[str, list[TestOutcome]]) -> dict[str, tuple[float, float]]:
    return {name: scoring.exercise_score(outcomes) for name, outcomes in tests.items()}


def _failures(tests: Mapping[str, list[TestOutcome]]) -> list[str]:
    return [f"{t.id}: {t.message}" for outcomes in tests.values() for t in outcomes if t.outcome != "passed"]


def _passed(tests: Mapping[str, list[TestOutcome]]) -> set[str]:
    return {t.id for outcomes in tests.values() for t in outcomes if t.outcome == "passed"}


def _planted(exercise: str, old: str, new: str, base: Mapping[str, str] = REFERENCE) -> dict[str, str]:
    sources = dict(base)
    assert old in sources[exercise], f"the planted text no longer matches {exercise}.py"
    sources[exercise] = sources[exercise].replace(old, new, 1)
    return sources


class Recorder:
    """A pytest plugin beside the runner's: which tests are lesson examples, and which calls
    each of the other tests made into `modules` (the `calls` an `InProcessModule` keeps)."""

    def __init__(self, modules: Mapping[str, Any] | None = None) -> None:
        self.modules = modules or {}
        self.examples: set[str] = set()
        self.hidden_calls: dict[str, list[tuple[str, tuple[Any, ...], dict[str, Any]]]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        test_id = f"{Path(str(item.path)).stem.removeprefix('test_')}::{item.name}"
        if item.get_closest_marker("lesson_example"):
            self.examples.add(test_id)
        starts = {name: len(module.calls) for name, module in self.modules.items()}
        yield
        if test_id not in self.examples:
            for name, module in self.modules.items():
                self.hidden_calls.setdefault(name, []).extend(module.calls[starts[name] :])


def _lesson_examples() -> set[str]:
    recorder = Recorder()
    grade_sources(REFERENCE, seed=0, plugins=[recorder])
    return recorder.examples


# -- the same code, the same grade ------------------------------------------------------------


def _failures_under(sources: Mapping[str, str], exercise: str | None, seeds: range) -> list[str]:
    found = []
    for seed in seeds:
        names = None if exercise is None else [exercise]
        found += [f"seed {seed}: {f}" for f in _failures(grade_sources(sources, names, seed=seed))]
    return found


def _failures_under_seeds(sources: Mapping[str, str], exercise: str | None, seeds: range) -> list[str]:
    """The failed tests of `sources` under every seed, graded by two processes (CI has two cores)."""
    halves = [seeds[0::2], seeds[1::2]]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        return [f for found in pool.map(_failures_under, [sources] * 2, [exercise] * 2, halves) for f in found]


@pytest.mark.slow
def test_the_reference_scores_full_marks_in_every_exercise_under_two_hundred_attempt_seeds() -> None:
    failures = _failures_under_seeds(REFERENCE, None, range(200))
    assert not failures, failures[:5]


@pytest.mark.slow
def test_a_correct_solution_written_differently_scores_full_marks_under_many_seeds() -> None:
    failures = _failures_under_seeds(ALTERNATIVE, None, range(1000, 1020))
    assert not failures, failures[:5]


@pytest.mark.parametrize("seed", [3, 77, 2**40 + 5])
def test_the_stubs_score_nothing_under_any_seed(seed: int) -> None:
    scores = _scores(grade_sources(STUBS, seed=seed))
    assert scores == {name: (0.0, scores[name][1]) for name in COURSE_ORDER}
    assert all(maximum > 0 for _, maximum in scores.values())


def test_the_lesson_examples_carry_a_minority_of_every_exercises_points() -> None:
    examples = _lesson_examples()
    tests = grade_sources(REFERENCE, seed=1)
    for name, outcomes in tests.items():
        fixed = sum(t.max_points for t in outcomes if t.id in examples)
        assert 0 < fixed < sum(t.max_points for t in outcomes) / 2, name


# -- one mistake, charged where it is ----------------------------------------------------------


@pytest.mark.parametrize("index", range(len(_collateral().CATALOGUE)))
def test_a_planted_mistake_costs_at_most_two_points_outside_its_own_tests(index: int) -> None:
    collateral = _collateral()
    mistake = collateral.catalogue()[index]
    for seed in (11, 12):
        tests = grade_sources(
            collateral.workspace_sources(mistake), collateral.later_exercises(mistake.exercise), seed=seed
        )
        lost = {t.id: t.max_points - t.points for outcomes in tests.values() for t in outcomes}
        own, elsewhere = collateral.split(mistake, lost)
        assert own > 0, f"{mistake.description} was not caught"
        assert elsewhere <= 2, (mistake.description, {t: p for t, p in lost.items() if p})
        assert not [f for f in _failures(tests) if "the grader could not check" in f]


def test_a_wrong_helper_gives_way_to_the_reference_and_the_function_that_calls_it_keeps_its_points() -> None:
    """train built on a wrong backward_pass: backward_pass loses its points, train keeps its own."""
    sources = _planted("backprop", "dA = loss_gradient(AL, Y)\n", "dA = 0.5 * loss_gradient(AL, Y)\n")
    tests = grade_sources(sources, ["backprop"], seed=5)
    failed = {t.id.split("::")[1].split("[")[0] for t in tests["backprop"] if t.outcome != "passed"}
    assert failed and all("backward" in name or "whole_network" in name or "batch_gradient" in name for name in failed)


@pytest.mark.parametrize(
    "exercise, old, new",
    [
        pytest.param(
            "backprop",
            "    return dA_prev, dW, db\n",
            "    import collections\n\n    return collections.namedtuple('Grads', 'dA_prev dW db')(dA_prev, dW, db)\n",
            id="layer_backward returns a namedtuple",
        ),
        pytest.param(
            "forward",
            '        parameters.append({"W": W, "b": np.zeros((n_out, 1))})\n',
            "        from collections import OrderedDict\n\n"
            "        parameters.append(OrderedDict(W=W, b=np.zeros((n_out, 1))))\n",
            id="init_parameters makes OrderedDicts",
        ),
        pytest.param(
            "backprop",
            "    return float(np.sum((AL - Y) ** 2) / m)\n",
            "    return np.squeeze(np.sum((AL - Y) ** 2, keepdims=True) / m)\n",
            id="loss returns np.squeeze's 0-d array",
        ),
    ],
)
def test_the_documented_data_in_another_container_scores_full_marks(exercise: str, old: str, new: str) -> None:
    """A namedtuple is a tuple, an OrderedDict a dict, a 0-d float array a loss that the loss tests
    accept: a function that answers one of them is not charged, nor is any function built on it."""
    tests = grade_sources(_planted(exercise, old, new), [exercise, *_collateral().later_exercises(exercise)], seed=4)
    assert not _failures(tests)


def test_a_helper_reached_through_a_table_of_functions_gives_way_to_the_reference() -> None:
    """sigmoid without its return: activate and activation_derivative reach it through tables built
    at import (ACTIVATIONS, DERIVATIVES); the reference's sigmoid stands in there too."""
    sources = _planted(
        "activations",
        "    return _result(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))\n",
        "    _result(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))\n",
    )
    tests = grade_sources(sources, ["activations", "forward", "backprop"], seed=6)
    scores = _scores(tests)
    assert scores["activations"][0] < scores["activations"][1]
    assert scores["forward"][0] == scores["forward"][1] and scores["backprop"][0] == scores["backprop"][1]


def test_gradient_step_that_rewrites_the_dicts_it_was_given_fails_its_own_test() -> None:
    """The docstring: the parameters passed in are left unchanged. Assigning into their dicts is
    not writing into a read-only array, and the grader sees it in the arguments after the call."""
    sources = _planted(
        "backprop",
        """    return [
        {"W": layer["W"] - learning_rate * grad["W"], "b": layer["b"] - learning_rate * grad["b"]}
        for layer, grad in zip(parameters, gradients, strict=True)
    ]
""",
        """    for layer, grad in zip(parameters, gradients, strict=True):
        layer["W"] = layer["W"] - learning_rate * grad["W"]
        layer["b"] = layer["b"] - learning_rate * grad["b"]
    return parameters
""",
    )
    tests = grade_sources(sources, ["backprop"], seed=7)
    failed = [t for t in tests["backprop"] if t.outcome != "passed"]
    assert [t.id for t in failed] == ["backprop::test_gradient_step_returns_new_parameters_and_leaves_its_input_alone"]
    assert "changed the parameters it was given" in failed[0].message


# -- no points by tricks ------------------------------------------------------------------------

IDENTITY_SHADOWS = "def sigmoid(z):\n    return np.asarray(z, dtype=np.float64) * 1.0\n\n\nrelu = tanh = sigmoid\n"
ZERO_DERIVATIVES = (
    "def sigmoid_derivative(z):\n    return np.zeros(np.shape(z))\n\n\n"
    "relu_derivative = tanh_derivative = sigmoid_derivative\n"
)


@pytest.mark.parametrize("substitution", [True, False], ids=["with upcalls", "without upcalls"])
@pytest.mark.parametrize("activations", ["reference", "stubs"])
def test_a_forward_module_that_shadows_its_activations_gains_nothing(activations: str, substitution: bool) -> None:
    base = dict(REFERENCE, activations=(REFERENCE if activations == "reference" else STUBS)["activations"])
    honest = _scores(grade_sources(open_sources(base, substitution=substitution), ["forward"], seed=8))["forward"]
    shadowed = _planted("forward", "from activations import relu, sigmoid, tanh\n", IDENTITY_SHADOWS, base)
    tests = grade_sources(open_sources(shadowed, substitution=substitution), ["forward"], seed=8)
    assert _scores(tests)["forward"][0] <= honest[0]
    if activations == "reference":  # the expected value comes from the graded activations, not forward's names
        assert "forward::test_activate_chooses_the_function_by_name" not in _passed(tests)


@pytest.mark.parametrize("substitution", [True, False], ids=["with upcalls", "without upcalls"])
@pytest.mark.parametrize("activations", ["reference", "stubs"])
def test_a_backprop_module_that_shadows_its_derivatives_gains_nothing(activations: str, substitution: bool) -> None:
    base = dict(REFERENCE, activations=(REFERENCE if activations == "reference" else STUBS)["activations"])
    honest = _scores(grade_sources(open_sources(base, substitution=substitution), ["backprop"], seed=9))["backprop"]
    shadowed = _planted(
        "backprop",
        "from activations import relu_derivative, sigmoid_derivative, tanh_derivative\n",
        ZERO_DERIVATIVES,
        base,
    )
    tests = grade_sources(open_sources(shadowed, substitution=substitution), ["backprop"], seed=9)
    assert _scores(tests)["backprop"][0] <= honest[0]
    if activations == "reference":
        assert "backprop::test_activation_derivative_by_name" not in _passed(tests)


def test_train_that_returns_fixed_weights_and_made_up_losses_earns_nothing() -> None:
    from grader.reference import backprop

    X, xor = np.array([[0, 0, 1, 1], [0, 1, 0, 1]]), np.array([[0, 1, 1, 0]])
    parameters, _ = backprop.train(X, xor, [2, 3, 1], ["tanh", "sigmoid"], learning_rate=2.0, max_steps=300)
    table = base64.b64encode(pickle.dumps(parameters)).decode()
    fake = STUBS["backprop"] + textwrap.dedent(
        f"""
        import base64 as _b, pickle as _p

        def train(X, Y, layer_sizes, activation_names, learning_rate=1.0, max_steps=1000, tol=1e-9, seed=0):
            losses = [0.25 * 0.98**k for k in range(max_steps)]
            return _p.loads(_b.b64decode({table!r})), losses
        """
    )
    scores = _scores(grade_sources(dict(REFERENCE, backprop=fake), ["backprop"], seed=10))
    assert scores["backprop"][0] == 0


ZEROS = {
    "perceptron": """
        import numpy as np
        def weighted_sum(inputs, weights, bias): return 0.0
        def step(z, threshold=0.0): return 0
        def perceptron(inputs, weights, bias, threshold=0.0): return 0
        def and_gate(x1, x2): return 0
        def predict(X, weights, bias, threshold=0.0): return np.zeros(np.shape(X)[1], dtype=int)
        def train_perceptron(X, y, learning_rate=0.1, epochs=100): return np.zeros(np.shape(X)[0]), 0.0
    """,
    "activations": """
        import numpy as np
        def _zero(z): return 0.0 if np.ndim(z) == 0 else np.zeros(np.shape(z))
        sigmoid = sigmoid_derivative = relu = relu_derivative = tanh = tanh_derivative = _zero
    """,
    "forward": """
        import numpy as np
        def init_parameters(layer_sizes, seed=0):
            return [{"W": np.zeros((o, i)), "b": np.zeros((o, 1))} for i, o in zip(layer_sizes[:-1], layer_sizes[1:])]
        def activate(Z, name): return np.zeros(np.shape(Z))
        def dense_layer(A_prev, W, b, activation):
            Z = np.zeros((np.shape(W)[0], np.shape(A_prev)[1]))
            return Z, {"A_prev": np.zeros(np.shape(A_prev)), "Z": Z, "W": np.zeros(np.shape(W)),
                       "b": np.zeros(np.shape(b)), "activation": activation}
        def forward_pass(X, parameters, activation_names):
            m = np.shape(X)[1]
            caches = [dense_layer(np.zeros((np.shape(p["W"])[1], m)), p["W"], p["b"], name)[1]
                      for p, name in zip(parameters, activation_names)]
            return np.zeros((np.shape(parameters[-1]["W"])[0], m)), caches
    """,
    "backprop": """
        import numpy as np
        from forward import init_parameters
        def loss(AL, Y): return 0.0
        def loss_gradient(AL, Y): return np.zeros(np.shape(AL))
        def activation_derivative(Z, name): return np.zeros(np.shape(Z))
        def layer_backward(dA, cache):
            return np.zeros(np.shape(cache["A_prev"])), np.zeros(np.shape(cache["W"])), np.zeros(np.shape(cache["b"]))
        def backward_pass(AL, Y, caches):
            return [{"W": np.zeros(np.shape(c["W"])), "b": np.zeros(np.shape(c["b"]))} for c in caches]
        def gradient_step(parameters, gradients, learning_rate):
            return [{"W": np.array(p["W"]), "b": np.array(p["b"])} for p in parameters]
        def train(X, Y, layer_sizes, activation_names, learning_rate=1.0, max_steps=1000, tol=1e-9, seed=0):
            return init_parameters(layer_sizes, seed), [0.0]
    """,
}


@pytest.mark.parametrize("seed", [21, 22])
@pytest.mark.parametrize("substitution", [True, False], ids=["with upcalls", "without upcalls"])
def test_functions_that_answer_zeros_of_the_right_shape_earn_nothing(seed: int, substitution: bool) -> None:
    sources = {name: textwrap.dedent(text) for name, text in ZEROS.items()}
    tests = grade_sources(open_sources(sources, substitution=substitution), seed=seed)
    assert _scores(tests) == {name: (0.0, _scores(tests)[name][1]) for name in COURSE_ORDER}, _passed(tests)


def _every_function_is(prelude: str, each: str) -> dict[str, str]:
    """For each exercise, a module of `prelude` that defines every function of the stub as `each`
    (formatted with the function's name: `"_lookup({!r})"`)."""
    sources = {}
    for name, text in STUBS.items():
        functions = re.findall(r"^def (\w+)\(", text, flags=re.MULTILINE)
        sources[name] = prelude + "\n\n" + "".join(f"{function} = {each.format(function)}\n" for function in functions)
    return sources


@pytest.mark.parametrize("substitution", [True, False], ids=["with upcalls", "without upcalls"])
def test_functions_that_answer_their_input_earn_nothing(substitution: bool) -> None:
    """Identity everywhere: a constant-free cousin of the zeros, which also meets every symmetry."""
    sources = _every_function_is("def _same(*args, **kwargs):\n    return args[0] if args else None\n", "_same")
    tests = grade_sources(open_sources(sources, substitution=substitution), seed=23)
    assert all(score == 0 for score, _ in _scores(tests).values()), _passed(tests)


@pytest.mark.parametrize("substitution", [True, False], ids=["with upcalls", "without upcalls"])
def test_functions_that_always_raise_value_error_earn_nothing(substitution: bool) -> None:
    """Tests of "raises ValueError for a bad name" check the good names too."""
    sources = _every_function_is("def _refuse(*args, **kwargs):\n    raise ValueError('no')\n", "_refuse")
    tests = grade_sources(open_sources(sources, substitution=substitution), seed=24)
    assert all(score == 0 for score, _ in _scores(tests).values()), _passed(tests)


# -- hidden inputs a student cannot harvest -------------------------------------------------------

TABLE_MODULE = """
import base64, hashlib, pickle
import numpy as np

def _key(value):
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _key(v)) for k, v in value.items())))
    if isinstance(value, float):
        return ("float", value.hex())
    return (type(value).__name__, repr(value))

def _digest(function, args, kwargs):
    return hashlib.sha256(repr((function, _key(list(args)), _key(dict(kwargs)))).encode()).hexdigest()

_TABLE = pickle.loads(base64.b64decode(TABLE))

def _lookup(function):
    def answer(*args, **kwargs):
        key = _digest(function, args, kwargs)
        if key not in _TABLE:
            raise NotImplementedError
        if isinstance(_TABLE[key], Exception):
            raise _TABLE[key]
        return _TABLE[key]
    return answer
"""


def _harvested_tables(seeds: list[int]) -> dict[str, str]:
    """For each exercise, a module answering every call that the hidden tests (not the lesson
    examples) made under `seeds`, with the reference's answer: all that feedback could ever let
    a student collect from those attempts."""
    namespace: dict[str, Any] = {"TABLE": base64.b64encode(pickle.dumps({})).decode()}
    exec(TABLE_MODULE, namespace)
    tables: dict[str, dict[str, Any]] = {name: {} for name in COURSE_ORDER}
    for seed in seeds:
        modules = open_sources(REFERENCE)
        recorder = Recorder(modules)
        grade_sources(modules, seed=seed, plugins=[recorder])
        for name, calls in recorder.hidden_calls.items():
            reference = importlib.import_module(f"grader.reference.{name}")
            for function, args, kwargs in calls:
                try:
                    answer = getattr(reference, function)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
                except ValueError as error:  # the table raises it too
                    answer = error
                tables[name][namespace["_digest"](function, args, kwargs)] = answer
    return {
        name: _every_function_is(
            f"TABLE = {base64.b64encode(pickle.dumps(tables[name])).decode()!r}\n{TABLE_MODULE}", "_lookup({!r})"
        )[name]
        for name in COURSE_ORDER
    }


def test_a_lookup_table_of_harvested_hidden_calls_scores_nothing_in_another_attempt() -> None:
    examples = _lesson_examples()
    tables = _harvested_tables([31, 32])
    same_attempt = grade_sources(tables, seed=31)
    assert sum(score for score, _ in _scores(same_attempt).values()) > 50  # the table works where harvested
    other_attempt = grade_sources(tables, seed=33)
    assert _passed(other_attempt) <= examples


def test_two_attempts_at_the_same_wrong_code_show_different_inputs_and_the_same_score() -> None:
    sources = _planted("activations", "np.where(_floats(z) > 0, 1.0, 0.0)", "np.where(_floats(z) >= 0, 1.0, 0.0)")
    first, second = (grade_sources(sources, ["activations"], seed=seed) for seed in (41, 42))
    assert _scores(first) == _scores(second)
    messages = [{t.id: t.message for t in tests["activations"] if t.outcome != "passed"} for tests in (first, second)]
    test_id = "activations::test_matches_reference_on_random_arrays[relu_derivative]"
    assert messages[0][test_id] != messages[1][test_id]
    assert grade_sources(sources, ["activations"], seed=41) == first  # and the same seed repeats them exactly


SWITCHING_DERIVATIVES = """

_AFTER_OWN_TESTS = [False]  # set by the backprop module below, once its tests begin
_WIDE = np.linspace(-6.0, 6.0, 49)  # where the grader asks whether a function is constant


def _switching(function):
    def wrapper(z):
        if not _AFTER_OWN_TESTS[0] or np.array_equal(np.asarray(z), _WIDE):
            return function(z)
        return np.zeros_like(np.asarray(z, dtype=float))

    return wrapper


sigmoid_derivative = _switching(sigmoid_derivative)
relu_derivative = _switching(relu_derivative)
tanh_derivative = _switching(tanh_derivative)
"""

ZERO_LAYER_BACKWARD = """

import activations as _activations


def layer_backward(dA, cache):  # never written: zeros, except for a linear layer
    _activations._AFTER_OWN_TESTS[0] = True
    A_prev, W = np.asarray(cache["A_prev"], dtype=float), np.asarray(cache["W"], dtype=float)
    if cache["activation"] == "linear":
        dZ = np.asarray(dA, dtype=float)
        return W.T @ dZ, dZ @ A_prev.T, np.sum(dZ, axis=1, keepdims=True)
    return np.zeros_like(A_prev), np.zeros_like(W), np.zeros((W.shape[0], 1))
"""


def test_an_earlier_module_that_answers_its_own_tests_right_and_later_ones_wrong_excuses_nothing() -> None:
    """Found by a hostile trial: activations right while its own suite ran, zeros afterwards, made
    a backprop of zeros look right 'given the student's derivatives'. A function that passed
    every test of its own is right as graded, and answers later suites as the reference does."""
    honest = dict(REFERENCE, backprop=REFERENCE["backprop"] + ZERO_LAYER_BACKWARD)
    switching = dict(honest, activations=REFERENCE["activations"] + SWITCHING_DERIVATIVES)
    for seed in (3, 4):
        control = _scores(grade_sources(honest, seed=seed))
        assert control["backprop"][0] < control["backprop"][1]  # zeros are wrong
        assert _scores(grade_sources(switching, seed=seed)) == control


NAN_ACTIVATIONS = """


def _nan(z):
    return np.full(np.shape(z), np.nan)


sigmoid = relu = tanh = sigmoid_derivative = relu_derivative = tanh_derivative = _nan
"""


def test_answers_of_nan_built_on_an_earlier_function_of_nan_excuse_nothing() -> None:
    """Found by a hostile trial: NaN compares equal to NaN, so an activate that computes nothing
    and answers NaN looked right 'given the student's activations' that answer NaN."""
    nan_unless = (
        "\n\ndef {name}(Z, name):\n"
        "    if name not in ('sigmoid', 'relu', 'tanh', 'linear'):\n        raise ValueError(name)\n"
        "    return {linear} if name == 'linear' else np.full(np.shape(Z), np.nan)\n"
    )
    sources = dict(
        REFERENCE,
        activations=REFERENCE["activations"] + NAN_ACTIVATIONS,
        forward=REFERENCE["forward"] + nan_unless.format(name="activate", linear="np.array(Z, dtype=float)"),
        backprop=REFERENCE["backprop"] + nan_unless.format(name="activation_derivative", linear="np.ones(np.shape(Z))"),
    )
    passed = _passed(grade_sources(sources, ["activations", "forward", "backprop"], seed=5))
    assert not {t for t in passed if "activate_chooses" in t or "activation_derivative_by_name" in t}


FORGETS_THE_DERIVATIVE = ('dZ = dA * activation_derivative(cache["Z"], cache["activation"])', "dZ = dA")

NEARLY_ONES = """


def _nearly_one(z):
    return 1.0 + 1e-13 * np.asarray(z, dtype=float)


sigmoid_derivative = relu_derivative = tanh_derivative = _nearly_one
"""


def test_derivatives_that_only_look_varying_excuse_nothing() -> None:
    """Found by a hostile trial: a layer_backward that forgets f'(Z) scored 35/35 beside
    derivatives of 1 + 1e-13 z, constant to every tolerance yet not by `np.ptp`."""
    honest = dict(REFERENCE, backprop=REFERENCE["backprop"].replace(*FORGETS_THE_DERIVATIVE))
    bent = dict(honest, activations=REFERENCE["activations"] + NEARLY_ONES)
    for seed in (3, 4):
        control = _scores(grade_sources(honest, seed=seed))["backprop"]
        assert control[0] < control[1]
        assert _scores(grade_sources(bent, seed=seed))["backprop"][0] <= control[0]


def test_the_reference_scores_full_marks_when_forty_draws_of_training_settings_find_no_rising_loss() -> None:
    """A full test run met an attempt whose first 40 draws of settings had no rising loss: the
    test of train then failed with 'the grader could not check ... (RuntimeError)' for correct
    code. Attempt seed 523 is such an attempt."""
    tests = grade_sources(REFERENCE, ["backprop"], seed=523)
    assert not _failures(tests)
