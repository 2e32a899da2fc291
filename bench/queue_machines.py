"""Many machines: grading workers in separate network namespaces, each reaching PostgreSQL
over a virtual link of its own, and one link cut mid-job (`ip link set down`).

Each "machine" is a network namespace with a veth pair to this one (10.231.N.2 there,
10.231.N.1 here); a small TCP relay here passes 10.231.N.1:5432 on to the PostgreSQL on
127.0.0.1, so the database's own configuration is left alone. A `grader worker` runs in each
namespace with the database URL of its link. The script queues submissions, cuts the link of
a machine while it grades one, and reports when another machine ran that job, when the cut
machine came back after the link was restored, and that nothing was lost or recorded twice.

Needs root (ip netns, from iproute2) and a PostgreSQL database of your own: it is WIPED.
Prints figures; no assertions.

    python bench/queue_machines.py --db postgresql+psycopg://... [--submissions 40]
"""

from __future__ import annotations

import argparse
import collections
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import DEFAULT_DB, Fleet, load, reference_files  # noqa: E402

RUN_LINE = re.compile(r"grading submission (\d+) of \S+ \(run (\d+)")
PREFIX = "gq"


def ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True)


def make_machine(n: int) -> str:
    """A namespace `gqN` linked to this one by a veth pair; returns the address to reach us at."""
    ns, here, there = f"{PREFIX}{n}", f"{PREFIX}h{n}", f"{PREFIX}n{n}"
    ip("netns", "del", ns, check=False)
    ip("link", "del", here, check=False)
    ip("netns", "add", ns)
    ip("link", "add", here, "type", "veth", "peer", "name", there)
    ip("link", "set", there, "netns", ns)
    ip("addr", "add", f"10.231.{n}.1/24", "dev", here)
    ip("link", "set", here, "up")
    ip("netns", "exec", ns, "ip", "addr", "add", f"10.231.{n}.2/24", "dev", there)
    ip("netns", "exec", ns, "ip", "link", "set", there, "up")
    ip("netns", "exec", ns, "ip", "link", "set", "lo", "up")
    return f"10.231.{n}.1"


def remove_machine(n: int) -> None:
    ip("netns", "del", f"{PREFIX}{n}", check=False)
    ip("link", "del", f"{PREFIX}h{n}", check=False)


