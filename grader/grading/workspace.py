"""A student's workspace: checking that it is there, and snapshotting its files once.

The snapshot is what is graded and what is recorded: the sandbox imports the snapshot's texts
from memory and reads nothing of the workspace, so no other file there (a package folder
`perceptron/` beside `perceptron.py`, a stale `__pycache__`) can stand in for them.

Only the top level's `*.py` files are taken, and of those only regular files with a single
link whose names are importable module names, each read up to its size cap after checking its
size, so that a hard link to a file the grader protects (the database, a mode-600 file), a
symbolic link, a FIFO or a 6 GiB sparse file is never read. Each file left out gets one short
note saying why, so that a student is not left guessing.

Kept apart from grading (and its numpy and pytest imports) so that commands can check their
input before any heavy work starts.
"""

from __future__ import annotations

import keyword
import os
import stat
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import WorkspaceError

SNAPSHOT_FILE_BYTES = 256 * 1024
SNAPSHOT_FILES = 50
SNAPSHOT_NOTES = 20


@dataclass(frozen=True)
class Snapshot:
    """The files to grade (name -> text), and the files left out (name -> why)."""

    files: dict[str, str]
    skipped: dict[str, str] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """One short line per file left out, at most SNAPSHOT_NOTES of them."""
        notes = [f"{name}: {why}" for name, why in list(self.skipped.items())[:SNAPSHOT_NOTES]]
        if len(self.skipped) > SNAPSHOT_NOTES:
            notes.append(f"… and {len(self.skipped) - SNAPSHOT_NOTES} more files not graded")
        return notes


def check_workspace(workspace: Path) -> Path:
    """The workspace as an absolute folder path, or a WorkspaceError saying what is wrong."""
    if not workspace.exists():
        raise WorkspaceError(f"{workspace}: no such folder (run from your course folder, or pass --workspace)")
    if not workspace.is_dir():
        raise WorkspaceError(f"{workspace}: not a folder")
    return workspace.resolve()


def check_holds_exercises(folder: Path, filenames: Collection[str]) -> None:
    """Refuse a folder that holds none of the exercise files `filenames`: a mistyped --workspace,
    or a submit run from the wrong folder, would otherwise be graded 0 and use up an attempt."""
    if filenames and not any(os.path.lexists(folder / name) for name in filenames):
        raise WorkspaceError(
            f"{folder}: none of the exercise files ({', '.join(sorted(filenames))}) is in this folder "
            "(run from your course folder, or pass --workspace)"
        )


def snapshot(workspace: Path) -> Snapshot:
    """The workspace's Python files as text, read once; links and special files are not followed."""
    files: dict[str, str] = {}
    skipped: dict[str, str] = {}
    try:
        entries = sorted((e for e in os.scandir(workspace) if e.name.endswith(".py")), key=lambda e: e.name)
    except OSError as error:
        raise WorkspaceError(f"{workspace}: cannot be read ({error.strerror})") from error
    for entry in entries:
        name = printable_name(entry.name)
        why = name_problem(entry.name)
        if why is None and len(files) >= SNAPSHOT_FILES:
            why = f"more than {SNAPSHOT_FILES} Python files in the workspace"
        if why is None:
            text, why = _read(entry)
            if text is not None:
                files[entry.name] = text
        if why is not None:
            skipped[name] = why
    return Snapshot(files, skipped)


def snapshot_of(files: Mapping[str, str]) -> Snapshot:
    """A snapshot of files that never were on disk (uploads, say), under the same rules."""
    kept: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for name in sorted(files):
        text = files[name]
        why = name_problem(name) if name.endswith(".py") else "not a Python file (*.py)"
        if why is None and len(kept) >= SNAPSHOT_FILES:
            why = f"more than {SNAPSHOT_FILES} Python files in the workspace"
        if why is None and len(text.encode("utf-8", "surrogatepass")) > SNAPSHOT_FILE_BYTES:
            why = _too_large(len(text.encode("utf-8", "surrogatepass")))
        if why is None:
            kept[name] = text
        else:
            skipped[printable_name(name)] = why
    return Snapshot(kept, skipped)


def name_problem(name: str) -> str | None:
    """Why a file name cannot be a module of the snapshot, or None when it can."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "the file name is not valid UTF-8"
    stem = name.removesuffix(".py")
    if not stem.isidentifier() or keyword.iskeyword(stem):
        return "the file name is not a Python module name (letters, digits and _ only)"
    if unicodedata.normalize("NFKC", stem) != stem:
        return "the file name is not in the normal form Python imports by (NFKC)"
    return None


def printable_name(name: str) -> str:
    """A file name as it can be shown: undecodable bytes and control characters made visible."""
    try:
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte (from an upload, say)
        shown = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in shown)[:120]


def _read(entry: os.DirEntry[str]) -> tuple[str | None, str | None]:
    """The file's text, or why it is left out; its size is checked before anything is read."""
    try:
        before = entry.stat(follow_symlinks=False)
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    why = _file_problem(before)
    if why is not None:
        return None, why
    try:
        fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    try:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            return None, "it changed while being read"
        why = _file_problem(opened)
        if why is not None:
            return None, why
        chunks: list[bytes] = []
        size = 0
        while size <= SNAPSHOT_FILE_BYTES and (chunk := os.read(fd, SNAPSHOT_FILE_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    finally:
        os.close(fd)
    if size > SNAPSHOT_FILE_BYTES:
        return None, _too_large(size)
    return b"".join(chunks).decode("utf-8", errors="replace"), None


def _file_problem(info: os.stat_result) -> str | None:
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link, which is not followed: copy the file instead"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if info.st_nlink > 1:
        return "a hard link (the file has more than one name), which is not read: copy the file instead"
    if info.st_size > SNAPSHOT_FILE_BYTES:
        return _too_large(info.st_size)
    return None


def _too_large(size: int) -> str:
    return f"too large ({_size(size)}; the limit is {_size(SNAPSHOT_FILE_BYTES)})"


def _size(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{size} bytes"


def check_file_names(folder: Path) -> None:
    """A WorkspaceError naming the first Python file in `folder` whose name is not UTF-8 text:
    such a name cannot be stored (or shown), so the workspace is refused before grading."""
    for path in folder.glob("*.py"):
        try:
            path.name.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(path.name).decode("ascii", errors="backslashreplace")
            raise WorkspaceError(f"the file name {shown!r} is not UTF-8 text: rename it") from None
