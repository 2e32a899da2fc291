"""Collateral points: what one planted mistake costs outside the tests of the function it is in.

    python bench/collateral.py                 # the catalogue below and every mutant of bench/mutation.py
    python bench/collateral.py --catalogue     # the catalogue only (the mistakes named in issue 8)
    python bench/collateral.py --jobs 2 --seed 7

Each mistake is one edit of one function of the reference, planted into a workspace beside the
other reference modules, and graded: its exercise and every later one, which build on it. The
points it loses are split between the tests of the function it is in ("own") and every other
test ("collateral"). Issue 8's target: at most 2 collateral points per mistake.

BEFORE is the hidden suites as they were at commit 2dcee67: that tree is extracted with
`git archive` and grades each workspace with its own grader, in a subprocess (sandboxed, as it
was). AFTER is this tree's suites, graded in this process on the trusted reference (no sandbox
needed; --sandbox grades AFTER through `grade_workspace` instead, as `grader submit` does).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"
EXERCISES = ("perceptron", "activations", "forward", "backprop")
BASELINE_COMMIT = "2dcee67"

# The mistakes issue 8 measured (and a few more of the same kind): (exercise, description, old, new).
CATALOGUE = [
    ("perceptron", "`>=` in step", "return 1 if z > threshold else 0", "return 1 if z >= threshold else 0"),
    ("activations", "tanh' without the square", "return _result(1.0 - t**2)", "return _result(1.0 - t)"),
    (
        "activations",
        "an in-place ReLU gradient",
        "return _result(np.where(_floats(z) > 0, 1.0, 0.0))",
        "z = _floats(z)\n    z[...] = z > 0\n    return _result(z)",
    ),
    ("activations", "relu' with `>=`", "np.where(_floats(z) > 0, 1.0, 0.0)", "np.where(_floats(z) >= 0, 1.0, 0.0)"),
    ("activations", "sigmoid' negated", "return _result(s * (1.0 - s))", "return _result(-s * (1.0 - s))"),
    (
        "forward",
        "init scaled by 0.01",
        "W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)",
        "W = rng.standard_normal((n_out, n_in)) * 0.01",
    ),
    ("forward", "no bias", "Z = W @ A_prev + b", "Z = W @ A_prev"),
    ("forward", "bias subtracted", "Z = W @ A_prev + b", "Z = W @ A_prev - b"),
    ("forward", "A cached as Z", 'return A, {"A_prev": A_prev, "Z": Z,', 'return A, {"A_prev": A_prev, "Z": A,'),
    (
        "forward",
        "X fed to every layer",
        'A, cache = dense_layer(A, layer["W"], layer["b"], name)',
        'A, cache = dense_layer(np.asarray(X, dtype=np.float64), layer["W"], layer["b"], name)',
    ),
    (
        "forward",
        "float32 in dense_layer",
        "A_prev = np.asarray(A_prev, dtype=np.float64)",
        "A_prev = np.asarray(A_prev, dtype=np.float32)",
    ),
    (
        "forward",
        "seed defaults to 1",
        "def init_parameters(layer_sizes, seed=0):",
        "def init_parameters(layer_sizes, seed=1):",
    ),
    ("backprop", "loss gradient `AL - Y`", "return 2.0 * (AL - Y) / m", "return AL - Y"),
    (
        "backprop",
        "loss with a factor 1/2",
        "return float(np.sum((AL - Y) ** 2) / m)",
        "return float(0.5 * np.sum((AL - Y) ** 2) / m)",
    ),
    ("backprop", "db flat (n,)", "db = np.sum(dZ, axis=1, keepdims=True)", "db = np.sum(dZ, axis=1)"),
    (
        "backprop",
        "gradient step uphill",
        'layer["W"] - learning_rate * grad["W"]',
        'layer["W"] + learning_rate * grad["W"]',
    ),
    (
        "backprop",
        "learning rate applied twice (in train)",
        "parameters = gradient_step(parameters, gradients, learning_rate)",
        "parameters = gradient_step(parameters, gradients, learning_rate * learning_rate)",
    ),
    (
        "backprop",
        "stopping rule abs(previous - current) < tol",
        "if len(losses) > 1 and losses[-2] - losses[-1] < tol:",
        "if len(losses) > 1 and abs(losses[-2] - losses[-1]) < tol:",
    ),
]

# Tests whose names do not say which function they grade: test name (without parameters) -> function.
TESTED = {
    "perceptron": {
        "test_trained_perceptron_learns_the_data": "train_perceptron",
        "test_trained_perceptron_learns_the_gate": "train_perceptron",
    },
    "activations": {
        "test_derivative_equals_centred_finite_differences": "{}_derivative",
        "test_derivative_takes_z_not_the_activation": "{}_derivative",
        "test_lesson_values": "{}",
        "test_matches_reference_on_random_arrays": "{}",
        "test_a_number_gives_a_float": "{}",
        "test_extreme_inputs_give_no_overflow_and_no_nan": "{}",
    },
    "forward": {"test_a_batch_gives_the_same_output_as_its_samples_one_at_a_time": "forward_pass"},
    "backprop": {
        "test_batch_gradient_is_the_mean_of_the_sample_gradients": "backward_pass",
        "test_whole_network_gradients_equal_numerical_gradients": "backward_pass",
        "test_first_training_step_is_one_forward_backward_step": "train",
    },
}


@dataclass(frozen=True)
class Mistake:
    exercise: str
    description: str
    functions: frozenset[str]
    """The functions whose own tests may charge for it (all of the exercise's for a shared helper)."""
    source: str


def functions_of(exercise: str) -> list[str]:
    tree = ast.parse((REFERENCE / f"{exercise}.py").read_text())
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]


