"""A course pack: the instructor's folder that a course server grades with.

    course.toml     the course's rules (deadlines, attempts, late penalty): see grader.course
    exercises/      the stubs handed out to students, one NAME.py per exercise
    reference/      the solutions, NAME.py each, in a package (it has an __init__.py)
    suites/         the hidden tests, test_NAME.py each
    quizzes/        the question bank, one Markdown file per quiz
    grader.db       the database `grader serve` uses when no --db is given (created)
    web-secret.key  signs the web pages' sessions (created by `grader serve`, owner-only)

`init_pack` writes one from the built-in lesson; `load_pack` checks one. The server grades
with the pack's suites and reference, never the installed package's, so an instructor can
write their own hidden tests. Only the trusted side reads `reference/` and `suites/`.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.errors import ConfigError, InputFileError
from grader.grading.exercises import CourseContent
from grader.settings import bundled_quizzes_dir

FOLDERS = ("exercises", "reference", "suites", "quizzes")
COURSE_TOML = """\
# The rules of this course; every key is optional (see the grader's README, "Course settings").
score = "best"              # which attempt counts: "best" or "latest"
# max_attempts = 20         # submissions per student
# cooldown_minutes = 5      # between two submissions of a student
#
# [late]
# penalty_per_day = 0.1     # share of an exercise's score lost per started day late
# max_penalty = 0.5
#
# [deadlines]               # per exercise, with a time zone
# perceptron = 2026-12-01T23:59:00+01:00
"""


@dataclass(frozen=True)
class CoursePack:
    root: Path

    @property
    def course_file(self) -> Path:
        return self.root / "course.toml"

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference"

    @property
    def suites_dir(self) -> Path:
        return self.root / "suites"

    @property
    def quizzes_dir(self) -> Path:
        return self.root / "quizzes"

    @property
    def default_db_url(self) -> str:
        return f"sqlite:///{self.root / 'grader.db'}"

    @property
    def content(self) -> CourseContent:
        """What grading with this pack reads: its suites and its reference."""
        return CourseContent(self.suites_dir, self.reference_dir)

    def exercise_names(self) -> list[str]:
        """The pack's exercises: one per hidden suite, in the order the stubs list them."""
        return sorted(p.stem.removeprefix("test_") for p in self.suites_dir.glob("test_*.py"))


def load_pack(root: Path) -> CoursePack:
    """The pack in `root`, checked: every folder there, and a suite with a reference each."""
    if not root.is_dir():
        raise ConfigError(f"{root}: no such course folder (make one with `grader course init {root}`)")
    pack = CoursePack(root.resolve())
    for folder in FOLDERS:
        if not (pack.root / folder).is_dir():
            raise ConfigError(f"{pack.root / folder}: missing; a course folder has {', '.join(FOLDERS)}")
    names = pack.exercise_names()
    if not names:
        raise ConfigError(f"{pack.suites_dir}: no hidden suites (test_NAME.py)")
    for name in names:
        if not (pack.reference_dir / f"{name}.py").is_file():
            raise InputFileError(pack.suites_dir / f"test_{name}.py", f"no reference/{name}.py to compare with")
    return pack


def init_pack(root: Path) -> CoursePack:
    """Write a pack of the built-in lesson into `root` (which must not hold one already)."""
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root}: not empty; a new course goes into a new folder")
    pack = CoursePack(root.resolve())
    try:
        pack.root.mkdir(parents=True, exist_ok=True)
        (pack.root / "exercises").mkdir()
        for name, text in _stub_texts(_stubs()).items():
            (pack.exercises_dir / name).write_text(text, encoding="utf-8")
        for folder, source, pattern in (
            ("reference", _package_folder("grader.reference"), "*.py"),
            ("suites", _package_folder("grader.suites"), "test_*.py"),
            ("quizzes", bundled_quizzes_dir(), "*.md"),
        ):
            (pack.root / folder).mkdir()
            for path in sorted(source.glob(pattern)):
                shutil.copyfile(path, pack.root / folder / path.name)
        (pack.reference_dir / "__init__.py").touch()
        pack.course_file.write_text(COURSE_TOML, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write the course folder {root}: {error.strerror or error}") from error
    return pack


def _stubs() -> Path:
    """The built-in stubs: shipped in the package as grader/stubs (a wheel), or the checkout's
    exercises/ folder beside the package (an editable install)."""
    package = Path(__file__).resolve().parent
    for folder in (package / "stubs", package.parent / "exercises"):
        if folder.is_dir():
            return folder
    raise ConfigError("the grader's own exercise stubs are not installed; reinstall nn-grader")


def _stub_texts(folder: Path) -> dict[str, str]:
    """The stubs as handed out. In a checkout (an editable install) `exercises/` is also where
    the instructor may have tried the exercises, so each stub is read as git last committed it
    where git can tell, never with the instructor's own answers in it."""
    import subprocess

    texts = {}
    for path in sorted(folder.glob("*.py")):
        texts[path.name] = path.read_text(encoding="utf-8")
        if folder.name != "exercises" or not (folder.parent / ".git").exists():
            continue
        try:
            committed = subprocess.run(
                ["git", "-C", str(folder.parent), "show", f"HEAD:exercises/{path.name}"],
                capture_output=True,
                text=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if committed.returncode == 0:
            texts[path.name] = committed.stdout
    return texts


def _package_folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the grader's own {package} is not installed; reinstall nn-grader")
    return Path(next(iter(spec.submodule_search_locations)))
