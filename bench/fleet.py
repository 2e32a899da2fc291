"""A course on PostgreSQL with its server and grading workers, for the queue's benchmarks.

`Fleet` makes a course folder on a fresh database (the database's public schema is WIPED:
give a database of your own), enrols students, and starts and kills `grader serve` and
`grader worker` processes, each in its own process group with its own log. Helpers read the
queue's tables for what happened when. Not a test: the scripts that use it print figures.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DB = os.environ.get("GRADER_BENCH_POSTGRES_URL") or os.environ.get("GRADER_TEST_POSTGRES_URL", "")


def grader(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, check=True, **kwargs
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def load() -> str:
    """The machine's load average: what else ran while we measured."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def wipe(db_url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def reference_files() -> dict[str, str]:
    from grader.grading.exercises import as_workspace_module, reference_path, resolve

    files = {}
    for exercise in resolve(()):
        path = reference_path(exercise.name)
        assert path is not None
        files[exercise.filename] = as_workspace_module(path.read_text())
    return files


@dataclass
class Fleet:
    root: Path
    db_url: str
    students: int = 20
    tokens: dict[str, str] = field(default_factory=dict)
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    server: subprocess.Popen[bytes] | None = None
    port: int = 8941
    committed: dict[int, datetime] = field(default_factory=dict)
    """When each upload deferred here had committed, by this machine's clock."""
    cgroup: Path | None = None
    """A cpuacct cgroup the workers start in (with every process they start): their CPU time."""

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def setup(self) -> None:
        wipe(self.db_url)
        grader("course", "init", str(self.course))
        roster = self.root / "roster.csv"
        roster.write_text("student\n" + "".join(f"s{n:04d}\n" for n in range(self.students)))
        enrolled = grader("course", "enrol", str(roster), "--course", str(self.course), "--db", self.db_url, "--json")
        self.tokens = {row["student"]: row["token"] for row in json.loads(enrolled.stdout)["enrolled"]}

    # -- processes ---------------------------------------------------------------------------

    def start_server(self, *extra: str) -> None:
        command = ["serve", "--course", str(self.course), "--db", self.db_url, "--port", str(self.port), *extra]
        self.server = self._spawn(command, self.root / "server.log")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start: " + (self.root / "server.log").read_text()[-2000:])

    def start_worker(self, name: str, processes: int = 1, prefix: tuple[str, ...] = (), db_url: str = "") -> None:
        command = ["worker", "--course", str(self.course), "--db", db_url or self.db_url]
        if self.cgroup is not None:
            prefix = ("sh", "-c", f'echo $$ > {self.cgroup}/cgroup.procs && exec "$@"', "sh", *prefix)
        self.workers[name] = self._spawn(
            [*command, "--processes", str(processes)], self.root / f"worker-{name}.log", prefix
        )

    def _spawn(self, command: list[str], log: Path, prefix: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
        with log.open("ab") as output:
            return subprocess.Popen(
                [*prefix, sys.executable, "-m", "grader", *command],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @staticmethod
    def kill(process: subprocess.Popen[bytes] | None) -> None:
        """kill -9 the process and everything it started."""
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()

    @staticmethod
    def stop(process: subprocess.Popen[bytes] | None) -> None:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                Fleet.kill(process)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the workers and everything they started (needs `cgroup`)."""
        assert self.cgroup is not None
        return int((self.cgroup / "cpuacct.usage").read_text()) / 1e9

    def stop_all(self) -> None:
        for process in [self.server, *self.workers.values()]:
            self.stop(process)

    def wait_for_workers(self, count: int, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.queue()["workers"] >= count:
                return
            time.sleep(0.25)
        raise RuntimeError(f"fewer than {count} workers alive after {timeout} s")

    # -- the database ------------------------------------------------------------------------

    def queue(self) -> dict[str, Any]:
        return dict(json.loads(grader("queue", "--db", self.db_url, "--json").stdout))

    def sql(self, query: str, **params: Any) -> list[Any]:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db_url)
        try:
            with engine.begin() as connection:
                return list(connection.execute(text(query), params))
        finally:
            engine.dispose()

    def defer_uploads(self, count: int, files: dict[str, str], *, students: list[str] | None = None) -> list[int]:
        """Store `count` uploads with their jobs, as the server does, one transaction each."""
        from grader.server.queued import QueuedGrading
        from grader.service.uploads import Upload, receive
        from grader.store import open_store

        names = students or sorted(self.tokens)
        ids = []
        with open_store(self.db_url) as store:
            queued = QueuedGrading(store)
            queued.start()
            for n in range(count):
                submission_id, _ = receive(
                    store, names[n % len(names)], Upload(files, None), key=None, now=datetime.now(UTC),
                    on_stored=queued.on_stored,
                )  # fmt: skip
                self.committed[submission_id] = datetime.now(UTC)
                ids.append(submission_id)
        return ids

    def wait_graded(self, ids: list[int], timeout: float = 3600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.sql(
                "SELECT count(*) FROM submissions WHERE id = ANY(:ids) AND status IN ('graded', 'not_gradable')",
                ids=ids,
            )
            if rows[0][0] == len(ids):
                return
            time.sleep(0.2)
        raise RuntimeError(f"not all of {len(ids)} submissions graded within {timeout} s")

    def job_times(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Per submission: its grading job's deferred, first started and succeeded times (the
        database's clock), and how many times it started."""
        rows = self.sql(
            "SELECT (j.args->>'submission_id')::int, e.type::text, e.at FROM procrastinate_jobs j "
            "JOIN procrastinate_events e ON e.job_id = j.id WHERE j.task_name = 'grade_submission' "
            "AND (j.args->>'submission_id')::int = ANY(:ids) ORDER BY e.at",
            ids=ids,
        )
        times: dict[int, dict[str, Any]] = {}
        for submission_id, kind, at in rows:
            entry = times.setdefault(submission_id, {"started": []})
            if kind == "started":
                entry["started"].append(at)
            else:
                entry.setdefault(kind, at)
        return times


def cpu_cgroup(name: str) -> Path | None:
    """A fresh cgroup-v1 cpuacct group to count the workers' CPU time, where the machine has one."""
    group = Path("/sys/fs/cgroup/cpuacct") / name
    try:
        group.mkdir(exist_ok=True)
    except OSError:
        return None
    return group


def remove_cgroup(group: Path) -> None:
    """Remove `group` once the last of its processes (a sandbox exiting) has left it."""
    for _ in range(100):
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.1)


def local_submit_seconds(root: Path, runs: int = 3) -> float:
    """Baseline: a local `grader submit` of the reference workspace (median)."""
    from grader.grading.exercises import write_reference_workspace

    workspace = write_reference_workspace(root / "local-ws")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        grader("submit", "--local", "--workspace", str(workspace), "--student", "solo", "--db",
               f"sqlite:///{root / 'local.db'}", env={**os.environ, "XDG_CONFIG_HOME": str(root / "cfg")})  # fmt: skip
        times.append(time.perf_counter() - started)
    return statistics.median(times)
