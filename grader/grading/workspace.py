"""A student's workspace on disk: checking that it is there, and snapshotting its files.

Kept apart from grading (and its numpy and pytest imports) so that commands can check their
input before any heavy work starts.
"""

from __future__ import annotations

import os
from pathlib import Path

from grader.errors import WorkspaceError

SNAPSHOT_FILE_BYTES = 256 * 1024
SNAPSHOT_FILES = 50


def check_workspace(workspace: Path) -> Path:
    """The workspace as an absolute folder path, or a WorkspaceError saying what is wrong."""
    if not workspace.exists():
        raise WorkspaceError(f"{workspace}: no such folder (run from your course folder, or pass --workspace)")
    if not workspace.is_dir():
        raise WorkspaceError(f"{workspace}: not a folder")
    return workspace.resolve()


def snapshot(workspace: Path) -> dict[str, str]:
    """The workspace's Python files as text, for the record; symlinks are not followed."""
    files: dict[str, str] = {}
    for path in sorted(workspace.glob("*.py"))[:SNAPSHOT_FILES]:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()[:SNAPSHOT_FILE_BYTES]
        files[path.name] = data.decode("utf-8", errors="replace")
    return files


def check_file_names(folder: Path) -> None:
    """A WorkspaceError naming the first Python file in `folder` whose name is not UTF-8 text:
    such a name cannot be stored (or shown), so the workspace is refused before grading."""
    for path in folder.glob("*.py"):
        try:
            path.name.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(path.name).decode("ascii", errors="backslashreplace")
            raise WorkspaceError(f"the file name {shown!r} is not UTF-8 text: rename it") from None
