"""The job queue's figures: throughput per worker process, the queue's own overhead, feedback
latency at 70% of capacity, fairness, and how fast a killed worker's job runs again.

Every part starts real `grader worker` processes (and `grader serve` where HTTP is part of
it) on a course whose PostgreSQL database is WIPED first: give one of your own with --db or
GRADER_BENCH_POSTGRES_URL. Each figure is printed beside its baseline and the machine's
load. Prints figures; no assertions.

    python bench/job_queue.py --db postgresql+psycopg://... [--only throughput,overhead,latency,fairness,stall]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import DEFAULT_DB, Fleet, load, local_submit_seconds, percentile, reference_files  # noqa: E402

SLOW = "import time\ntime.sleep(6)  # a submission that takes a while to grade\n"


def fresh(root: Path, db: str, name: str, students: int = 20) -> Fleet:
    fleet = Fleet(root / name, db, students=students)
    fleet.root.mkdir(parents=True)
    fleet.setup()
    return fleet


def warm(fleet: Fleet, processes: int) -> None:
    """Each grading process grades once: its sandboxes and imports are warm afterwards."""
    fleet.wait_graded(fleet.defer_uploads(processes * 2, reference_files()))


def throughput(root: Path, db: str, count: int) -> dict[str, float]:
    print(f"\n== throughput: {count} reference submissions (four exercises each) queued at once, then drained")
    rates: dict[str, float] = {}
    for label, layout in (("1 worker process", [1]), ("2 worker processes", [1, 1]), ("1 worker, --processes 2", [2])):
        fleet = fresh(root, db, label.replace(" ", "-").replace(",", ""))
        try:
            for n, processes in enumerate(layout):
                fleet.start_worker(f"w{n}", processes)
            fleet.wait_for_workers(len(layout))
            warm(fleet, sum(layout))
            before = load()
            started = time.monotonic()
            ids = fleet.defer_uploads(count, reference_files())
            fleet.wait_graded(ids)
            elapsed = time.monotonic() - started
            rates[label] = count / elapsed
            print(f"{label:>26}: {count} in {elapsed:6.1f} s = {rates[label]:.2f} submissions/s   ({before})")
        finally:
            fleet.stop_all()
    one = rates["1 worker process"]
    print(f"{'speed-up':>26}: 2 processes {rates['2 worker processes'] / one:.2f}x, "
          f"--processes 2 {rates['1 worker, --processes 2'] / one:.2f}x (goal: at least 1.8x)")  # fmt: skip
    return rates


def overhead(root: Path, db: str, count: int) -> None:
    print(f"\n== the queue's own overhead: {count} submissions one at a time, two idle workers")
    fleet = fresh(root, db, "overhead")
    try:
        fleet.start_worker("w0")
        fleet.start_worker("w1")
        fleet.wait_for_workers(2)
        warm(fleet, 2)
        ids = []
        for _ in range(count):
            ids += fleet.defer_uploads(1, reference_files())
            fleet.wait_graded(ids[-1:])
            time.sleep(0.2)
        times = fleet.job_times(ids)
        waits = [(t["started"][0] - fleet.committed[i]).total_seconds() * 1000 for i, t in times.items()]
        whole = [(t["started"][0] - t["deferred"]).total_seconds() * 1000 for t in times.values()]
        grading = [(t["succeeded"] - t["started"][0]).total_seconds() * 1000 for t in times.values()]
        p50, p95 = percentile(waits, 0.5), percentile(waits, 0.95)
        print(
            f"committed to started (a worker fetched it): p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
            f"max {max(waits):.0f} ms (goal: p95 under 150 ms)"
        )
        p50, p95 = percentile(whole, 0.5), percentile(whole, 0.95)
        print(f"the upload's transaction began to started: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        p50, p95 = percentile(grading, 0.5), percentile(grading, 0.95)
        print(f"baseline, the grading itself (start to done): p50 {p50:.0f} ms, p95 {p95:.0f} ms   ({load()})")
    finally:
        fleet.stop_all()


def latency(root: Path, db: str, capacity: float, seconds: float) -> None:
    rate = 0.7 * capacity
    print(f"\n== submit-to-feedback at 70% of capacity: {rate:.2f} submissions/s for {seconds:.0f} s over HTTP "
          f"(capacity {capacity:.2f}/s with two worker processes)")  # fmt: skip
    fleet = fresh(root, db, "latency", students=60)
    try:
        fleet.start_server()
        fleet.start_worker("w0")
        fleet.start_worker("w1")
        fleet.wait_for_workers(2)
        warm(fleet, 2)
        files = reference_files()
        names = sorted(fleet.tokens)
        feedback: list[float] = []
        lock = threading.Lock()

        def submit(n: int) -> None:
            headers = {"Authorization": f"Bearer {fleet.tokens[names[n % len(names)]]}"}
            with httpx.Client(base_url=fleet.url, headers=headers, timeout=120) as client:
                started = time.monotonic()
                data = client.post("/api/v1/submissions", json={"files": files}, params={"wait": 0}).json()
                while data["status"] not in ("graded", "not_gradable"):
                    data = client.get(f"/api/v1/submissions/{data['submission_id']}", params={"wait": 30}).json()
                with lock:
                    feedback.append(time.monotonic() - started)

        threads = []
        begin = time.monotonic()
        total = int(rate * seconds)
        for n in range(total):
            time.sleep(max(0.0, begin + n / rate - time.monotonic()))
            thread = threading.Thread(target=submit, args=(n,))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        baseline = local_submit_seconds(fleet.root)
        p50, p95 = percentile(feedback, 0.5), percentile(feedback, 0.95)
        print(
            f"submit-to-feedback over HTTP: p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(feedback):.2f} s "
            f"({len(feedback)} submissions)"
        )
        print(f"baseline, a local `grader submit` of the same workspace (median of 3): {baseline:.2f} s   ({load()})")
    finally:
        fleet.stop_all()


def fairness(root: Path, db: str, burst: int) -> None:
    print(f"\n== fairness: one student queues {burst} attempts, then another submits once (one worker process)")
    from grader.queue.jobs import GRADE_TASK, QUEUE, deferring_app, driver_connection
    from grader.service.uploads import Upload, receive
    from grader.store import open_store

    app = deferring_app()

    def fifo(session: object, submission_id: int, student: str = "") -> None:
        """Defer as a plain queue would: everyone at the same priority, first come first served."""
        connection = driver_connection(session)  # type: ignore[arg-type]
        app.configure_task(GRADE_TASK, queue=QUEUE, priority=0, connection=connection).defer(
            submission_id=submission_id, student=student
        )

    for label, fair in (("fair (the grader's priorities)", True), ("baseline: first come, first served", False)):
        fleet = fresh(root, db, "fair" if fair else "fifo")
        try:
            fleet.start_worker("w0")
            fleet.wait_for_workers(1)
            warm(fleet, 1)
            files = reference_files()

            if fair:
                ids = fleet.defer_uploads(burst, files, students=["s0000"])
                other = fleet.defer_uploads(1, files, students=["s0001"])[0]
            else:
                with open_store(fleet.db_url) as store:
                    ids = [
                        receive(
                            store,
                            s,
                            Upload(files, None),
                            key=None,
                            now=datetime.now(UTC),
                            on_stored=lambda session, i, s=s: fifo(session, i, s),
                        )[0]  # fmt: skip
                        for s in ["s0000"] * burst + ["s0001"]
                    ]
                ids, other = ids[:-1], ids[-1]
            while not fleet.job_times([other]).get(other, {}).get("started"):
                time.sleep(0.5)
            times = fleet.job_times([*ids, other])
            waited = (times[other]["started"][0] - times[other]["deferred"]).total_seconds()
            ahead = sum(1 for i in ids if times[i]["started"] and times[i]["started"][0] < times[other]["started"][0])
            print(f"{label:>36}: the other student's one submission waited {waited:6.1f} s, "
                  f"behind {ahead} of the {burst}   ({load()})")  # fmt: skip
        finally:
            fleet.stop_all()


def stall(root: Path, db: str, rounds: int) -> None:
    print(f"\n== a worker killed with kill -9 mid-job, {rounds} times: how soon its job runs again elsewhere")
    fleet = fresh(root, db, "stall")
    try:
        for name in ("w0", "w1"):
            fleet.start_worker(name)
        fleet.wait_for_workers(2)
        warm(fleet, 2)
        files = reference_files()
        files["perceptron.py"] = SLOW + files["perceptron.py"]
        recoveries = []
        for _ in range(rounds):
            [submission_id] = fleet.defer_uploads(1, files)
            holder = None
            while holder is None:
                for name in fleet.workers:
                    if f"grading submission {submission_id} " in (fleet.root / f"worker-{name}.log").read_text():
                        holder = name
                time.sleep(0.05)
            killed_at = datetime.now(UTC)
            fleet.kill(fleet.workers[holder])
            while len(fleet.job_times([submission_id]).get(submission_id, {}).get("started", [])) < 2:
                time.sleep(0.1)
            again = fleet.job_times([submission_id])[submission_id]["started"][1]
            recoveries.append((again - killed_at).total_seconds())
            fleet.start_worker(holder)
            fleet.wait_graded([submission_id])
            fleet.wait_for_workers(2)
        each = ", ".join(f"{r:.1f}" for r in recoveries)
        print(
            f"killed to running again elsewhere: {each} s; max {max(recoveries):.1f} s "
            f"(goal: within 15 s; heartbeat 1 s, silent 10 s, sweep 1 s, poll 1 s)   ({load()})"
        )
    finally:
        fleet.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="a PostgreSQL database of your own: it is wiped")
    parser.add_argument("--only", default="throughput,overhead,latency,fairness,stall")
    parser.add_argument("--count", type=int, default=40, help="submissions per throughput run")
    parser.add_argument("--capacity", type=float, help="submissions/s for the latency run [measured]")
    parser.add_argument("--seconds", type=float, default=90.0, help="length of the latency run")
    options = parser.parse_args()
    if not options.db:
        parser.error("give --db postgresql+psycopg://... (a database of your own: it is wiped)")
    parts = options.only.split(",")
    print(f"nn-grader job queue on {os.cpu_count()} cores; {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        capacity = options.capacity
        if "throughput" in parts:
            capacity = throughput(root, options.db, options.count)["2 worker processes"]
        if "overhead" in parts:
            overhead(root, options.db, 30)
        if "latency" in parts:
            latency(root, options.db, capacity or 1.0, options.seconds)
        if "fairness" in parts:
            fairness(root, options.db, 50)
        if "stall" in parts:
            stall(root, options.db, 5)


if __name__ == "__main__":
    main()
