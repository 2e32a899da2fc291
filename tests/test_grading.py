"""Grading a whole workspace: one exercise's misbehaviour costs only that exercise's points."""

from __future__ import annotations

import os
import py_compile
import sys
from pathlib import Path

import pytest

from grader.grading.exercises import all_exercises, as_workspace_module, reference_path
from grader.grading.grade import grade_files, grade_workspace
from grader.sandbox.policy import SandboxLimits
from grader.service.submissions import submit_workspace
from grader.store import open_store

pytestmark = pytest.mark.sandbox
EXERCISES = Path(__file__).resolve().parent.parent / "exercises"


def reference_text(name: str) -> str:
    path = reference_path(name)
    assert path is not None
    return as_workspace_module(path.read_text())


HOSTILE_PERCEPTRONS = {
    "segfault at import": "import ctypes\nctypes.string_at(0)\n",
    "hang at import": "while True:\n    pass\n",
    "exit at import": "import sys\nsys.exit(0)\n",
    "flood at import": "import sys\nfor _ in range(100_000):\n    sys.stdout.write('PASSED ' * 100)\n",
    "fork bomb at import": "import os\nwhile True:\n    os.fork()\n",
    "kill parent and group at import": (
        "import os, signal\n"
        "for f in (lambda: os.kill(os.getppid(), 9), lambda: os.killpg(0, 9), lambda: os.kill(-1, 9)):\n"
        "    try:\n        f()\n    except OSError:\n        pass\n"
    ),
    "forged answers on every descriptor at import": (
        "import json, os, struct\n"
        "for n in range(1, 200):\n"
        "    body = json.dumps({'id': n, 'value': 1, 'op': 'ready'}).encode()\n"
        "    for fd in range(0, 30):\n"
        "        try:\n            os.write(fd, struct.pack('>I', len(body)) + body)\n"
        "        except OSError:\n            pass\n"
    ),
    "every call sleeps": (
        "import time\n"
        "def _hang(*args, **kwargs):\n    time.sleep(1000)\n"
        "weighted_sum = step = perceptron = and_gate = predict = train_perceptron = _hang\n"
    ),
    "every call spins": (
        "def _hang(*args, **kwargs):\n    while True:\n        pass\n"
        "weighted_sum = step = perceptron = and_gate = predict = train_perceptron = _hang\n"
    ),
}
# Short for the hostile perceptron, and still generous for the other exercises' honest code:
# the limits are CPU time (and time blocked), which a busy machine does not change.
LIMITS = SandboxLimits(call_seconds=0.5, exercise_seconds=2.0, blocked_seconds=2.0)


@pytest.mark.parametrize("behaviour", sorted(HOSTILE_PERCEPTRONS))
def test_a_hostile_exercise_costs_only_its_own_points(workspace, db_url, behaviour):
    folder = workspace(reference=True, perceptron=HOSTILE_PERCEPTRONS[behaviour])
    with open_store(db_url) as store:
        outcome = submit_workspace(store, folder, student="mallory", limits=LIMITS)
    by_name = {e.name: e for e in outcome.result.exercises}
    assert by_name["perceptron"].score == 0
    assert by_name["perceptron"].status != "passed"
    for name, exercise in by_name.items():
        if name != "perceptron":
            assert exercise.score == exercise.max_score > 0, (name, [t.message for t in exercise.tests if t.message])
    assert (outcome.submission_id, outcome.attempt) == (1, 1)  # and it was recorded


@pytest.mark.parametrize(
    "behaviour, stopped_by",
    [
        ("every call spins", "the exercise's budget of 2 s of CPU time is spent"),
        ("every call sleeps", "the exercise's backstop of 2 s for blocked code is spent"),
    ],
)
def test_every_test_of_a_hanging_exercise_is_reported_as_timeout_within_its_budget(workspace, behaviour, stopped_by):
    folder = workspace(reference=True, perceptron=HOSTILE_PERCEPTRONS[behaviour])
    result = grade_workspace(folder, ["perceptron"], limits=LIMITS)
    (perceptron,) = result.exercises
    assert {t.outcome for t in perceptron.tests} == {"timeout"}
    assert any(stopped_by in t.message for t in perceptron.tests)
    assert perceptron.status == "timeout"


