"""The snapshot of a workspace: what is taken, what is left out and why, and what is never read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import grader.grading.workspace
from grader.grading.workspace import SNAPSHOT_FILE_BYTES, SNAPSHOT_FILES, SNAPSHOT_NOTES, snapshot, snapshot_of


@pytest.fixture
def bytes_read(monkeypatch):
    """How many bytes the snapshot reads, file by file."""
    counted: list[int] = []
    real_read = os.read

    def read(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        counted.append(len(data))
        return data

    monkeypatch.setattr(grader.grading.workspace.os, "read", read)
    return counted


def test_a_huge_sparse_file_is_left_out_without_being_read(tmp_path: Path, bytes_read: list[int]):
    (tmp_path / "perceptron.py").write_text("x = 1\n")
    with open(tmp_path / "zz_big.py", "wb") as handle:
        handle.truncate(6 << 30)  # 6 GiB that take no disk space
    taken = snapshot(tmp_path)
    assert taken.files == {"perceptron.py": "x = 1\n"}
    assert taken.skipped == {"zz_big.py": "too large (6 GiB; the limit is 256 KiB)"}
    assert sum(bytes_read) == len("x = 1\n")


def test_a_file_over_the_cap_is_left_out_rather_than_cut_short(tmp_path: Path):
    (tmp_path / "big.py").write_text("#" * (SNAPSHOT_FILE_BYTES + 1))
    (tmp_path / "fits.py").write_text("#" * SNAPSHOT_FILE_BYTES)
    taken = snapshot(tmp_path)
    assert list(taken.files) == ["fits.py"]
    assert taken.skipped["big.py"].startswith("too large")


def test_links_fifos_and_folders_are_left_out_with_a_note(tmp_path: Path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.py"
    outside.write_text("SECRET = 1\n")
    (tmp_path / "hard.py").hardlink_to(outside)
    (tmp_path / "soft.py").symlink_to(outside)
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block for ever
    (tmp_path / "package.py").mkdir()
    taken = snapshot(tmp_path)
    assert taken.files == {}
    assert taken.skipped == {
        "hard.py": "a hard link (the file has more than one name), which is not read: copy the file instead",
        "package.py": "not a regular file",
        "pipe.py": "not a regular file",
        "soft.py": "a symbolic link, which is not followed: copy the file instead",
    }


def test_names_that_cannot_be_modules_are_left_out_and_shown_safely(tmp_path: Path):
    os.close(os.open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.py"), os.O_CREAT | os.O_WRONLY))  # latin-1
    (tmp_path / "my-notes.py").write_text("x = 1\n")
    (tmp_path / "class.py").write_text("x = 1\n")
    (tmp_path / "bell\a.py").write_text("x = 1\n")
    (tmp_path / "ok_2.py").write_text("x = 1\n")
    taken = snapshot(tmp_path)
    assert list(taken.files) == ["ok_2.py"]
    assert taken.skipped == {
        "bell\\x07.py": "the file name is not a Python module name (letters, digits and _ only)",
        "caf\\xe9.py": "the file name is not valid UTF-8",
        "class.py": "the file name is not a Python module name (letters, digits and _ only)",
        "my-notes.py": "the file name is not a Python module name (letters, digits and _ only)",
    }


def test_at_most_so_many_files_are_taken_and_the_notes_are_capped(tmp_path: Path):
    for number in range(SNAPSHOT_FILES + SNAPSHOT_NOTES + 5):
        (tmp_path / f"m{number:03d}.py").write_text("x = 1\n")
    taken = snapshot(tmp_path)
    assert len(taken.files) == SNAPSHOT_FILES
    notes = taken.notes()
    assert len(notes) == SNAPSHOT_NOTES + 1
    assert notes[0] == f"m{SNAPSHOT_FILES:03d}.py: more than {SNAPSHOT_FILES} Python files in the workspace"
    assert notes[-1] == "… and 5 more files not graded"


def test_uploaded_files_follow_the_same_rules():
    files = {"perceptron.py": "x = 1\n", "big.py": "#" * (SNAPSHOT_FILE_BYTES + 1), "a/b.py": "", "\ud800.py": ""}
    taken = snapshot_of(files)
    assert taken.files == {"perceptron.py": "x = 1\n"}
    assert set(taken.skipped) == {"big.py", "a/b.py", "\\ud800.py"}
