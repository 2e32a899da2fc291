"""The quiz bank ships in the built wheel, and an installed grader finds it there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BANK_FILES = sorted(p.name for p in (REPO / "quizzes").glob("*.md"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from a copy of the sources (the repository is not written),
    with the PEP 517 hook of the setuptools that the test extra installs: no network needed."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("grader", "reference", "quizzes", "exercises"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    build = f"from setuptools import build_meta; print(build_meta.build_wheel({str(root / 'dist')!r}))"
    done = subprocess.run([sys.executable, "-c", build], cwd=source, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return root / "dist" / done.stdout.strip().splitlines()[-1]


def test_the_wheel_holds_every_quiz_of_the_bank(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert BANK_FILES and {f"grader/quizzes/{name}" for name in BANK_FILES} <= names


def test_an_installed_grader_reads_its_bank_from_the_package(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"  # no quizzes/ folder here, nor beside the package
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "GRADER_QUIZZES"}
    env["PYTHONPATH"] = str(site)
    probe = (
        "import json, grader; from pathlib import Path; from grader.settings import resolve_quizzes_dir; "
        "from grader.quiz.bank import load_bank; bank = resolve_quizzes_dir(None, {}, Path.cwd()); "
        "print(json.dumps([grader.__file__, str(bank), [q.id for q in load_bank([bank])]]))"
    )

    found = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True)
    listed = subprocess.run(
        [sys.executable, "-m", "grader", "quiz", "list"], cwd=elsewhere, env=env, capture_output=True, text=True
    )

    assert found.returncode == 0, found.stderr
    package, bank, quizzes = json.loads(found.stdout)
    assert Path(package).is_relative_to(site) and Path(bank) == site / "grader" / "quizzes"
    assert sorted(f"{quiz}.md" for quiz in quizzes) == [name for name in BANK_FILES if name != "README.md"]
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].startswith("activation-functions ")


def test_an_installed_grader_writes_a_course_folder_from_what_it_ships(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {key: value for key, value in os.environ.items() if not key.startswith("GRADER_")}
    env["PYTHONPATH"] = str(site)
    made = subprocess.run(
        [sys.executable, "-m", "grader", "course", "init", str(tmp_path / "course")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    course = tmp_path / "course"
    for folder, shipped in (("exercises", REPO / "exercises"), ("quizzes", REPO / "quizzes")):
        assert sorted(p.name for p in (course / folder).iterdir() if p.suffix in (".py", ".md")) == sorted(
            p.name for p in shipped.iterdir() if p.suffix in (".py", ".md") and p.name != "__init__.py"
        ), folder
    assert sorted(p.name for p in (course / "suites").glob("test_*.py")) == [
        f"test_{p.stem}.py" for p in sorted((REPO / "exercises").glob("*.py"), key=lambda p: f"test_{p.stem}.py")
    ]