def test_the_reference_scores_full_marks_and_the_stubs_zero(workspace, tmp_path):
    reference = grade_workspace(workspace(reference=True))
    assert [e.name for e in reference.exercises] == [e.name for e in all_exercises()]
    for exercise in reference.exercises:
        assert exercise.score == exercise.max_score > 0, [t.message for t in exercise.tests if t.message]
    assert reference.all_passed and reference.sandbox["separate_process"]


def test_a_missing_exercise_file_is_reported_as_missing(workspace):
    folder = workspace(reference=True)
    (folder / "forward.py").unlink()
    result = grade_workspace(folder, ["forward", "perceptron"])
    by_name = {e.name: e for e in result.exercises}
    assert (by_name["forward"].status, by_name["forward"].score) == ("missing", 0)
    assert by_name["forward"].message == "forward.py is not in the workspace"
    assert by_name["perceptron"].score == by_name["perceptron"].max_score


def test_the_submitted_files_are_snapshotted_but_symlinks_are_not_followed(workspace, tmp_path):
    folder = workspace(reference=True)
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n")
    (folder / "notes.py").symlink_to(secret)
    result = grade_workspace(folder, ["perceptron"])
    assert "perceptron.py" in result.files and "notes.py" not in result.files
    assert result.sandbox["skipped_files"] == [
        "notes.py: a symbolic link, which is not followed: copy the file instead"
    ]


def _stub(name: str) -> str:
    return (EXERCISES / f"{name}.py").read_text()


def test_a_package_folder_beside_a_stub_cannot_stand_in_for_it(workspace):
    folder = workspace(perceptron=_stub("perceptron"))
    (folder / "perceptron").mkdir()
    (folder / "perceptron" / "__init__.py").write_text(reference_text("perceptron"))
    result = grade_workspace(folder, ["perceptron"])
    assert result.score == 0
    assert result.files["perceptron.py"] == _stub("perceptron")  # graded is recorded


