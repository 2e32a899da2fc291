"""The layers of the package, as the next engineer (or a web request handler) relies on them.

Each top-level part of `grader` sits in one layer and imports only from its own layer or the
ones below: the front ends (command line, server, client, the --json contracts) over the
service functions, over the domain (grading, quizzes, reports, course rules), over the sandbox
and the store, over a base of plain records and errors (cli -> service -> {grading, quiz,
report} -> {sandbox, store}). Below the front ends nothing prints, exits, or knows about the
terminal or HTTP.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "grader"
LAYERS: dict[str, int] = {
    # base: plain data, errors, and words for values
    "grader": 0,
    "errors": 0,
    "records": 0,
    "descriptions": 0,
    "students": 0,
    "visible": 0,
    # the sandbox that runs student code, and the store that keeps every record (the store
    # knows nothing of quizzes or grading: they hand it plain records)
    "sandbox": 1,
    "store": 1,
    # the domain
    "grading": 2,
    "quiz": 2,
    "report": 2,
    "course": 2,
    "handin": 2,
    "pack": 2,
    "settings": 2,
    "quizzes": 2,
    "stubs": 2,
    "reference": 2,
    # what every front end calls
    "service": 3,
    "queue": 3,
    # the front ends
    "contracts": 4,
    "client": 4,
    "server": 4,
    "cli": 4,
    "__main__": 4,
}
FRONT_ENDS = {"cli", "server", "client", "__main__"}
FRONT_END_LIBRARIES = {"click", "starlette", "uvicorn", "httpx", "jinja2", "itsdangerous"}
ALLOWED = {"grader/settings.py imports click"}
"""click.get_app_dir: where the login and pending uploads live, the folder the CLI's users expect."""
NOT_PACKAGE_CODE = {"suites", "migrations"}  # hidden tests and generated migrations


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "grader"


def package_modules() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        if NOT_PACKAGE_CODE & set(relative.parts):
            continue
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        yield module, path, ast.parse(path.read_text(encoding="utf-8"))


def imported(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {part_of(module) for module, _, _ in package_modules()}
    assert parts - set(LAYERS) == set()


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    upward = []
    for module, path, tree in package_modules():
        own = LAYERS[part_of(module)]
        for line, name in imported(tree):
            if name == "grader" or name.startswith("grader."):
                target = part_of(name)
                if LAYERS.get(target, 0) > own:
                    upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert upward == []


def test_below_the_front_ends_nothing_prints_exits_or_speaks_http() -> None:
    found = []
    for module, path, tree in package_modules():
        if part_of(module) in FRONT_ENDS or part_of(module) == "sandbox":  # the sandbox's worker talks on a pipe
            continue
        where = path.relative_to(PACKAGE.parent)
        for line, name in imported(tree):
            if name.split(".")[0] in FRONT_END_LIBRARIES and f"{where} imports {name}" not in ALLOWED:
                found.append(f"{where}:{line} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = node.func
                if isinstance(called, ast.Name) and called.id in ("print", "exit", "quit"):
                    found.append(f"{where}:{node.lineno} calls {called.id}")
                elif (
                    isinstance(called, ast.Attribute) and isinstance(called.value, ast.Name)
                    and (called.value.id, called.attr) == ("sys", "exit")
                ):  # fmt: skip
                    found.append(f"{where}:{node.lineno} calls {called.value.id}.{called.attr}")
    assert found == []
