"""A real course server on 127.0.0.1: `grader serve` in a subprocess, on SQLite and PostgreSQL.

`course` makes a course folder with four people enrolled (ada and ben students, tara a TA,
ian the instructor); `server` starts `grader serve` on it and stops it after the test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

POSTGRES_URL = os.environ.get("GRADER_TEST_POSTGRES_URL", "")
PEOPLE = {"student": ["ada", "ben"], "ta": ["tara"], "instructor": ["ian"]}


@dataclass
class Course:
    folder: Path
    db_url: str
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    course: Course
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    """On PostgreSQL, the `grader worker`s that grade what the server queues."""

    def client(self, person: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.course.tokens[person]}"} if person else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def kill(self) -> None:
        """kill -9 the server and everything it started (its graders, their sandboxes), and its
        workers: the whole machine lost."""
        for process in (self.process, *self.workers):
            kill_group(process)

    def stop(self) -> None:
        for process in (self.process, *self.workers):
            stop_group(process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_group(process)


def start_worker(course: Course, log: Path, processes: int = 2) -> subprocess.Popen[bytes]:
    """`grader worker` on the course, in its own process group, its output appended to `log`."""
    command = [sys.executable, "-m", "grader", "worker", "--course", str(course.folder), "--db", course.db_url]
    with log.open("ab") as output:
        return subprocess.Popen(
            [*command, "--processes", str(processes)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def grader(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, env=env, timeout=600
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def fresh_postgres() -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def course(request: pytest.FixtureRequest, tmp_path: Path) -> Course:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("GRADER_TEST_POSTGRES_URL names no PostgreSQL server")
    folder = tmp_path / "course"
    grader("course", "init", str(folder))
    db_url = fresh_postgres() if request.param == "postgresql" else f"sqlite:///{folder / 'grader.db'}"
    made = Course(folder, db_url)
    for role, names in PEOPLE.items():
        roster = tmp_path / f"{role}.csv"
        roster.write_text("student\n" + "\n".join(names) + "\n")
        enrolled = grader(
            "course", "enrol", str(roster), "--course", str(folder), "--db", db_url, "--role", role, "--json"
        )
        made.tokens.update({row["student"]: row["token"] for row in json.loads(enrolled.stdout)["enrolled"]})
    return made


def start_server(course: Course, tmp_path: Path, *, port: int | None = None, workers: int = 1) -> Server:
    """`grader serve` on the course; on PostgreSQL `workers` `grader worker`s beside it."""
    port = port or free_port()
    log = tmp_path / f"server-{port}.log"
    command = [sys.executable, "-m", "grader", "serve", "--course", str(course.folder), "--db", course.db_url]
    queued = not course.db_url.startswith("sqlite")
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port), *([] if queued else ["--jobs", "2"])],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(course, f"http://127.0.0.1:{port}", process, log)
    if queued:
        server.workers = [start_worker(course, tmp_path / f"worker-{port}-{n}.log") for n in range(workers)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise AssertionError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/api/v1/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise AssertionError(f"the server did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def server(course: Course, tmp_path: Path) -> Iterator[Server]:
    running = start_server(course, tmp_path)
    yield running
    running.stop()


@pytest.fixture
def student_env(tmp_path: Path) -> dict[str, str]:
    """An environment for the CLI with its own config folder (login, pending uploads)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    return env


def reference_files(exercises: tuple[str, ...] = ()) -> dict[str, str]:
    from grader.grading.exercises import as_workspace_module, reference_path, resolve

    files = {}
    for exercise in resolve(exercises):
        path = reference_path(exercise.name)
        assert path is not None
        files[exercise.filename] = as_workspace_module(path.read_text())
    return files
