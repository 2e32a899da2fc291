"""What a sandboxed worker may do: its limits, the files it may read, and how to describe both.

The worker may read the Python standard library, numpy, and the system's shared libraries;
nothing else, and nothing of the workspace: the student's sources reach it in memory, from the
snapshot that is recorded (see `grader.workspace`). `read_rules` turns that into Landlock rules
while carving out every protected path (the grader package with its hidden suites, the
reference solutions, site-packages, the database), even when a protected path lies inside an
allowed folder: such a folder is granted entry by entry, skipping the protected ones.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

READ_FILE = 1 << 2
READ_DIR = 1 << 3
READ = READ_FILE | READ_DIR
SYSTEM_LIBRARY_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64")


@dataclass(frozen=True)
class Layers:
    """Which isolation layers a worker tries to enter; each is used only where the OS has it.

    All are on in production. Tests turn single layers off to show that another one holds
    on its own (that the PID namespace alone ends a daemon, say).
    """

    namespaces: bool = True
    """New user, network and PID namespaces (Linux)."""
    landlock: bool = True
    """Read-only access to the workspace and runtime; no TCP; no signals out (Linux 5.13+)."""
    seccomp: bool = True
    """No new processes or threads: fork, vfork and clone fail (Linux, x86_64 and aarch64)."""

    def as_dict(self) -> dict[str, bool]:
        return {"namespaces": self.namespaces, "landlock": self.landlock, "seccomp": self.seccomp}


@dataclass(frozen=True)
class SandboxLimits:
    """Time, memory and output limits of one exercise's sandbox.

    Time is the student's CPU time, as the kernel counts it, so that a busy machine changes
    no verdict (see `grader.sandbox.budget`); code that waits instead of computing is ended by
    a wall-clock backstop on the time it spends blocked.
    """

    call_seconds: float = 5.0
    """CPU time one call into student code may use (importing the module counts as one call)."""
    exercise_seconds: float = 12.0
    """CPU time all calls of one exercise may use together."""
    blocked_seconds: float = 15.0
    """Wall-clock backstop: how long an exercise's calls may spend blocked (sleeping, waiting;
    neither running nor waiting for a CPU), in all. Honest code never blocks."""
    memory_bytes: int = 1 << 30
    output_bytes: int = 64 * 1024
    """How much of what student code prints is kept; the rest is read and dropped."""
    max_restarts: int = 4
    """Fresh workers started after a crash or a timeout, per exercise."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "memory_bytes": self.memory_bytes,
            "cpu_seconds": int(self.exercise_seconds) + 2,
        }


@cache
def _protected_defaults() -> tuple[Path, ...]:
    import importlib.util

    import grader

    reference = importlib.util.find_spec("grader.reference")
    paths = {Path(grader.__file__).resolve().parent}
    if reference is not None and reference.origin:
        paths.add(Path(reference.origin).resolve().parent)
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    for key in ("purelib", "platlib"):
        paths.add(Path(sysconfig.get_path(key)).resolve())
        paths.add(Path(sysconfig.get_path(key, vars=base)).resolve())
    paths.update(Path(p).resolve() for p in sys.path if p.endswith(("site-packages", "dist-packages")))
    return tuple(sorted(paths))


@cache
def _runtime_roots() -> tuple[Path, ...]:
    from grader.sandbox.launch import numpy_parent

    numpy_dir = Path(numpy_parent()) / "numpy"
    roots = [numpy_dir, numpy_dir.with_name("numpy.libs")]
    roots += [Path(sysconfig.get_path(key)).resolve() for key in ("stdlib", "platstdlib")]
    roots += [Path(p) for p in SYSTEM_LIBRARY_DIRS]
    return tuple(root for root in dict.fromkeys(roots) if root.exists())


def read_rules(protected: tuple[Path, ...] = ()) -> list[tuple[str, int]]:
    """Landlock rules (path, access) letting a worker read the runtime only (not its workspace)."""
    return _runtime_rules(_fenced(tuple(p.resolve() for p in protected)))


def _fenced(protected: tuple[Path, ...]) -> tuple[str, ...]:
    return tuple(sorted({str(p) for p in (*_protected_defaults(), *protected)}))


@cache
def _runtime_rules(fenced: tuple[str, ...]) -> list[tuple[str, int]]:
    """The standard library, numpy and system libraries, less the fenced paths (computed once)."""
    rules: list[tuple[str, int]] = []
    for root in _runtime_roots():  # numpy's folders sit inside fenced site-packages, by choice
        _grant(root, fenced, rules)
    return rules


def _grant(root: Path, fenced: tuple[str, ...], rules: list[tuple[str, int]]) -> None:
    """Allow reading `root`, except any fenced path below it."""
    text = str(root)
    if text in fenced:
        return
    prefix = text.rstrip(os.sep) + os.sep
    if not any(f.startswith(prefix) for f in fenced):
        rules.append((text, READ))
        return
    rules.append((text, READ_DIR))  # may be listed, so imports work, but not read whole
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        _grant(Path(entry.path), fenced, rules)
