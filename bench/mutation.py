"""Mutation testing of the hidden suites: plant typical mistakes in the reference, one at a time.

    python bench/mutation.py                 # every exercise, every mutant
    python bench/mutation.py forward --jobs 2 --leaks

Each mutant is one small edit of one reference module, made on its syntax tree: a swapped
operator (+ -, * /, @ *), a moved boundary (> >=, < <=, == !=), a changed numeric constant
(c -> c + 1, c -> 0), a flipped boolean, a dropped `.T`, a dropped right operand of + or -
(the bias in `W @ A + b`, say), a dropped unary minus; plus the hand-written mutants below.
The mutated module is graded with the other reference modules, as a student's workspace has
them (relative imports rewritten to sibling imports): in this process by default, since the
reference is trusted code (`grader.suites.inprocess`), or with --sandbox in a temporary folder
through `grader.grading.grade_workspace`. Either way with the attempt seed --seed (default 0),
so that runs compare. A mutant is caught when its exercise scores below full marks. With
--leaks the later exercises are graded too, to show where the points went.
Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import copy
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"
EXERCISES = ("perceptron", "activations", "forward", "backprop")

# Hand-written mutants: (exercise, description, exact source text, replacement).
HANDWRITTEN = [
    ("activations", "sigmoid_derivative takes sigmoid(z) as its input", "s = _floats(sigmoid(z))", "s = _floats(z)"),
    (
        "activations",
        "sigmoid by the overflowing formula",
        "return _result(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)))",
        "return _result(1.0 / (1.0 + np.exp(-z)))",
    ),
    (
        "activations",
        "tanh by the lesson's formula, which overflows",
        "return _result(np.tanh(_floats(z)))",
        "return _result((np.exp(_floats(z)) - np.exp(-_floats(z))) / (np.exp(_floats(z)) + np.exp(-_floats(z))))",
    ),
    (
        "activations",
        "a number in gives a 0-d array out",
        "return float(values) if values.ndim == 0 else values",
        "return values",
    ),
    (
        "activations",
        "relu modifies its input in place",
        "return _result(np.maximum(_floats(z), 0.0))",
        "z = _floats(z)\n    np.maximum(z, 0.0, out=z)\n    return _result(z)",
    ),
    ("forward", "W.T @ A_prev instead of W @ A_prev", "Z = W @ A_prev + b", "Z = W.T @ A_prev + b"),
    ("forward", "bias flattened to (n,)", "Z = W @ A_prev + b", "Z = W @ A_prev + b.ravel()"),
    (
        "forward",
        "W drawn as (n_in, n_out)",
        "rng.standard_normal((n_out, n_in))",
        "rng.standard_normal((n_in, n_out)).T",
    ),
    ("forward", "a new rng per layer", "W = rng.standard_normal(", "W = np.random.default_rng(seed).standard_normal("),
    (
        "forward",
        "every layer uses the last activation name",
        'A, cache = dense_layer(A, layer["W"], layer["b"], name)',
        'A, cache = dense_layer(A, layer["W"], layer["b"], activation_names[-1])',
    ),
    (
        "forward",
        "cache keeps the activation output instead of Z",
        'return A, {"A_prev": A_prev, "Z": Z,',
        'return A, {"A_prev": A_prev, "Z": A,',
    ),
    ("forward", "unknown activation names fall back to linear", "if name not in ACTIVATIONS:", "if False:"),
    (
        "backprop",
        "loss with a factor 1/2",
        "return float(np.sum((AL - Y) ** 2) / m)",
        "return float(0.5 * np.sum((AL - Y) ** 2) / m)",
    ),
    (
        "backprop",
        "loss averaged over every entry",
        "return float(np.sum((AL - Y) ** 2) / m)",
        "return float(np.mean((AL - Y) ** 2))",
    ),
    ("backprop", "loss gradient without the 2", "return 2.0 * (AL - Y) / m", "return (AL - Y) / m"),
    ("backprop", "dW divided by m again", "dW = dZ @ A_prev.T", "dW = dZ @ A_prev.T / A_prev.shape[1]"),
    ("backprop", "db as a flat (n,) array", "db = np.sum(dZ, axis=1, keepdims=True)", "db = np.sum(dZ, axis=1)"),
    ("backprop", "gradients returned last layer first", "    gradients.reverse()\n", ""),
    (
        "backprop",
        "dA not passed back (reuses the output gradient)",
        "dA, dW, db = layer_backward(dA, cache)",
        "_, dW, db = layer_backward(dA, cache)",
    ),
    (
        "backprop",
        "gradient step in place",
        'return [\n        {"W": layer["W"] - learning_rate * grad["W"], "b": layer["b"] - learning_rate * grad["b"]}\n'
        "        for layer, grad in zip(parameters, gradients, strict=True)\n    ]",
        'for layer, grad in zip(parameters, gradients):\n        layer["W"] -= learning_rate * grad["W"]\n'
        '        layer["b"] -= learning_rate * grad["b"]\n    return parameters',
    ),
    ("backprop", "training never stops early", "            break\n", "            pass\n"),
    (
        "backprop",
        "training starts from seed 0 whatever the seed",
        "init_parameters(layer_sizes, seed)",
        "init_parameters(layer_sizes, 0)",
    ),
    (
        "backprop",
        "the loss is recorded after the step",
        "        losses.append(loss(AL, Y))\n        if len(losses) > 1",
        "        losses.append(loss(forward_pass(X, gradient_step(parameters, backward_pass(AL, Y, caches), "
        "learning_rate), activation_names)[0], Y))\n        if len(losses) > 1",
    ),
    (
        "perceptron",
        "predict with >= at the threshold",
        "return (z > threshold).astype(int)",
        "return (z >= threshold).astype(int)",
    ),
    ("perceptron", "training updates even without a mistake", "            if error != 0:\n", "            if True:\n"),
]

# Mutants known to change no behaviour, keyed by their description: why each is equivalent.
EQUIVALENT = {
    "activations: sigmoid `z >= 0` -> `z > 0`": "at z = 0 both branches give 0.5",
    "forward: init_parameters `True` -> `False`": "zip(..., strict=False): the two slices always have equal lengths",
    "forward: forward_pass `True` -> `False`": "zip(..., strict=False): the lengths were checked just before",
    "backprop: gradient_step `True` -> `False`": "zip(..., strict=False): parameters and gradients have equal lengths",
    "perceptron: train_perceptron `learning_rate * error`: * -> /": (
        "error is -1 or 1 when it is used, so * and / agree"
    ),
    "perceptron: train_perceptron constant `0` -> `1`": (
        "`mistakes = 1`: never stops early, but after convergence no epoch changes the weights"
    ),
    "perceptron: train_perceptron constant `0` -> `-1`": (
        "`mistakes = -1`: never stops early, but after convergence no epoch changes the weights"
    ),
    "perceptron: train_perceptron constant `1` -> `2`": "`mistakes += 2`: only whether mistakes is 0 matters",
    "perceptron: training updates even without a mistake": (
        "an update with error 0 adds 0; it only stops the early exit, which changes no weights"
    ),
}


@dataclass(frozen=True)
class Mutant:
    exercise: str
    description: str
    source: str


DOCUMENTATION_ONLY = {"LESSON_SIZES"}
OPERATOR_SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.MatMult: ast.Mult,
    ast.Pow: ast.Mult,
}
COMPARE_SWAPS = {
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
}
SYMBOL = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.MatMult: "@",
    ast.Pow: "**",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}


def _skip(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Messages of raised errors, f-strings and constants only the docstring examples read
    (checked by tests/test_course.py, not by the suites) are not behaviour worth mutating."""
    current: ast.AST | None = node
    while current is not None:
        if isinstance(current, (ast.JoinedStr, ast.Raise, ast.ImportFrom, ast.Import)):
            return True
        if isinstance(current, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in DOCUMENTATION_ONLY for t in current.targets
        ):
            return True
        current = parents.get(current)
    return False


