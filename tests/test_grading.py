"""Grading a whole workspace: one exercise's misbehaviour costs only that exercise's points."""

from __future__ import annotations

import pytest

from grader.grading.exercises import all_exercises
from grader.grading.grade import grade_workspace
from grader.sandbox.policy import SandboxLimits
from grader.service.submissions import submit_workspace
from grader.store import open_store

pytestmark = pytest.mark.sandbox

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
    "every call hangs": (
        "import time\n"
        "def _hang(*args, **kwargs):\n    time.sleep(1000)\n"
        "weighted_sum = step = perceptron = and_gate = predict = train_perceptron = _hang\n"
    ),
}
LIMITS = SandboxLimits(call_seconds=0.5, exercise_seconds=2.0)


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


def test_every_test_of_a_hanging_exercise_is_reported_as_timeout_within_its_budget(workspace):
    folder = workspace(reference=True, perceptron=HOSTILE_PERCEPTRONS["every call hangs"])
    result = grade_workspace(folder, ["perceptron"], limits=LIMITS)
    (perceptron,) = result.exercises
    assert {t.outcome for t in perceptron.tests} == {"timeout"}
    assert any("time budget is spent" in t.message for t in perceptron.tests)
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
