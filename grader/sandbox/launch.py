"""How a worker or a zygote process is started: its command, its environment, its place.

Both run `python -I -S -B -c <worker.py>` with the wire format's source as an argument, so
they import nothing of the grader and cannot be redirected by the environment or site-packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

WORKER_ENV_PASSTHROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LANG", "LC_ALL", "TZ")


@cache
def _sources() -> tuple[str, str]:
    here = Path(__file__).parent
    return (here / "worker.py").read_text(encoding="utf-8"), (here / "protocol.py").read_text(encoding="utf-8")


@cache
def numpy_parent() -> str:
    """Where numpy is installed, found without importing it (so a zygote starts at once)."""
    import importlib.util

    spec = importlib.util.find_spec("numpy")
    if spec is None or spec.origin is None:
        raise RuntimeError("numpy is not installed")
    return str(Path(spec.origin).resolve().parent.parent)


def _worker_env() -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    env.update({key: os.environ[key] for key in WORKER_ENV_PASSTHROUGH if key in os.environ})
    return env


def worker_command() -> tuple[list[str], dict[str, str], dict[str, Any]]:
    """How to start a worker (or a zygote): the command whose last two arguments are the JSON
    configuration and the protocol's source, its environment, and the base configuration."""
    worker_source, protocol_source = _sources()
    command = [sys.executable, "-I", "-S", "-B", "-c", worker_source, "{}", protocol_source]
    return command, _worker_env(), {"numpy_parent": numpy_parent(), "parent_pid": os.getpid()}


def start_process(
    command: list[str], env: dict[str, str], pass_fds: tuple[int, ...], output: int
) -> subprocess.Popen[bytes]:
    """Start a worker or zygote: in a process group of its own (so a terminal's Ctrl-C and a
    `killpg` reach it alone) but in the grader's session. A session of its own would put it in a
    scheduling group of its own where the kernel groups sessions (autogroup), and on a busy
    machine each call would then wait behind the other groups' work for the CPU."""
    return subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        pass_fds=pass_fds,
        process_group=0,
        env=env,
        cwd="/",
    )