def tested_function(test_id: str) -> str:
    """The function a hidden test grades, from its id (`forward::test_dense_layer_..._layers[relu]`)."""
    exercise, name = test_id.split("::", 1)
    base, _, parameter = name.partition("[")
    parameter = parameter.rstrip("]")
    if base in TESTED.get(exercise, {}):
        return TESTED[exercise][base].format(parameter)
    found = [f for f in functions_of(exercise) if re.search(rf"(?<![a-z]){f}(?![a-z])", base.removeprefix("test_"))]
    return max(found, key=len) if found else "?"


def _enclosing(source: str, offset: int) -> str:
    line = source.count("\n", 0, offset) + 1
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.lineno <= line <= (node.end_lineno or node.lineno):
            return node.name
    return "<module>"


def _owners(exercise: str, function: str) -> frozenset[str]:
    public = functions_of(exercise)
    return frozenset([function]) if function in public else frozenset(public)


def catalogue() -> list[Mistake]:
    found = []
    for exercise, description, old, new in CATALOGUE:
        source = (REFERENCE / f"{exercise}.py").read_text()
        if old not in source:
            raise SystemExit(f"stale mistake {description!r}: its text is no longer in reference/{exercise}.py")
        function = _enclosing(source, source.index(old))
        found.append(Mistake(exercise, description, _owners(exercise, function), source.replace(old, new, 1)))
    return found


def mutants() -> list[Mistake]:
    sys.path.insert(0, str(ROOT / "bench"))
    import mutation

    found = []
    for exercise in EXERCISES:
        original = (REFERENCE / f"{exercise}.py").read_text()
        handwritten = {f"{exercise}: {d}": old for e, d, old, _ in mutation.HANDWRITTEN if e == exercise}
        for mutant in mutation.mutants(exercise):
            if not mutant.source or mutant.description in mutation.EQUIVALENT:
                continue
            if mutant.description in handwritten:
                function = _enclosing(original, original.index(handwritten[mutant.description]))
            else:
                function = mutant.description.split(": ", 1)[1].split(" ", 1)[0]
            found.append(Mistake(exercise, mutant.description, _owners(exercise, function), mutant.source))
    return found


def workspace_sources(mistake: Mistake) -> dict[str, str]:
    from grader.grading.exercises import as_workspace_module

    return {
        name: as_workspace_module(
            mistake.source if name == mistake.exercise else (REFERENCE / f"{name}.py").read_text()
        )
        for name in EXERCISES
    }


def later_exercises(exercise: str) -> list[str]:
    return list(EXERCISES[EXERCISES.index(exercise) :])


# -- grading: in this tree, and in the baseline tree (run as `--worker` with its grader) -----------


def lost_points_after(mistake: Mistake, seed: int, sandbox: bool, substitution: bool = True) -> dict[str, float]:
    """test id -> points lost, with this tree's suites (with or without substitution of helpers)."""
    sources = workspace_sources(mistake)
    if sandbox:
        return _graded_in_sandbox(sources, later_exercises(mistake.exercise), seed)
    from grader.suites.inprocess import grade_sources, open_sources

    modules = open_sources(sources, substitution=substitution)
    tests = grade_sources(modules, later_exercises(mistake.exercise), seed=seed)
    return {t.id: t.max_points - t.points for outcomes in tests.values() for t in outcomes}


def _graded_in_sandbox(sources: dict[str, str], names: list[str], seed: int | None) -> dict[str, float]:
    import inspect

    try:
        from grader.grading.grade import grade_workspace
    except ImportError:  # the baseline tree, from before grader/grading/ was a package
        from grader.grading import grade_workspace  # type: ignore[attr-defined,no-redef]

    with tempfile.TemporaryDirectory(prefix="collateral-") as folder:
        for name, text in sources.items():
            Path(folder, f"{name}.py").write_text(text)
        options = {"seed": seed} if "seed" in inspect.signature(grade_workspace).parameters else {}
        result = grade_workspace(Path(folder), names, **options)
    return {t.id: t.max_points - t.points for e in result.exercises for t in e.tests}


