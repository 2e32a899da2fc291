"""A course server under a class's burst: 20 students submitting together on loopback.

Starts `grader serve` on a fresh course folder (SQLite, the server's own grading pool),
enrols the students, and has each submit the reference workspace `--rounds` times at once.
Prints, side by side with the baseline of a local `grader submit` of the same workspace:
- submissions accepted per second (POST until the 202 or 200 answer),
- submit-to-feedback latency p50 and p95 (POST until the graded result is back),
- and the server's grading throughput.
Prints figures; no assertions. Run: python bench/server.py [--students 20] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def grader(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, check=True, **kwargs)  # type: ignore[call-overload]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=8931)
    options = parser.parse_args()

    from grader.grading.exercises import write_reference_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        workspace = write_reference_workspace(root / "ws")
        files = {p.name: p.read_text() for p in workspace.glob("*.py")}

        env = {**os.environ, "XDG_CONFIG_HOME": str(root / "config")}
        local = []
        for _ in range(5):
            started = time.perf_counter()
            grader(
                "submit",
                "--local",
                "--workspace",
                str(workspace),
                "--student",
                "solo",
                "--db",
                f"sqlite:///{root / 'local.db'}",
                env=env,
            )
            local.append(time.perf_counter() - started)

        course = root / "course"
        grader("course", "init", str(course))
        roster = root / "roster.csv"
        roster.write_text("student\n" + "".join(f"s{n:02d}\n" for n in range(options.students)))
        tokens = {
            row["student"]: row["token"]
            for row in json.loads(grader("course", "enrol", str(roster), "--course", str(course), "--json").stdout)[
                "enrolled"
            ]
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "grader", "serve", "--course", str(course), "--port", str(options.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{options.port}"
        try:
            while True:
                try:
                    if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            accepted: list[float] = []
            feedback: list[float] = []
            bursts: list[float] = []
            lock = threading.Lock()
            barrier = threading.Barrier(options.students)
            round_start: list[float] = [0.0]
            last_ack: list[float] = [0.0]

            def student(name: str) -> None:
                headers = {"Authorization": f"Bearer {tokens[name]}"}
                with httpx.Client(base_url=url, headers=headers, timeout=600) as client:
                    for _ in range(options.rounds):
                        if barrier.wait() == 0:
                            round_start[0], last_ack[0] = time.perf_counter(), 0.0
                        barrier.wait()
                        started = time.perf_counter()
                        data = client.post("/api/v1/submissions", json={"files": files}, params={"wait": 0}).json()
                        acked = time.perf_counter()
                        with lock:
                            last_ack[0] = max(last_ack[0], acked)
                        while data["status"] not in ("graded", "not_gradable"):
                            data = client.get(
                                f"/api/v1/submissions/{data['submission_id']}", params={"wait": 30}
                            ).json()
                        done = time.perf_counter()
                        with lock:
                            accepted.append(acked - started)
                            feedback.append(done - started)
                        if barrier.wait() == 0:
                            bursts.append(last_ack[0] - round_start[0])

            started = time.perf_counter()
            threads = [threading.Thread(target=student, args=(name,)) for name in tokens]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()

    total = options.students * options.rounds
    burst = statistics.median(bursts)
    print(
        f"{options.students} students submit the four-exercise reference together, {options.rounds} rounds, "
        f"on {os.cpu_count()} cores (loopback, SQLite, the server's own pool)"
    )
    print(f"baseline: local `grader submit` of the same workspace (median of 5): {statistics.median(local):6.2f} s")
    print(
        f"server: a burst of {options.students} uploads all stored and answered in {burst:.2f} s (median) "
        f"= {options.students / burst:.0f} accepted/s"
    )
    print(
        f"server: upload answered (stored, 202), p50 / p95:   {percentile(accepted, 0.5):6.3f} / "
        f"{percentile(accepted, 0.95):.3f} s"
    )
    print(
        f"server: submit-to-feedback, p50 / p95:             {percentile(feedback, 0.5):6.2f} / "
        f"{percentile(feedback, 0.95):.2f} s"
    )
    print(
        f"server: {total} graded in {elapsed:.1f} s = {total / elapsed:.2f} submissions/s "
        f"(local one at a time: {1 / statistics.median(local):.2f}/s)"
    )


if __name__ == "__main__":
    main()