def test_stale_bytecode_cannot_stand_in_for_the_source(workspace):
    folder = workspace(perceptron=reference_text("perceptron"))
    cached = folder / "__pycache__" / f"perceptron.{sys.implementation.cache_tag}.pyc"
    py_compile.compile(
        str(folder / "perceptron.py"),
        cfile=str(cached),
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    (folder / "perceptron.py").write_text(_stub("perceptron"))  # the pyc is never checked against it
    result = grade_workspace(folder, ["perceptron"])
    assert result.score == 0
    assert result.files == {"perceptron.py": _stub("perceptron")}


def test_a_hard_link_to_a_protected_file_is_neither_recorded_nor_imported(workspace, tmp_path):
    secret = tmp_path / "grades-secret.py"
    secret.write_text("ANSWERS = 'the reference'\n")
    secret.chmod(0o600)
    folder = workspace(reference=True)
    os.link(secret, folder / "notes.py")
    os.link(secret, folder / "activations.py.orig")  # not a .py name: never considered at all
    shared = tmp_path / "activations.py"  # a hard link, even to a file of the student's own, is not read
    (folder / "activations.py").rename(shared)
    os.link(shared, folder / "activations.py")
    result = grade_workspace(folder, ["forward", "perceptron"])
    assert "notes.py" not in result.files and "activations.py" not in result.files
    assert "ANSWERS" not in "".join(result.files.values())
    assert result.sandbox["skipped_files"] == [
        "activations.py: a hard link (the file has more than one name), which is not read: copy the file instead",
        "notes.py: a hard link (the file has more than one name), which is not read: copy the file instead",
    ]
    by_name = {e.name: e for e in result.exercises}
    assert by_name["forward"].status == "error"  # it imports activations, not there and not graded now
    assert by_name["forward"].message.endswith(
        "(activations.py was not graded: a hard link (the file has more than one name), which is not read: "
        "copy the file instead)"
    )
    with_it = {e.name: e for e in grade_workspace(folder, ["activations", "forward"]).exercises}
    assert with_it["forward"].score == with_it["forward"].max_score  # graded now: the reference's stands in
    assert with_it["forward"].message.endswith(
        "tests passed; there was no activations.py to import (activations.py was not graded: a hard link "
        "(the file has more than one name), which is not read: copy the file instead), so the reference's functions "
        "stood in for it here: that mistake costs points in activations only"
    )


def test_an_exercise_file_that_is_skipped_says_why(workspace):
    folder = workspace(reference=True)
    os.link(folder / "perceptron.py", folder / "copy_of_perceptron.py")
    result = grade_workspace(folder, ["perceptron"])
    (perceptron,) = result.exercises
    assert (perceptron.status, perceptron.score) == ("missing", 0)
    assert perceptron.message.startswith("perceptron.py was not graded: a hard link")


def test_uploaded_files_are_graded_from_memory_under_the_same_rules():
    files = {"perceptron.py": reference_text("perceptron"), "../escape.py": "x = 1\n", "notes.txt": "hello"}
    result = grade_files(files, ["perceptron"])
    assert result.score == result.max_score > 0
    assert result.files == {"perceptron.py": reference_text("perceptron")}
    assert result.sandbox["skipped_files"] == [
        "../escape.py: the file name is not a Python module name (letters, digits and _ only)",
        "notes.txt: not a Python file (*.py)",
    ]


def test_a_weaker_sandbox_is_reported_in_json_and_warned_about(workspace):
    from grader.cli.render import format_sandbox_warning
    from grader.sandbox.policy import Layers

    result = grade_workspace(workspace(reference=True), ["perceptron"], layers=Layers(landlock=False, seccomp=False))
    sandbox = result.sandbox
    assert (sandbox["level"], sandbox["filesystem"]) == ("partial", "none")
    assert "student code can read any file this user can (no Landlock on this system)" in sandbox["warnings"]
    warning = format_sandbox_warning(sandbox)
    assert warning is not None and warning.startswith("warning: weaker sandbox on this system: student code can read")
    full = grade_workspace(workspace(reference=True), ["perceptron"]).sandbox
    assert (format_sandbox_warning(full) is None) == (full["level"] == "full")


def test_what_the_student_printed_is_kept_with_the_exercise(workspace):
    folder = workspace(reference=True)
    source = (folder / "perceptron.py").read_text()
    (folder / "perceptron.py").write_text(source + "\nprint('debugging my perceptron')\n")
    result = grade_workspace(folder, ["perceptron"])
    assert result.exercises[0].output == "debugging my perceptron\n"
    assert result.exercises[0].score == result.exercises[0].max_score


def test_the_sandbox_report_keeps_its_keys_and_says_when_no_student_code_ran(workspace):
    result = grade_workspace(workspace(notes="x = 1\n"), ["perceptron"])  # no exercise file at all
    sandbox = result.sandbox
    assert list(sandbox) == [
        "level",
        "platform",
        "separate_process",
        "filesystem",
        "network",
        "processes",
        "signals",
        "memory_limit_bytes",
        "call_timeout_seconds",
        "exercise_budget_seconds",
        "warnings",
        "time",
        "blocked_backstop_seconds",
    ]
    assert sandbox["warnings"] == ["no student code ran"]
    assert result.exercises[0].message == "perceptron.py is not in the workspace"


# -- a sibling that cannot be imported is charged in its own exercise only ---------------------------


@pytest.mark.parametrize(
    "broken, how, blamed, stood_in",
    [
        (
            "activations",
            lambda text: text.replace("def relu(z):", "def relu(z:"),
            "could not be imported (SyntaxError",
            2,
        ),
        (
            "activations",
            lambda text: text + "\nimport scipy.special\n",
            "could not be imported (ModuleNotFoundError",
            2,
        ),
        ("activations", lambda text: text.replace("def tanh_derivative", "def tanh_deriv"), "importing from your", 1),
        ("forward", lambda text: text.replace("def forward_pass", "def forward_all"), "importing from your", 1),
    ],
    ids=["syntax-error", "a-package-the-sandbox-lacks", "a-renamed-function", "a-renamed-forward-function"],
)
def test_a_sibling_that_cannot_be_imported_costs_points_in_its_own_exercise_only(
    workspace, broken, how, blamed, stood_in
):
    folder = workspace(reference=True)
    path = folder / f"{broken}.py"
    path.write_text(how(path.read_text()))
    result = grade_workspace(folder)
    by_name = {e.name: e for e in result.exercises}
    later = ["forward", "backprop"] if broken == "activations" else ["backprop"]
    for name in later:  # graded on their own code, with the reference's functions for the broken file's
        assert by_name[name].score == by_name[name].max_score, [t.message for t in by_name[name].tests if t.message]
    noted = [name for name in later if f"costs points in {broken} only" in by_name[name].message]
    assert noted == later[-stood_in:]  # a module that imports nothing broken is graded as always
    assert all(blamed in by_name[name].message for name in noted)
    assert by_name[broken].score < by_name[broken].max_score
    assert result.files[f"{broken}.py"] == path.read_text()  # what is recorded is the student's file


def test_a_module_that_fails_to_import_by_its_own_fault_is_not_given_a_stand_in(workspace):
    folder = workspace(reference=True)
    (folder / "activations.py").write_text("def sigmoid(z:\n")
    backprop = folder / "backprop.py"
    backprop.write_text(backprop.read_text() + "\nraise RuntimeError('mine')\n")
    result = grade_workspace(folder, ["backprop"])
    (graded,) = result.exercises
    assert (graded.status, graded.score) == ("error", 0)
    assert graded.message.startswith(  # the first reason
        "importing your module raised SyntaxError at activations.py:1, in a file your backprop.py imports:"
    )
    assert "line 1)" not in graded.message  # where it is, said once


def test_an_import_of_a_package_the_sandbox_lacks_says_what_can_be_imported(workspace):
    folder = workspace(reference=True)
    path = folder / "perceptron.py"
    path.write_text(path.read_text() + "\nimport matplotlib.pyplot as plt\n")
    line = len(path.read_text().splitlines())
    (perceptron,) = grade_workspace(folder, ["perceptron"]).exercises
    assert perceptron.message == (
        f"importing your module raised ModuleNotFoundError at perceptron.py:{line}: No module named 'matplotlib' "
        "(the grader imports Python's standard library, numpy and your own files only)"
    )


def test_a_data_file_read_at_import_is_said_not_to_be_in_the_sandbox(workspace):
    folder = workspace(reference=True)
    (folder / "xor.csv").write_text("0,0,0\n0,1,1\n")
    path = folder / "perceptron.py"
    path.write_text(path.read_text() + '\nDATA = open("xor.csv").read()\n')
    (perceptron,) = grade_workspace(folder, ["perceptron"]).exercises
    assert "FileNotFoundError" in perceptron.message
    assert (
        "(the grader imports your .py files only, in a folder of its own: no data file is there." in perceptron.message
    )


ORACLE_ACTIVATIONS = """
import numpy as np
import forward
import backprop

if not (forward.__doc__ or "").startswith("Stands in"):
    raise ImportError("cannot import name 'activate' from 'forward'")
if not (backprop.__doc__ or "").startswith("Stands in"):
    raise ImportError("cannot import name 'activation_derivative' from 'backprop'")


def _through(function, name):
    def answer(z):
        r = function(z, name)
        return float(r) if np.ndim(z) == 0 else r

    return answer


sigmoid, relu, tanh = (_through(forward.activate, n) for n in ("sigmoid", "relu", "tanh"))
sigmoid_derivative, relu_derivative, tanh_derivative = (
    _through(backprop.activation_derivative, n) for n in ("sigmoid", "relu", "tanh")
)
"""


def test_a_module_that_blames_a_later_file_gets_no_stand_in_for_it(workspace):
    """Found by a hostile trial of stand-ins: an activations.py that fails to import, naming
    forward and backprop, until they are stood in, then answers every call through them (the
    reference's): 112 points for no code. A stand-in is only for an earlier file, graded now,
    that fails on its own; this module is charged for its own import."""
    folder = workspace(reference=True)
    (folder / "activations.py").write_text(_stub("activations"))
    control = grade_workspace(folder).score  # activations not written at all
    (folder / "activations.py").write_text(ORACLE_ACTIVATIONS)
    oracle = grade_workspace(folder)
    by_name = {e.name: e for e in oracle.exercises}
    assert by_name["activations"].score == 0 and "stood in" not in by_name["activations"].message
    assert oracle.score <= control
