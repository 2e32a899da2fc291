"""Uploads kept on disk until a server acknowledges them.

An upload is written here before it is sent, with the Idempotency-Key it is sent with, and
removed once the server answers. If the answer never comes (the network dropped, the server
restarted) the next `grader submit` sends it again with the same key: the server either has
it already and answers with the same submission, or stores it now. Never lost, never twice.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader.settings import app_folder


@dataclass(frozen=True)
class PendingUpload:
    key: str
    server: str
    files: dict[str, str]
    exercises: list[str] | None
    created_at: str
    path: Path


def pending_folder() -> Path:
    return app_folder() / "pending"


def keep(server: str, files: dict[str, str], exercises: list[str] | None) -> PendingUpload:
    """Write an upload to disk (mode 0600) under a new key, before it is sent."""
    folder = pending_folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = str(uuid.uuid4())
    created = datetime.now(UTC).isoformat()
    path = folder / f"{key}.json"
    data = {"key": key, "server": server, "files": files, "exercises": exercises, "created_at": created}
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return PendingUpload(key, server, files, exercises, created, path)


def waiting(server: str) -> list[PendingUpload]:
    """The uploads to `server` that got no answer, oldest first (unreadable leftovers skipped)."""
    found = []
    for path in sorted(pending_folder().glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            upload = PendingUpload(
                str(data["key"]),
                str(data["server"]),
                dict(data["files"]),
                data.get("exercises"),
                str(data["created_at"]),
                path,
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if upload.server == server:
            found.append(upload)
    return sorted(found, key=lambda u: u.created_at)


def acknowledged(upload: PendingUpload) -> None:
    upload.path.unlink(missing_ok=True)