def _worker() -> None:
    """Grade the jobs on stdin (JSON lines of {sources, names}) with whatever grader is importable."""
    for line in sys.stdin:
        job = json.loads(line)
        print(json.dumps(_graded_in_sandbox(job["sources"], job["names"], None)), flush=True)


def _baseline_tree(folder: Path) -> Path:
    archive = subprocess.run(["git", "archive", BASELINE_COMMIT], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "grader" / "reference").symlink_to(folder / "reference", target_is_directory=True)
    return folder


def lost_points_before(mistakes: list[Mistake], jobs: int) -> list[dict[str, float]]:
    """test id -> points lost, per mistake, with the suites of BASELINE_COMMIT and their grader."""
    with tempfile.TemporaryDirectory(prefix="collateral-baseline-") as folder:
        tree = _baseline_tree(Path(folder))
        env = {**os.environ, "PYTHONPATH": str(tree)}
        shares = [list(range(i, len(mistakes), jobs)) for i in range(jobs)]
        workers = []
        for number, share in enumerate(shares):
            jobs_file = Path(folder) / f"jobs-{number}.jsonl"  # a file, not a pipe: no deadlock on big answers
            with jobs_file.open("w") as out:
                for index in share:
                    mistake = mistakes[index]
                    out.write(
                        json.dumps({"sources": workspace_sources(mistake), "names": later_exercises(mistake.exercise)})
                    )
                    out.write("\n")
            with jobs_file.open() as stdin, jobs_file.with_suffix(".out").open("w") as stdout:
                workers.append(
                    subprocess.Popen(
                        [sys.executable, str(Path(__file__).resolve()), "--worker"],
                        cwd=tree,
                        env=env,
                        stdin=stdin,
                        stdout=stdout,
                    )
                )
        results: list[dict[str, float]] = [{} for _ in mistakes]
        for number, (worker, share) in enumerate(zip(workers, shares, strict=True)):
            worker.wait()
            lines = (Path(folder) / f"jobs-{number}.out").read_text().splitlines()
            for index, line in zip(share, lines, strict=True):
                results[index] = json.loads(line)
    return results


def split(mistake: Mistake, lost: dict[str, float]) -> tuple[float, float]:
    """(points lost in the tests of the mistake's own functions, points lost in every other test)."""
    own = collateral = 0.0
    for test_id, points in lost.items():
        if not points:
            continue
        exercise = test_id.split("::", 1)[0]
        if exercise == mistake.exercise and tested_function(test_id) in mistake.functions:
            own += points
        else:
            collateral += points
    return own, collateral


def _after(args: tuple[Mistake, int, bool, bool]) -> dict[str, float]:
    return lost_points_after(*args)


def main(argv: Iterable[str] | None = None) -> None:
    if argv is None and sys.argv[1:] == ["--worker"]:
        _worker()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", action="store_true", help="the catalogue only, no mutants")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="the attempt seed of the AFTER grading")
    parser.add_argument("--sandbox", action="store_true", help="grade AFTER in the sandbox too")
    parser.add_argument("--no-before", action="store_true", help="skip the baseline run")
    parser.add_argument(
        "--no-substitution", action="store_true", help="AFTER as a sandbox without upcalls grades (no `_substitute`)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    sys.path.insert(0, str(ROOT))
    planned = catalogue() + ([] if args.catalogue else mutants())
    started = time.monotonic()
    before = [{} for _ in planned] if args.no_before else lost_points_before(planned, args.jobs)
    middle = time.monotonic()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        after = list(pool.map(_after, [(m, args.seed, args.sandbox, not args.no_substitution) for m in planned]))
    ended = time.monotonic()
    print(f"{'mistake':<78} {'before own/coll':>16} {'after own/coll':>15}")
    totals = {"before": [0.0, 0.0, 0], "after": [0.0, 0.0, 0]}
    for index, (mistake, lost_before, lost_after) in enumerate(zip(planned, before, after, strict=True)):
        if index == len(CATALOGUE):
            print("-- mutants of bench/mutation.py --")
        cells = []
        for label, lost in (("before", lost_before), ("after", lost_after)):
            own, collateral = split(mistake, lost)
            if lost or label == "after":
                totals[label][0] += collateral
                totals[label][1] = max(totals[label][1], collateral)
                totals[label][2] += collateral > 2
            cells.append(f"{own:g}/{collateral:g}" if lost or label == "after" else "-")
        name = f"{mistake.description} [{', '.join(sorted(mistake.functions))[:30]}]"
        flag = "  <- over 2" if split(mistake, lost_after)[1] > 2 else ""
        print(f"{name[:78]:<78} {cells[0]:>16} {cells[1]:>15}{flag}")
    count = len(planned)
    for label in ("before", "after"):
        total, worst, over = totals[label]
        print(
            f"{label}: collateral points {total:g} in all over {count} mistakes (mean {total / count:.2f}, "
            f"worst {worst:g}); {over} mistakes over 2"
        )
    print(f"time: before {middle - started:.0f} s (sandbox), after {ended - middle:.0f} s")


if __name__ == "__main__":
    main()
