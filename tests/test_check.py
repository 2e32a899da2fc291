"""A student tries the lesson's worked examples with `grader check`: honest counts, no cascades."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from grader.cli import main

pytestmark = [pytest.mark.sandbox]

WRITTEN = '''
import numpy as np


def weighted_sum(inputs, weights, bias):
    """The weighted sum.

    >>> import numpy as np
    >>> x = np.array([1, 1])
    >>> weighted_sum(x, [0.5, 0.5], -0.75)
    0.25
    """
    return float(np.dot(inputs, weights) + bias)


def step(z, threshold=0.0):
    """The step.

    >>> from numpy import no_such_thing
    >>> step(no_such_thing)
    1
    >>> step(-1)
    0
    """
    return 1 if z > threshold else 0
'''


def check(folder, *exercises: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    outcome = CliRunner().invoke(main, ["check", *exercises, "--workspace", str(folder)])
    return outcome.exit_code, outcome.output


def test_setup_lines_are_not_counted_as_examples_that_pass(workspace) -> None:  # type: ignore[no-untyped-def]
    stubs = workspace(stubs=True)
    outcome = CliRunner().invoke(main, ["check", "--workspace", str(stubs), "--json"])
    assert outcome.exit_code == 1
    reports = json.loads(outcome.output)["exercises"]
    # imports and assignments run but are no examples: pure stubs pass none of them
    assert {r["name"]: r["examples_passed"] for r in reports} == dict.fromkeys(
        ("perceptron", "activations", "forward", "backprop"), 0
    )
    assert all(r["examples"] > 0 for r in reports)


def test_a_failed_setup_line_stops_its_functions_examples_without_a_name_error_cascade(workspace) -> None:  # type: ignore[no-untyped-def]
    folder = workspace(perceptron=WRITTEN)
    code, output = check(folder, "perceptron")
    assert code == 1
    lines = output.splitlines()
    assert lines[:4] == [
        "perceptron: 1 of 3 examples give the documented output",  # the two setup lines are not counted
        "  ✓ weighted_sum (1/1)",
        "  ✗ step (0/2); a setup line failed",
        "      >>> from numpy import no_such_thing",
    ]
    assert lines[4].startswith("      raised ImportError: cannot import name 'no_such_thing'")
    assert lines[5:] == ["      2 later examples of step not run (they may depend on the line above)"]
    assert "NameError" not in output


def test_a_file_without_examples_says_so_and_is_not_a_pass(workspace) -> None:  # type: ignore[no-untyped-def]
    folder = workspace(perceptron="def weighted_sum(inputs, weights, bias):\n    return 0.0\n")
    code, output = check(folder, "perceptron")
    assert (code, output) == (
        1,
        "perceptron: no examples to run in perceptron.py: write `>>> ` lines in the docstrings, "
        "each followed by the output it should give\n",
    )