class Relay:
    """Passes TCP connections from `address`:5432 to PostgreSQL on 127.0.0.1:5432. A link that
    goes dead is noticed by keepalives and a user timeout, and both sides are closed."""

    def __init__(self, address: str) -> None:
        self.listener = socket.create_server((address, 5432))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            for option, value in ((socket.TCP_KEEPIDLE, 5), (socket.TCP_KEEPINTVL, 2), (socket.TCP_KEEPCNT, 3)):
                client.setsockopt(socket.IPPROTO_TCP, option, value)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, 10_000)
            upstream = socket.create_connection(("127.0.0.1", 5432))
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            end.close()

    def close(self) -> None:
        self.listener.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB, help="a PostgreSQL database of your own: it is wiped")
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--cut-seconds", type=float, default=30.0, help="how long the link stays down")
    options = parser.parse_args()
    if not options.db:
        parser.error("give --db postgresql+psycopg://... (a database of your own: it is wiped)")
    from sqlalchemy.engine import make_url

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still remove the namespaces
    relays = []
    with tempfile.TemporaryDirectory() as tmp:
        fleet = Fleet(Path(tmp) / "machines", options.db, students=20)
        fleet.root.mkdir(parents=True)
        try:
            fleet.setup()
            for n in (1, 2):
                address = make_machine(n)
                relays.append(Relay(address))
                url = make_url(options.db).set(host=address, port=5432).render_as_string(hide_password=False)
                fleet.start_worker(f"m{n}", prefix=("ip", "netns", "exec", f"{PREFIX}{n}"), db_url=url)
            fleet.wait_for_workers(2)
            print(f"two machines (namespaces {PREFIX}1, {PREFIX}2) grading over veth links; {load()}", flush=True)
            fleet.wait_graded(fleet.defer_uploads(4, reference_files()))  # warm both
            started = time.monotonic()
            ids = fleet.defer_uploads(options.submissions, reference_files())
            log = fleet.root / "worker-m1.log"
            seen = set(int(m[1]) for m in RUN_LINE.finditer(log.read_text()))
            while True:  # machine 1 takes a new job
                taken = [int(m[1]) for m in RUN_LINE.finditer(log.read_text()) if int(m[1]) not in seen]
                if taken:
                    held = taken[-1]
                    break
                time.sleep(0.02)
            cut_at = datetime.now(UTC)
            ip("link", "set", f"{PREFIX}h1", "down")
            print(f"  link of machine 1 cut while it graded submission {held}", flush=True)
            while len(fleet.job_times([held]).get(held, {}).get("started", [])) < 2:
                time.sleep(0.1)
            again = fleet.job_times([held])[held]["started"][1]
            print(
                f"  machine 2 started submission {held} again {(again - cut_at).total_seconds():.1f} s after the cut",
                flush=True,
            )
            time.sleep(max(0.0, options.cut_seconds - (datetime.now(UTC) - cut_at).total_seconds()))
            ip("link", "set", f"{PREFIX}h1", "up")
            print(f"  link restored {options.cut_seconds:.0f} s after the cut", flush=True)
            fleet.wait_graded(ids)
            first = time.monotonic() - started
            # machine 1 is back when it grades again: queue another batch and see who grades it
            graded_before = set(int(m[1]) for m in RUN_LINE.finditer(log.read_text()))
            restored = time.monotonic()
            more = fleet.defer_uploads(options.submissions, reference_files())
            while not set(int(m[1]) for m in RUN_LINE.finditer(log.read_text())) - graded_before:
                time.sleep(0.1)
            print(f"  machine 1 graded again {time.monotonic() - restored:.1f} s after the next batch was queued")
            fleet.wait_graded(more)
            report(fleet, ids, more, held, first)
        finally:
            fleet.stop_all()
            kept = Path(tempfile.gettempdir()) / "queue-machines-logs"
            kept.mkdir(exist_ok=True)
            for log in fleet.root.glob("*.log"):
                (kept / log.name).write_bytes(log.read_bytes())
            print(f"  the workers' logs: {kept}")
            for relay in relays:
                relay.close()
            for n in (1, 2):
                remove_machine(n)


def report(fleet: Fleet, ids: list[int], more: list[int], held: int, elapsed: float) -> None:
    everything = [*ids, *more]
    rows = fleet.sql(
        "SELECT s.id, s.status, s.failures, (SELECT count(*) FROM exercise_results e WHERE e.submission_id = s.id) "
        "FROM submissions s WHERE s.id = ANY(:ids)",
        ids=everything,
    )
    statuses = collections.Counter(row[1] for row in rows)
    twice = [row[0] for row in rows if row[1] == "graded" and row[3] != 4]
    started: dict[str, tuple[int, int]] = {}
    for name in ("m1", "m2"):
        text = (fleet.root / f"worker-{name}.log").read_text(errors="replace")
        runs = {int(m[1]) for m in RUN_LINE.finditer(text)}
        started[name] = (len(runs & set(ids)), len(runs & set(more)))
    held_row = next(row for row in rows if row[0] == held)
    lost = len(everything) - len(rows)
    print("\nresults")
    print(f"  {len(everything)} queued; final states {dict(statuses)}; lost {lost}; recorded twice {len(twice)}")
    print(f"  submissions each machine started (batch with the cut, batch after): {started}")
    print(f"  the submission cut mid-job: {held_row[1]}, failures counted {held_row[2]}")
    print(f"  the first batch of {len(ids)} graded in {elapsed:.0f} s across the cut; {load()}")


if __name__ == "__main__":
    main()