def _function_of(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str:
    current: ast.AST | None = node
    while current is not None:
        if isinstance(current, ast.FunctionDef):
            return current.name
        current = parents.get(current)
    return "<module>"


def _edits(tree: ast.Module) -> Iterator[tuple[ast.AST, str, object]]:
    """Every (node, description, replacement) for the syntax-tree mutants of `tree`."""
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(tree):
        if _skip(node, parents):
            continue
        where = _function_of(node, parents)
        if isinstance(node, ast.BinOp) and type(node.op) in OPERATOR_SWAPS:
            new_op = OPERATOR_SWAPS[type(node.op)]
            yield (
                node,
                f"{where} `{ast.unparse(node)}`: {SYMBOL[type(node.op)]} -> {SYMBOL[new_op]}",
                ast.BinOp(node.left, new_op(), node.right),
            )
            if isinstance(node.op, (ast.Add, ast.Sub)):
                yield node, f"{where} `{ast.unparse(node)}` -> `{ast.unparse(node.left)}`", node.left
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARE_SWAPS:
            new_op = COMPARE_SWAPS[type(node.ops[0])]()
            yield (
                node,
                f"{where} `{ast.unparse(node)}` -> `{ast.unparse(ast.Compare(node.left, [new_op], node.comparators))}`",
                ast.Compare(node.left, [new_op], node.comparators),
            )
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, f"{where} `{node.value}` -> `{not node.value}`", ast.Constant(not node.value)
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = node.value
            for new in dict.fromkeys([value + 1, 0 if value != 0 else -1]):
                yield node, f"{where} constant `{value!r}` -> `{new!r}`", ast.Constant(type(value)(new))
        elif isinstance(node, ast.Attribute) and node.attr == "T":
            yield node, f"{where} `{ast.unparse(node)}` -> `{ast.unparse(node.value)}` (dropped .T)", node.value
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            yield node, f"{where} `{ast.unparse(node)}` -> `{ast.unparse(node.operand)}` (dropped minus)", node.operand


def _replace(tree: ast.Module, target: ast.AST, replacement: object) -> ast.Module:
    class Swap(ast.NodeTransformer):
        def visit(self, node: ast.AST) -> object:
            if node is target:
                return replacement
            return super().visit(node)

    return ast.fix_missing_locations(Swap().visit(tree))


def mutants(exercise: str) -> list[Mutant]:
    source = (REFERENCE / f"{exercise}.py").read_text()
    tree = ast.parse(source)
    found: list[Mutant] = []
    seen = {ast.unparse(tree)}
    for index, (_, description, replacement) in enumerate(list(_edits(tree))):
        fresh = ast.parse(source)
        target = list(_edits(fresh))[index][0]
        text = ast.unparse(_replace(fresh, target, copy.deepcopy(replacement)))
        if text in seen:
            continue
        seen.add(text)
        found.append(Mutant(exercise, f"{exercise}: {description}", text))
    for name, description, old, new in HANDWRITTEN:
        if name != exercise:
            continue
        if old not in source:
            found.append(Mutant(exercise, f"{exercise}: (stale hand-written mutant) {description}", ""))
            continue
        found.append(Mutant(exercise, f"{exercise}: {description}", source.replace(old, new, 1)))
    return found


def grade_mutant(
    mutant: Mutant, leaks: bool, seed: int = 0, sandbox: bool = False
) -> tuple[Mutant, dict[str, tuple[float, float]]]:
    from grader.grading.exercises import as_workspace_module

    if not mutant.source:
        return mutant, {mutant.exercise: (0.0, 0.0)}
    sources = {
        name: as_workspace_module(mutant.source if name == mutant.exercise else (REFERENCE / f"{name}.py").read_text())
        for name in EXERCISES
    }
    position = EXERCISES.index(mutant.exercise)
    names = EXERCISES[position:] if leaks else (mutant.exercise,)
    if not sandbox:
        from grader.grading import scoring
        from grader.suites.inprocess import grade_sources

        tests = grade_sources(sources, names, seed=seed)
        return mutant, {name: scoring.exercise_score(outcomes) for name, outcomes in tests.items()}
    from grader.grading.grade import grade_workspace

    workspace = Path(tempfile.mkdtemp(prefix="mutant-"))
    try:
        for name, text in sources.items():
            (workspace / f"{name}.py").write_text(text)
        result = grade_workspace(workspace, names, seed=seed)
        return mutant, {e.name: (e.score, e.max_score) for e in result.exercises}
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", default=list(EXERCISES))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--leaks", action="store_true", help="grade the later exercises too")
    parser.add_argument("--seed", type=int, default=0, help="the attempt seed of the hidden tests' inputs")
    parser.add_argument("--sandbox", action="store_true", help="grade in the sandbox, as `grader submit` does")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    started = time.monotonic()
    planned = [m for name in args.exercises for m in mutants(name)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(
            pool.map(grade_mutant, planned, *zip(*[(args.leaks, args.seed, args.sandbox)] * len(planned), strict=True))
        )
    total = caught = equivalent = 0
    for name in args.exercises:
        rows = [(m, scores) for m, scores in results if m.exercise == name]
        survivors = [(m, s) for m, s in rows if s[name][0] >= s[name][1] > 0]
        known = [m for m, _ in survivors if m.description in EQUIVALENT]
        total += len(rows)
        caught += len(rows) - len(survivors)
        equivalent += len(known)
        print(
            f"{name}: {len(rows)} mutants, {len(rows) - len(survivors)} caught, {len(survivors)} survived "
            f"({len(known)} known equivalent)"
        )
        for mutant, _ in survivors:
            why = EQUIVALENT.get(mutant.description)
            print(f"  survived: {mutant.description}" + (f"  [equivalent: {why}]" if why else ""))
        if args.leaks:
            for mutant, scores in rows:
                lost = [f"{e} {s:g}/{mx:g}" for e, (s, mx) in scores.items() if e != name and s < mx]
                if lost:
                    print(f"  leaked into {', '.join(lost)}: {mutant.description}")
    killable = total - equivalent
    print(
        f"overall: {total} mutants, {caught} caught ({100 * caught / max(total, 1):.1f}%); "
        f"{equivalent} known equivalent, so {caught}/{killable} = {100 * caught / max(killable, 1):.1f}% "
        f"of the non-equivalent ones; {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
