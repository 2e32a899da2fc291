"""What isolation grading actually ran under: the `"sandbox"` object of `grader submit --json`.

Each worker reports the layers it entered; the report takes the weakest of them over all
exercises, with a warning for every layer that was missing, and the limits that applied.
The JSON shape (`SandboxReport.to_dict`) is a contract that scripts depend on: keys are added,
never renamed or removed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from grader.sandbox.policy import SandboxLimits

NO_STUDENT_CODE = "no student code ran"
"""The warning of a report for which no exercise file was there to run."""


@dataclass(frozen=True)
class SandboxReport:
    level: str
    """full | partial | minimal."""
    filesystem: str
    network: str
    processes: str
    signals: str
    memory_limit_bytes: int | None
    cpu_time: bool
    """Limits counted the student's CPU time (read from /proc), not wall-clock time."""
    limits: SandboxLimits
    warnings: tuple[str, ...]
    student_code_ran: bool = True
    skipped_files: tuple[str, ...] = ()
    """One note per workspace file that was not read, and why."""

    def to_dict(self) -> dict[str, Any]:
        """The `"sandbox"` object of `--json`."""
        shape: dict[str, Any] = {
            "level": self.level,
            "platform": sys.platform,
            "separate_process": True,
            "filesystem": self.filesystem,
            "network": self.network,
            "processes": self.processes,
            "signals": self.signals,
            "memory_limit_bytes": self.memory_limit_bytes,
            "call_timeout_seconds": self.limits.call_seconds,
            "exercise_budget_seconds": self.limits.exercise_seconds,
            "warnings": list(self.warnings) if self.student_code_ran else [NO_STUDENT_CODE],
            "time": "cpu" if self.cpu_time else "wall-clock",
            "blocked_backstop_seconds": self.limits.blocked_seconds,
        }
        if self.skipped_files:
            shape["skipped_files"] = list(self.skipped_files)
        return shape


def describe_isolation(
    reports: list[dict[str, Any]], limits: SandboxLimits, skipped_files: Iterable[str] = ()
) -> SandboxReport:
    """The weakest isolation any exercise actually ran under (no report: no student code ran)."""

    def every(key: str) -> bool:
        return bool(reports) and all(bool(r.get(key)) for r in reports)

    filesystem = "landlock" if every("filesystem") else "none"
    network = "namespace" if every("network_namespace") else "landlock-tcp" if every("network_tcp") else "none"
    processes = (
        "+".join(
            [name for key, name in (("no_new_processes", "no-fork"), ("pid_namespace", "pid-namespace")) if every(key)]
        )
        or "process-group"
    )
    signals = "landlock-scope" if every("signal_scope") else "pid-namespace" if every("pid_namespace") else "none"
    memory = min((r.get("memory_limit_bytes") or 0 for r in reports), default=0) or None
    cpu_time = every("cpu_time")
    warnings = []
    if filesystem == "none":
        warnings.append("student code can read any file this user can (no Landlock on this system)")
    if network == "none":
        warnings.append("student code may use the network (no network namespace or Landlock)")
    if "pid-namespace" not in processes and "no-fork" not in processes:
        warnings.append("a process that student code detaches may outlive grading (no PID namespace)")
    elif "no-fork" not in processes:
        warnings.append("student code may start processes until its time is up (no seccomp filter)")
    if signals == "none":
        warnings.append("student code may signal other processes of this user")
    if memory is None:
        warnings.append("no memory limit could be set")
    if not cpu_time:
        warnings.append("time limits are wall-clock time, so a busy machine may time out slow code (no /proc)")
    strong = filesystem == "landlock" or "pid-namespace" in processes
    level = "full" if not warnings else "partial" if strong else "minimal"
    return SandboxReport(
        level=level,
        filesystem=filesystem,
        network=network,
        processes=processes,
        signals=signals,
        memory_limit_bytes=memory,
        cpu_time=cpu_time,
        limits=limits,
        warnings=tuple(warnings),
        student_code_ran=bool(reports),
        skipped_files=tuple(skipped_files),
    )


__all__ = ["NO_STUDENT_CODE", "SandboxReport", "describe_isolation"]
