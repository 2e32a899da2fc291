"""The project installs what it needs: every package listed, migrations and suites shipped."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_package_under_grader_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "grader").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    # Three packages are folders at the top of the repo, mapped into the package: the reference
    # solutions, the quiz bank, and the stubs (which `grader course init` copies).
    assert found | {"grader.reference", "grader.quizzes", "grader.stubs"} == listed
    assert config["package-dir"]["grader.reference"] == "reference"
    assert config["package-dir"]["grader.quizzes"] == "quizzes"
    assert config["package-dir"]["grader.stubs"] == "exercises"


def test_reference_mirrors_the_exercises_file_for_file_and_function_for_function():
    import ast

    def functions(path: Path) -> set[str]:
        tree = ast.parse(path.read_text())
        return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}

    stubs = {p.name for p in (REPO / "exercises").glob("*.py")}
    solutions = {p.name for p in (REPO / "reference").glob("*.py")} - {"__init__.py"}
    assert stubs == solutions
    suites = {p.name.removeprefix("test_") for p in (REPO / "grader" / "suites").glob("test_*.py")}
    assert stubs == suites
    for name in stubs:
        assert functions(REPO / "exercises" / name) == functions(REPO / "reference" / name), name
