"""The job queue's figures: throughput per worker process, the queue's own overhead, uploads
the server accepts, feedback latency at 70% of capacity, fairness, and how fast a killed
worker's job runs again.

Every part starts real `grader worker` processes (and `grader serve` where HTTP is part of
it) on a course whose PostgreSQL database is WIPED first: give one of your own with --db or
GRADER_BENCH_POSTGRES_URL. Each figure is printed beside its baseline and the machine's
load. Prints figures; no assertions.

    python bench/job_queue.py --db postgresql+psycopg://... [--only throughput,overhead,accept,latency,fairness,stall]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import DEFAULT_DB, Fleet, cpu_cgroup, load, local_submit_seconds, percentile, reference_files, remove_cgroup  # noqa: E402

SLOW = "import time\ntime.sleep(6)  # a submission that takes a while to grade\n"


def fresh(root: Path, db: str, name: str, students: int = 20) -> Fleet:
    fleet = Fleet(root / name, db, students=students)
    fleet.root.mkdir(parents=True)
    fleet.setup()
    return fleet


def warm(fleet: Fleet, processes: int) -> None:
    """Each grading process grades once: its sandboxes and imports are warm afterwards."""
    fleet.wait_graded(fleet.defer_uploads(processes * 2, reference_files()))


LAYOUTS = {"1 worker process": [1], "2 worker processes": [1, 1], "1 worker, --processes 2": [2]}


def throughput(root: Path, db: str, count: int, rounds: int) -> dict[str, float]:
    """Each layout `rounds` times, in turns, so that the machine's other load falls on all of
    them alike; the best round of each is its capacity (the least disturbed)."""
    print(f"\n== throughput: {count} reference submissions (four exercises each) queued at once, then drained;")
    print(f"   {rounds} rounds of each layout in turn; the best round counts")
    fleet = fresh(root, db, "throughput")
    fleet.cgroup = cpu_cgroup("nn-grader-bench")
    rates: dict[str, list[float]] = {label: [] for label in LAYOUTS}
    cpu: dict[str, list[float]] = {label: [] for label in LAYOUTS}
    try:
        for round_number in range(rounds):
            for label, layout in LAYOUTS.items():
                for n, processes in enumerate(layout):
                    fleet.start_worker(f"w{n}", processes)
                fleet.wait_for_workers(len(layout))
                warm(fleet, sum(layout))
                before = load()
                used = fleet.cpu_seconds() if fleet.cgroup else 0.0
                started = time.monotonic()
                fleet.wait_graded(fleet.defer_uploads(count, reference_files()))
                elapsed = time.monotonic() - started
                rates[label].append(count / elapsed)
                per = (fleet.cpu_seconds() - used) / count if fleet.cgroup else float("nan")
                cpu[label].append(per)
                print(
                    f"   round {round_number + 1}, {label:>24}: {count / elapsed:.2f} submissions/s, "
                    f"{per:.2f} CPU s each   ({before})"
                )
                for name in list(fleet.workers):
                    fleet.stop(fleet.workers.pop(name))
    finally:
        fleet.stop_all()
        if fleet.cgroup is not None:
            remove_cgroup(fleet.cgroup)
    best = {label: max(values) for label, values in rates.items()}
    for label, values in rates.items():
        print(
            f"{label:>26}: best {best[label]:.2f}/s, median {statistics.median(values):.2f}/s; "
            f"{statistics.median(cpu[label]):.2f} CPU s a submission (the workers and their sandboxes)"
        )
    one = best["1 worker process"]
    print(
        f"{'speed-up':>26}: 2 worker processes {best['2 worker processes'] / one:.2f}x, "
        f"--processes 2 {best['1 worker, --processes 2'] / one:.2f}x (goal: at least 1.8x)"
    )
    return best


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


def accepting(root: Path, db: str, seconds: float) -> None:
    print(f"\n== uploads the server accepts (stored and queued, 202) for {seconds:.0f} s, 16 clients, no worker")
    for processes in (1, 2):
        fleet = fresh(root, db, f"accept-{processes}", students=400)
        try:
            fleet.start_server("--workers", str(processes))
            answered = upload_flood(fleet, seconds, clients=16)
            p50, p95 = percentile(answered, 0.5) * 1000, percentile(answered, 0.95) * 1000
            print(
                f"   grader serve --workers {processes}: {len(answered) / seconds:.0f} uploads/s accepted; "
                f"answered in p50 {p50:.0f} ms, p95 {p95:.0f} ms   ({load()})"
            )
        finally:
            fleet.stop_all()


def upload_flood(fleet: Fleet, seconds: float, clients: int) -> list[float]:
    """`clients` students uploading as fast as the server answers; how long each answer took."""
    files = reference_files()
    names = sorted(fleet.tokens)
    answered: list[float] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(offset: int) -> None:
        n = offset
        with httpx.Client(base_url=fleet.url, timeout=60) as http:
            while time.monotonic() < end:
                headers = {"Authorization": f"Bearer {fleet.tokens[names[n % len(names)]]}"}
                started = time.monotonic()
                answer = http.post("/api/v1/submissions", json={"files": files}, params={"wait": 0}, headers=headers)
                if answer.status_code == 202:
                    with lock:
                        answered.append(time.monotonic() - started)
                n += clients

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answered


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
    behind_a_regrade(root, db, burst)


def behind_a_regrade(root: Path, db: str, count: int) -> None:
    """An instructor regrades `count` attempts through the queue; then a student submits."""
    from grader.queue.jobs import RegradeJob, defer_regrades, deferring_app
    from grader.store import open_store

    fleet = fresh(root, db, "regrade")
    try:
        fleet.start_worker("w0")
        fleet.wait_for_workers(1)
        attempts = fleet.defer_uploads(4, reference_files())
        fleet.wait_graded(attempts)
        app = deferring_app()
        wanted = [RegradeJob(attempts[n % 4], f"s{n % 4:04d}", (), f"bench:{n}") for n in range(count)]
        with open_store(fleet.db_url) as store:
            store.write(lambda session: defer_regrades(app, session, wanted))
        [student] = fleet.defer_uploads(1, reference_files(), students=["s0009"])
        while not fleet.job_times([student]).get(student, {}).get("started"):
            time.sleep(0.2)
        times = fleet.job_times([student])[student]
        waited = (times["started"][0] - times["deferred"]).total_seconds()
        regraded = fleet.sql(
            "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j ON j.id = e.job_id "
            "WHERE j.task_name = 'regrade_attempt' AND e.type = 'started' AND e.at < :at",
            at=times["started"][0],
        )[0][0]
        print(
            f"{'behind a regrade of ' + str(count) + ' attempts':>36}: a student's submission waited {waited:6.1f} s, "
            f"behind {regraded} of the {count} regrades (the one running)   ({load()})"
        )
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
    parser.add_argument("--only", default="throughput,overhead,accept,latency,fairness,stall")
    parser.add_argument("--count", type=int, default=40, help="submissions per throughput run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each throughput layout")
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
            capacity = throughput(root, options.db, options.count, options.rounds)["2 worker processes"]
        if "overhead" in parts:
            overhead(root, options.db, 30)
        if "accept" in parts:
            accepting(root, options.db, 20.0)
        if "latency" in parts:
            latency(root, options.db, capacity or 1.0, options.seconds)
        if "fairness" in parts:
            fairness(root, options.db, 50)
        if "stall" in parts:
            stall(root, options.db, 5)


if __name__ == "__main__":
    main()
