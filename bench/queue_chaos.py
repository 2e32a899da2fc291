"""Chaos: 1,000 submissions through the HTTP API while grading workers are killed with
kill -9 every few seconds and started again, the server is killed and restarted once, and
PostgreSQL is restarted once. At the end every acknowledged submission must be graded or
not_gradable, none lost, none recorded twice; prints what happened and the executions per
submission.

The client is bounded (--clients students at once, each waiting for its grade before its
next upload) and at least once: an upload that got no answer (a dead server, a 5xx) is sent
again with the same Idempotency-Key until the server acknowledges it, as `grader submit
--resend` does.

The course's PostgreSQL database is WIPED first: give one of your own. Restarting
PostgreSQL (`pg_ctlcluster VERSION CLUSTER restart`, as root) interrupts everyone using that
server for a few seconds: on a shared machine give the run a cluster of its own
(`pg_createcluster 15 chaos --port 5433 --start`, then --pg-cluster chaos);
--no-postgres-restart leaves it alone. --submissions 100 makes a
quick check.

    python bench/queue_chaos.py --db postgresql+psycopg://... [--submissions 1000]
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import DEFAULT_DB, Fleet, load, percentile, reference_files  # noqa: E402

RUN_LINE = re.compile(r"grading submission (\d+) of \S+ \(run (\d+)")


class Chaos:
    def __init__(self, fleet: Fleet, options: argparse.Namespace) -> None:
        self.fleet = fleet
        self.options = options
        self.acknowledged: dict[str, int] = {}
        self.lock = threading.Lock()
        self.next = 0
        self.resent = 0
        self.answers: collections.Counter[str] = collections.Counter()
        self.kills: list[datetime] = []
        self.events: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self.done = threading.Event()

    def note(self, what: str) -> None:
        self.events.append((time.monotonic() - self.started, what))
        print(f"  [{time.monotonic() - self.started:6.1f} s] {what}", flush=True)

    # -- the students' side --------------------------------------------------------------------

    def client(self) -> None:
        files = reference_files()
        names = sorted(self.fleet.tokens)
        with httpx.Client(base_url=self.fleet.url, timeout=30) as http:
            while True:
                with self.lock:
                    n = self.next
                    if n >= self.options.submissions:
                        return
                    self.next += 1
                key, student = f"chaos-{n}", names[n % len(names)]
                headers = {"Authorization": f"Bearer {self.fleet.tokens[student]}", "Idempotency-Key": key}
                tries = 0
                while True:
                    tries += 1
                    try:
                        answer = http.post("/api/v1/submissions", json={"files": files}, params={"wait": 0},
                                           headers=headers)  # fmt: skip
                    except httpx.TransportError as error:
                        self.answers[type(error).__name__] += 1
                        time.sleep(0.5)
                        continue
                    self.answers[str(answer.status_code)] += 1
                    if answer.status_code in (200, 202):
                        submission_id = int(answer.json()["submission_id"])
                        with self.lock:
                            self.acknowledged[key] = submission_id
                            self.resent += tries > 1
                        break
                    retry = answer.headers.get("retry-after", "")
                    time.sleep(float(retry) if retry.isdigit() else 0.5)
                self.wait_for_feedback(http, submission_id, headers)

    def wait_for_feedback(self, http: httpx.Client, submission_id: int, headers: dict[str, str]) -> None:
        """As a student does: wait for the grade before the next upload (so the uploads spread
        over the whole run, through every restart)."""
        while True:
            try:
                answer = http.get(f"/api/v1/submissions/{submission_id}", params={"wait": 20}, headers=headers)
            except httpx.TransportError:
                self.answers["feedback: no answer"] += 1
                time.sleep(0.5)
                continue
            if answer.status_code == 200 and answer.json()["status"] in ("graded", "not_gradable"):
                return
            if answer.status_code != 200:
                self.answers[f"feedback: {answer.status_code}"] += 1
                time.sleep(0.5)

    # -- the chaos -------------------------------------------------------------------------------

    def monkey(self) -> None:
        names = sorted(self.fleet.workers)
        turn = 0
        server_done = postgres_done = False
        total = self.options.submissions
        while not self.done.wait(self.options.kill_every):
            name = names[turn % len(names)]
            turn += 1
            self.kills.append(datetime.now(UTC))
            self.fleet.kill(self.fleet.workers[name])
            time.sleep(1.0)
            self.fleet.start_worker(name)
            acknowledged = len(self.acknowledged)
            if not server_done and acknowledged >= total / 3:
                server_done = True
                self.note(f"kill -9 the server ({acknowledged} acknowledged)")
                self.fleet.kill(self.fleet.server)
                time.sleep(1.0)
                self.fleet.start_server()
                self.note("the server is back")
            if self.options.postgres_restart and not postgres_done and acknowledged >= 2 * total / 3:
                postgres_done = True
                self.note(f"restart PostgreSQL ({acknowledged} acknowledged)")
                cluster = [self.options.pg_version, self.options.pg_cluster]
                subprocess.run(["pg_ctlcluster", *cluster, "restart"], check=True)
                self.note("PostgreSQL is back")

    def graded_count(self) -> int:
        ids = list(self.acknowledged.values())
        try:
            rows = self.fleet.sql(
                "SELECT count(*) FROM submissions WHERE id = ANY(:ids) AND status IN ('graded', 'not_gradable')",
                ids=ids,
            )
        except Exception:
            return -1  # the database is restarting
        return int(rows[0][0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="a PostgreSQL database of your own: it is wiped")
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8, help="students submitting at once")
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="grader worker processes (--processes 1 each)")
    parser.add_argument("--kill-every", type=float, default=6.0, help="seconds between two kill -9 of a worker")
    parser.add_argument("--no-postgres-restart", dest="postgres_restart", action="store_false")
    parser.add_argument("--pg-version", default="15")
    parser.add_argument(
        "--pg-cluster", default="main", help="the cluster --db is on (a cluster of its own disturbs no one else)"
    )
    options = parser.parse_args()
    if not options.db:
        parser.error("give --db postgresql+psycopg://... (a database of your own: it is wiped)")

    with tempfile.TemporaryDirectory() as tmp:
        fleet = Fleet(Path(tmp) / "chaos", options.db, students=options.students)
        fleet.root.mkdir(parents=True)
        fleet.setup()
        print(f"chaos: {options.submissions} submissions, {options.clients} in flight, {options.workers} workers "
              f"killed in turn every {options.kill_every:g} s; {load()}")  # fmt: skip
        fleet.start_server()
        for n in range(options.workers):
            fleet.start_worker(f"w{n}")
        chaos = Chaos(fleet, options)
        chaos.note("server and workers started")
        monkey = threading.Thread(target=chaos.monkey, daemon=True)
        monkey.start()
        clients = [threading.Thread(target=chaos.client) for _ in range(options.clients)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        chaos.note(f"all {len(chaos.acknowledged)} submissions acknowledged ({chaos.resent} after a retry)")
        while chaos.graded_count() < len(chaos.acknowledged):
            time.sleep(1.0)
        chaos.done.set()
        monkey.join()
        chaos.note("every acknowledged submission is graded or not_gradable; chaos stopped")
        report(fleet, chaos)
        fleet.stop_all()


def report(fleet: Fleet, chaos: Chaos) -> None:
    ids = sorted(chaos.acknowledged.values())
    rows = fleet.sql(
        "SELECT s.id, s.status, s.failures, s.score, s.idempotency_key, "
        "(SELECT count(*) FROM exercise_results e WHERE e.submission_id = s.id), "
        "(SELECT count(*) FROM test_results t JOIN exercise_results e ON e.id = t.exercise_result_id "
        " WHERE e.submission_id = s.id) FROM submissions s WHERE s.idempotency_key LIKE 'chaos-%'"
    )
    by_id = {row[0]: row for row in rows}
    lost = [i for i in ids if i not in by_id or by_id[i][1] not in ("graded", "not_gradable")]
    extra = len(rows) - len(ids)
    statuses = collections.Counter(row[1] for row in rows)
    graded = [row for row in rows if row[1] == "graded"]
    tests = collections.Counter(row[6] for row in graded)
    twice = [row[0] for row in graded if row[5] != 4 or row[6] != max(tests)]
    wrong_score = [row[0] for row in graded if row[3] != 111.0]
    runs: dict[int, set[int]] = collections.defaultdict(set)
    for log in fleet.root.glob("worker-*.log"):
        for match in RUN_LINE.finditer(log.read_text(errors="replace")):
            runs[int(match[1])].add(int(match[2]))
    executions = collections.Counter(len(runs.get(i, ())) for i in ids)
    jobs = fleet.sql(
        "SELECT (args->>'submission_id')::int, count(*) FROM procrastinate_jobs "
        "WHERE task_name = 'grade_submission' GROUP BY 1"
    )
    times = fleet.job_times(ids)
    recoveries = []  # from the kill that cut a run to the job's next run
    for entry in times.values():
        for cut, again in zip(entry["started"], entry["started"][1:], strict=False):
            killed = [k for k in chaos.kills if cut < k < again]
            if killed:
                recoveries.append((again - killed[0]).total_seconds())

    print("\nresults")
    print(f"  acknowledged: {len(ids)}; in the database: {len(rows)} ({extra} not acknowledged, {len(lost)} lost)")
    print(f"  final states: {dict(statuses)}")
    print(f"  recorded twice: {len(twice)} (every graded one has 4 exercise rows and {max(tests)} test rows)")
    print(f"  graded with a score other than the reference's 111: {len(wrong_score)}")
    print(f"  executions per submission (runs started, from the workers' logs): {dict(sorted(executions.items()))}")
    print(f"  grading jobs per submission: {dict(collections.Counter(n for _, n in jobs))}")
    print(f"  failures counted: {dict(collections.Counter(row[2] for row in rows))}")
    print(f"  worker kills: {len(chaos.kills)}; answers the clients got: {dict(chaos.answers)}")
    if recoveries:
        print(
            f"  a job cut by a kill ran again after: p50 {percentile(recoveries, 0.5):.1f} s, "
            f"max {max(recoveries):.1f} s ({len(recoveries)} jobs)"
        )
    print(f"  took {time.monotonic() - chaos.started:.0f} s; {load()}")
    print("  verdict: " + ("NOTHING LOST, NOTHING TWICE" if not lost and not twice and not extra else "FAILED"))


if __name__ == "__main__":
    main()
