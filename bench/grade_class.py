"""Benchmark `grader grade`: a generated class of students, graded in parallel and one at a time.

    python bench/grade_class.py [--students 100] [--sample 10]

The class is built from the reference and the stubs of every graded exercise, with varied
mistakes: complete work, untouched stubs, a function or two left as the stub, a syntax
error, a missing file. It is graded with `grade_class` on all cores and with one job, and
a sample of students is submitted one at a time with `submit_workspace` (a fresh sandbox
start for every exercise, as `grader submit` does). Figures are printed, nothing asserted.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MISTAKES = (
    "complete",
    "stubs",
    "one function stubbed",
    "two functions stubbed",
    "syntax error",
    "missing file",
)
WEIGHTS = (30, 10, 25, 15, 10, 10)


def reference_text(name: str) -> str:
    from grader.grading.exercises import as_workspace_module, reference_path

    path = reference_path(name)
    assert path is not None, f"no reference for {name}"
    return as_workspace_module(path.read_text())


def stub_functions(name: str) -> dict[str, str]:
    """Top-level function name -> its source in the stub file."""
    text = (REPO / "exercises" / f"{name}.py").read_text()
    tree = ast.parse(text)
    return {n.name: ast.get_source_segment(text, n) or "" for n in tree.body if isinstance(n, ast.FunctionDef)}


def with_stubbed(name: str, count: int, rng: random.Random) -> str:
    """The reference of `name` with `count` of its functions put back to the stub's version."""
    text = reference_text(name)
    stubs = stub_functions(name)
    tree = ast.parse(text)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in stubs]
    for node in sorted(rng.sample(functions, min(count, len(functions))), key=lambda n: -n.lineno):
        segment = ast.get_source_segment(text, node) or ""
        text = text.replace(segment, stubs[node.name], 1)
    return text


def make_class(folder: Path, students: int, seed: int = 7) -> Path:
    from grader.grading.exercises import all_exercises

    rng = random.Random(seed)
    names = [e.name for e in all_exercises()]
    for i in range(students):
        workspace = folder / f"student{i:03d}"
        workspace.mkdir(parents=True)
        mistake = rng.choices(MISTAKES, WEIGHTS)[0]
        broken = rng.choice(names)
        for name in names:
            if mistake == "stubs":
                text = (REPO / "exercises" / f"{name}.py").read_text()
            elif mistake.endswith("stubbed") and name == broken:
                text = with_stubbed(name, 1 if mistake.startswith("one") else 2, rng)
            elif mistake == "syntax error" and name == broken:
                text = reference_text(name) + "\ndef oops(:\n"
            elif mistake == "missing file" and name == broken:
                continue
            else:
                text = reference_text(name)
            (workspace / f"{name}.py").write_text(text)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--sample", type=int, default=10, help="students submitted one at a time")
    args = parser.parse_args()

    from grader.service.batch import grade_class
    from grader.service.submissions import submit_workspace
    from grader.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        root = make_class(Path(tmp) / "class", args.students)
        print(f"{args.students} students, {os.cpu_count()} cores, python {sys.version.split()[0]}")

        def batch(jobs: int | None, label: str) -> float:
            db = f"sqlite:///{tmp}/{label}.db"
            started = time.perf_counter()
            with open_store(db) as store:
                result = grade_class(store, root, jobs=jobs)
            seconds = time.perf_counter() - started
            assert not result.failed, result.failed
            print(
                f"grader grade --jobs {jobs or 'default'}: {seconds:6.1f} s  {args.students / seconds:5.2f} students/s"
            )
            return seconds

        parallel = batch(None, "parallel")
        serial = batch(1, "serial")

        sample = sorted(root.iterdir())[: args.sample]
        started = time.perf_counter()
        for workspace in sample:
            with open_store(f"sqlite:///{tmp}/submit.db") as store:
                submit_workspace(store, workspace, student=workspace.name)
        per_student = (time.perf_counter() - started) / len(sample)
        print(
            f"submit_workspace one at a time ({len(sample)} sampled): {per_student:5.2f} s/student  "
            f"{1 / per_student:5.2f} students/s"
        )
        one_at_a_time = per_student * args.students
        print(
            f"speed-up over one at a time: --jobs default {one_at_a_time / parallel:4.1f}x, "
            f"--jobs 1 {one_at_a_time / serial:4.1f}x"
        )


if __name__ == "__main__":
    main()
