"""The trust boundary, call by call: what student code can and cannot do from its sandbox.

Each test plants a hostile `perceptron.py` in a workspace and talks to it through
`StudentModule`, the same object the hidden suites use.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox.errors import (
    BudgetExhausted,
    ImportFailed,
    MissingFunction,
    StudentCrashed,
    StudentDataError,
    StudentRaised,
    StudentTimeout,
)
from grader.sandbox.policy import Layers, SandboxLimits
from grader.sandbox.report import describe_isolation
from grader.sandbox.student import StudentModule

pytestmark = pytest.mark.sandbox
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="Landlock and namespaces are Linux features"
)


@pytest.fixture
def sandboxed(quick_limits):
    opened: list[StudentModule] = []

    def start(
        source: str, limits: SandboxLimits = quick_limits, layers: Layers = Layers(), **siblings: str
    ) -> StudentModule:
        files = {f"{name}.py": textwrap.dedent(text) for name, text in {"perceptron": source, **siblings}.items()}
        module = StudentModule("perceptron", files, limits, layers=layers)
        opened.append(module)
        return module

    yield start
    for module in opened:
        module.close()


def test_answers_come_back_as_plain_data_of_the_same_type(sandboxed):
    student = sandboxed("""
        import numpy as np
        def echo(value): return value
        def scalar(): return np.float32(1.5)
    """)
    value = {"a": [1, 2.5, None, True], "b": (np.arange(6, dtype=np.int16).reshape(2, 3), "text")}
    got = student.echo(value)
    assert got["a"] == [1, 2.5, None, True]
    assert isinstance(got["b"], tuple)
    np.testing.assert_array_equal(got["b"][0], value["b"][0])
    assert got["b"][0].dtype == np.int16
    assert type(student.scalar()) is np.float32


def test_a_rigged_eq_object_is_refused_not_compared(sandboxed):
    student = sandboxed("""
        class AlwaysEqual:
            def __eq__(self, other): return True
        def weighted_sum(inputs, weights, bias): return AlwaysEqual()
    """)
    with pytest.raises(StudentDataError, match="returned a AlwaysEqual, which the grader cannot read"):
        student.weighted_sum([1], [1], 0)


def test_an_ndarray_subclass_arrives_as_a_plain_ndarray_with_its_true_values(sandboxed):
    student = sandboxed("""
        import numpy as np
        class Liar(np.ndarray):
            def __eq__(self, other): return np.ones(np.shape(other), bool)
            def __array_ufunc__(self, *args, **kwargs): return np.zeros(3)
            def all(self, *a, **k): return True
        def predict(X, weights, bias): return np.array([7, 7, 7]).view(Liar)
    """)
    got = student.predict([[0]], [0], 0)
    assert type(got) is np.ndarray
    assert got.tolist() == [7, 7, 7]
    assert not np.array_equal(got, np.zeros(3))


def test_patching_numpy_testing_pytest_and_builtins_in_the_sandbox_changes_nothing_here(sandboxed):
    student = sandboxed("""
        import builtins, numpy
        numpy.testing.assert_allclose = lambda *a, **k: None
        numpy.allclose = lambda *a, **k: True
        builtins.abs = lambda x: 0
        builtins.sum = lambda *a: 0
        try:
            import pytest
            pytest.approx = lambda *a, **k: 1
        except ImportError:
            pass
        def step(z, threshold=0.0): return 5
    """)
    assert student.step(1.0) == 5
    assert not np.allclose(5, 1)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(5, 1)
    assert abs(-2) == 2 and sum([1, 2]) == 3


@pytest.mark.parametrize(
    "statement, feedback",
    [
        ("import os; os._exit(0)", "exited with code 0"),
        ("import sys; sys.exit(3)", "raised SystemExit"),
        ("raise KeyboardInterrupt", "raised KeyboardInterrupt"),
        ("raise SystemExit('bye')", "raised SystemExit"),
        ("import ctypes; ctypes.string_at(0)", "segmentation fault"),
    ],
)
def test_a_module_that_dies_or_exits_at_import_fails_to_import(sandboxed, statement, feedback):
    student = sandboxed(statement + "\ndef step(z, threshold=0.0): return 1\n")
    with pytest.raises(ImportFailed, match=feedback):
        student.step(1.0)
    with pytest.raises(ImportFailed):  # and stays failed, without starting again
        student.step(1.0)
    assert student.restarts == 0


@pytest.mark.parametrize(
    "body, error, feedback",
    [
        ("raise SystemExit(0)", StudentRaised, "raised SystemExit"),
        ("raise KeyboardInterrupt", StudentRaised, "raised KeyboardInterrupt"),
        ("import os; os._exit(0)", StudentCrashed, "exited with code 0"),
        ("import ctypes; ctypes.string_at(0)", StudentCrashed, "segmentation fault"),
    ],
)
def test_a_call_that_exits_or_crashes_costs_that_call_only(sandboxed, body, error, feedback):
    student = sandboxed(f"""
        def step(z, threshold=0.0):
            {body}
        def perceptron(inputs, weights, bias, threshold=0.0): return 1
    """)
    with pytest.raises(error, match=feedback):
        student.step(1.0)
    assert student.perceptron([1], [1], 0) == 1


def test_a_spinning_call_is_stopped_by_the_cpu_limit_of_a_call_and_the_next_gets_a_fresh_worker(sandboxed):
    student = sandboxed(
        """
        def step(z, threshold=0.0):
            while True: pass
        def perceptron(inputs, weights, bias, threshold=0.0): return 1
    """,
        SandboxLimits(call_seconds=0.5, exercise_seconds=5, blocked_seconds=60),
    )
    with pytest.raises(StudentTimeout, match=r"step\(1.0\) used more than 0.5 s of CPU time, the limit of a call"):
        student.step(1.0)
    assert student.spent_cpu_seconds >= 0.5
    assert student.perceptron([1], [1], 0) == 1
    assert student.restarts == 1


# Threads cannot start where the seccomp filter applies; without it (another machine), these
# show that a thread gains nothing either.
WITHOUT_SECCOMP = Layers(seccomp=False)


def test_a_spinning_thread_is_charged_although_the_call_itself_waits_for_it(sandboxed):
    student = sandboxed(
        """
        import threading
        def spin():
            while True: pass
        def step(z, threshold=0.0):
            worker = threading.Thread(target=spin, daemon=True)
            worker.start()
            worker.join()
    """,
        SandboxLimits(call_seconds=0.5, exercise_seconds=5, blocked_seconds=60),
        WITHOUT_SECCOMP,
    )
    with pytest.raises(StudentTimeout, match="used more than 0.5 s of CPU time"):
        student.step(1.0)


def test_a_sleeping_call_is_ended_by_the_backstop_for_blocked_code(sandboxed):
    student = sandboxed(
        """
        import time
        def step(z, threshold=0.0): time.sleep(1000)
        def perceptron(inputs, weights, bias, threshold=0.0): return 1
    """,
        SandboxLimits(call_seconds=60, exercise_seconds=120, blocked_seconds=0.5),
    )
    with pytest.raises(StudentTimeout, match=r"blocked \(sleeping or waiting, not computing\) for 0.5 s of wall-clock"):
        student.step(1.0)
    assert student.spent_cpu_seconds < 60  # nothing like the CPU limit was used: it was the backstop
    with pytest.raises(BudgetExhausted, match="not run: the exercise's backstop of 0.5 s for blocked code is spent"):
        student.perceptron([1], [1], 0)


def test_an_exercise_whose_every_call_spins_stops_at_its_cpu_budget(sandboxed):
    student = sandboxed(
        """
        def step(z, threshold=0.0):
            while True: pass
    """,
        SandboxLimits(call_seconds=0.4, exercise_seconds=1.0, blocked_seconds=60, max_restarts=10),
    )
    messages = []
    for _ in range(5):
        with pytest.raises(StudentTimeout) as raised:
            student.step(1.0)
        messages.append((type(raised.value), raised.value.feedback))
    kinds = [kind for kind, _ in messages]
    assert kinds[:2] == [StudentTimeout, StudentTimeout]  # two calls of 0.4 s each
    assert "the exercise's budget of 1 s of CPU time is spent (by this call and the earlier ones)" in messages[2][1]
    assert kinds[-1] is BudgetExhausted and "was not run: the exercise's budget of 1 s of CPU time" in messages[-1][1]
    assert student.restarts <= 3


def test_an_exercise_whose_every_call_sleeps_stops_at_its_backstop(sandboxed):
    student = sandboxed(
        """
        import time
        def step(z, threshold=0.0): time.sleep(100)
    """,
        SandboxLimits(call_seconds=60, exercise_seconds=120, blocked_seconds=1.0, max_restarts=10),
    )
    outcomes = []
    for _ in range(3):
        with pytest.raises(StudentTimeout) as raised:
            student.step(1.0)
        outcomes.append(type(raised.value))
    assert outcomes == [StudentTimeout, BudgetExhausted, BudgetExhausted]


def test_a_spin_at_import_is_an_import_failure_that_names_the_cpu_limit(sandboxed):
    student = sandboxed("while True: pass\n", SandboxLimits(call_seconds=0.5, exercise_seconds=2, blocked_seconds=60))
    with pytest.raises(ImportFailed, match="importing your module used more than 0.5 s of CPU time"):
        student.step(1.0)


def test_a_sleep_at_import_is_an_import_failure_that_names_the_backstop(sandboxed):
    student = sandboxed(
        "import time\ntime.sleep(1000)\n", SandboxLimits(call_seconds=60, exercise_seconds=120, blocked_seconds=0.5)
    )
    with pytest.raises(ImportFailed, match="importing your module was stopped: it was blocked"):
        student.step(1.0)


def test_the_start_of_a_fresh_worker_is_not_charged_to_the_student(sandboxed):
    # A fresh worker starts Python, imports numpy and enters its namespaces before the student's
    # module is imported; none of that is the student's time.
    student = sandboxed("def step(z, threshold=0.0): return 1\n")
    assert student.step(1.0) == 1
    assert student.spent_cpu_seconds < 0.1
    assert student.isolation_reports[0]["cpu_time"]


def test_memory_beyond_the_cap_raises_memory_error_in_the_sandbox(sandboxed):
    student = sandboxed(
        """
        import numpy as np
        def step(z, threshold=0.0):
            return float(np.ones(300_000_000).sum())   # 2.4 GB
    """,
        SandboxLimits(memory_bytes=512 << 20),
    )
    with pytest.raises(StudentRaised, match="MemoryError"):
        student.step(1.0)


def test_an_output_flood_is_capped_and_does_not_block_the_answer(sandboxed):
    student = sandboxed(
        """
        import os, sys
        def step(z, threshold=0.0):
            for _ in range(2000):
                print("x" * 10_000)
                os.write(2, b"y" * 10_000)
            return 1
    """,
        SandboxLimits(output_bytes=4096),
    )
    assert student.step(1.0) == 1
    assert len(student.output) <= 4096
    assert student._worker is not None and student._worker.output_bytes_seen > 1_000_000


def test_what_a_call_printed_right_before_its_process_ended_is_kept(sandboxed):
    student = sandboxed("""
        import os, sys
        def step(z, threshold=0.0):
            print("last words"); sys.stdout.flush()
            os._exit(3)
    """)
    with pytest.raises(StudentCrashed):
        student.step(1.0)
    assert student.output == "last words\n"


def test_threads_flooding_the_output_do_not_keep_an_endless_call_from_its_limit(sandboxed):
    student = sandboxed(
        """
        import os, threading
        def flood():
            block = b"x" * 65536
            while True:
                os.write(1, block)
        for _ in range(3):
            threading.Thread(target=flood, daemon=True).start()
        def step(z, threshold=0.0):
            while True:
                pass
    """,
        layers=WITHOUT_SECCOMP,
    )
    with pytest.raises(StudentTimeout, match="used more than 1 s of CPU time"):
        student.step(1.0)
    assert len(student.output) <= student.limits.output_bytes


def test_a_sandbox_adds_no_thread_to_the_grader(sandboxed):
    """Its output is read while the grader waits for it: a thread per sandbox cost more to start
    and join than a whole trivial call."""
    before = threading.active_count()
    student = sandboxed("""
        def step(z, threshold=0.0):
            print("hello")
            return 1
    """)
    assert student.step(1.0) == 1
    assert threading.active_count() == before
    assert student.output == "hello\n"


def test_look_alike_answers_printed_to_stdout_and_stderr_are_not_answers(sandboxed):
    student = sandboxed("""
        import json, os, struct, sys
        def step(z, threshold=0.0):
            body = json.dumps({"id": 1, "value": 1}).encode()
            fake = struct.pack(">I", len(body)) + body
            sys.stdout.write("PASSED 18/18\\n"); sys.stdout.flush()
            os.write(1, fake)
            os.write(2, fake)
            return 0
    """)
    assert student.step(1.0) == 0
    assert _eventually(lambda: "PASSED 18/18" in student.output)  # kept as output, not as an answer


def test_a_module_cannot_forge_the_report_of_its_isolation(sandboxed, quick_limits):
    """Found by a hostile trial: student code at import sent its own ready frame with a made-up
    report (a memory limit that was text, or NaN), which crashed the grader or went into the record."""
    student = sandboxed("""
        import sys
        def forge():
            frame = sys._getframe()
            while "channel" not in frame.f_locals:
                frame = frame.f_back
            channel = frame.f_locals["channel"]
            forged = {"filesystem": True, "landlock_abi": "7", "memory_limit_bytes": "1 TB", "no_new_processes": 1}
            channel.send({"op": "ready", "isolation": forged})
        forge()
        def one(): return 1
    """)
    with pytest.raises(StudentDataError, match="answered out of turn"):  # the worker's own ready comes next
        student.one()
    (report,) = student.isolation_reports
    assert report["memory_limit_bytes"] in (None, quick_limits.memory_bytes)  # the worker's own account
    assert type(report["landlock_abi"]) is int and report["no_new_processes"] in (True, False)
    assert describe_isolation(student.isolation_reports, quick_limits).to_dict()["memory_limit_bytes"] != "1 TB"


def test_a_call_that_closes_its_channel_and_lives_on_is_ended(sandboxed):
    """Found by a hostile trial: the grader waited 10 s for such a process, uncharged, at each of
    an exercise's five workers (50 s for one exercise, against the backstop's 15 s)."""
    student = sandboxed("""
        import os, signal
        def hide():
            os.closerange(3, 1024)
            signal.pause()  # lives on, waiting for nothing
    """)
    with pytest.raises(StudentCrashed, match="closed its channel to the grader and was ended"):
        student.hide()


def test_a_forged_import_failure_is_a_failed_import_not_a_fault_of_the_grader(sandboxed):
    student = sandboxed("""
        import sys
        frame = sys._getframe()
        while "channel" not in frame.f_locals:
            frame = frame.f_back
        frame.f_locals["channel"].send({"op": "import_failed", "raised": "a string, not a report"})
        def one(): return 1
    """)
    with pytest.raises(ImportFailed, match="sent no readable account of why"):
        student.one()


def test_the_arguments_as_a_call_left_them_come_back_when_asked_for(sandboxed):
    """Read-only arrays cannot show a dict's entry replaced or a list grown; the arguments sent
    back after the call can."""
    student = sandboxed(
        """
        def rewrite(layers, rate=1.0):
            layers[0]["W"] = rate
            layers.append("more")
            return len(layers)
        """
    )
    assert student.call("rewrite", [{"W": np.ones(2)}], rate=2.0, _readonly=True, _echo=True) == 2
    assert student.arguments_after == ([[{"W": 2.0}, "more"]], {"rate": 2.0})
    assert student.rewrite([{"W": 0}]) == 2 and student.arguments_after is None  # only when asked for


def test_an_unknown_function_is_reported_by_name(sandboxed):
    student = sandboxed("def step(z, threshold=0.0): return 1\n")
    with pytest.raises(MissingFunction, match=r"perceptron.py has no function predict\(\)"):
        student.predict([[0]], [0], 0)


def test_read_only_inputs_cannot_be_written_or_made_writable_again(sandboxed):
    student = sandboxed("""
        def predict(X, weights, bias, threshold=0.0):
            try:
                X.flags.writeable = True
            except ValueError:
                pass
            X[0, 0] = 99
            return X
    """)
    assert student.predict(np.zeros((2, 2)), [0, 0], 0)[0, 0] == 99  # writable by default
    with pytest.raises(StudentRaised, match="ValueError"):
        student.readonly.predict(np.zeros((2, 2)), [0, 0], 0)


@linux_only
def test_the_students_process_runs_on_the_graders_cpu_and_follows_it_when_it_moves(sandboxed):
    """A call hands over between two processes that never run at once; on one CPU that costs
    a switch, across two a wake-up of the other CPU (grader.sandbox.placement)."""
    student = sandboxed("""
        import os
        def cpus(): return sorted(os.sched_getaffinity(0))
    """)
    everywhere = os.sched_getaffinity(0)
    try:
        for cpu in sorted(everywhere)[:2]:
            os.sched_setaffinity(0, {cpu})  # the grader (this test) moves to `cpu`
            assert student.cpus() == [cpu]
    finally:
        os.sched_setaffinity(0, everywhere)


@linux_only
def test_a_process_that_has_ended_is_not_placed_since_its_pid_number_may_be_someone_elses(monkeypatch):
    import subprocess

    from grader.sandbox import placement

    ended = subprocess.Popen(["sleep", "60"])
    pidfd = os.pidfd_open(ended.pid)
    ended.kill()
    ended.wait()  # reaped: the number is free for the next process on the machine
    placed = []
    monkeypatch.setattr(placement.os, "sched_setaffinity", lambda pid, cpus: placed.append(pid))
    try:
        follower = placement.FollowTheGrader(ended.pid, pidfd)
        follower.follow()
        follower.follow()
    finally:
        os.close(pidfd)
    assert placed == []


def test_a_call_works_when_the_students_process_cannot_be_placed(sandboxed, monkeypatch):
    from grader.sandbox import placement

    def refused(pid, cpus):
        raise PermissionError("not allowed")

    monkeypatch.setattr(placement.os, "sched_setaffinity", refused)
    student = sandboxed("def double(x): return 2 * x\n")
    assert [student.double(n) for n in range(3)] == [0, 2, 4]


@linux_only
class TestIsolation:
    """What the Linux sandbox guarantees where the kernel offers Landlock and namespaces."""

    def test_the_reference_the_suites_the_database_other_folders_and_the_workspace_cannot_be_read(
        self, sandboxed, workspace, tmp_path
    ):
        import grader.reference

        import grader

        secret = tmp_path / "other-student" / "perceptron.py"
        secret.parent.mkdir()
        secret.write_text("print('mine')")
        source = """
            def read(path):
                try:
                    with open(path, "rb") as handle:
                        return handle.read(20).decode("latin-1")
                except OSError as error:
                    return type(error).__name__
        """
        own = workspace(perceptron=source) / "perceptron.py"
        student = sandboxed(source)
        if not student.call("read", "/etc/hostname") == "PermissionError":
            pytest.skip("Landlock is not available on this kernel")
        targets = [
            Path(grader.reference.__file__).with_name("perceptron.py"),
            Path(grader.__file__).with_name("suites") / "test_perceptron.py",
            Path(grader.__file__),
            secret,
            Path("/etc/passwd"),
            own,  # the sources arrive in memory: nothing of the workspace is granted
        ]
        for target in targets:
            assert student.read(str(target)) == "PermissionError", target
        assert student.read("perceptron.py") == "FileNotFoundError"  # not run from the workspace either

    def test_nothing_can_be_written_anywhere(self, sandboxed):
        student = sandboxed("""
            def write(path):
                try:
                    with open(path, "w") as handle:
                        handle.write("x")
                    return "written"
                except OSError as error:
                    return type(error).__name__
        """)
        assert student.write("new.py") in ("PermissionError", "OSError")
        assert student.write("/tmp/grader-sandbox-probe") in ("PermissionError", "OSError")
        assert not Path("/tmp/grader-sandbox-probe").exists()

    def test_no_socket_can_be_made_not_even_to_a_local_unix_server(self, sandboxed, tmp_path):
        import socket

        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(tmp_path / "db.sock"))
        server.listen()
        try:
            student = sandboxed(f"""
                import socket
                def connect():
                    try:
                        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        client.connect({str(tmp_path / "db.sock")!r})
                        return "connected"
                    except OSError as error:
                        return type(error).__name__
            """)
            assert student.connect() == "PermissionError"
        finally:
            server.close()

    def test_there_is_no_network(self, sandboxed):
        student = sandboxed("""
            import socket
            def connect():
                try:
                    socket.create_connection(("127.0.0.1", 9), timeout=0.5)
                    return "connected"
                except OSError as error:
                    return type(error).__name__
        """)
        assert student.connect() != "connected"
        assert (
            "namespace" in describe_isolation(student.isolation_reports, student.limits).network
            or student.isolation_reports[0]["network_tcp"]
        )

    def test_the_grading_process_and_its_parent_cannot_be_signalled(self, sandboxed):
        student = sandboxed("""
            import os
            def probe(pids):
                results = []
                for pid in pids:
                    try:
                        os.kill(pid, 0)
                        results.append("reachable")
                    except OSError as error:
                        results.append(type(error).__name__)
                try:
                    os.killpg(0, 0)
                    results.append("group of " + str(os.getpid()))
                except OSError as error:
                    results.append(type(error).__name__)
                return results
        """)
        got = student.probe([os.getpid(), os.getppid()])
        assert got[0] != "reachable" and got[1] != "reachable"

    def test_killing_its_parent_or_process_group_leaves_the_grader_running(self, sandboxed):
        student = sandboxed("""
            import os, signal
            def step(z, threshold=0.0):
                for target in (lambda: os.kill(os.getppid(), signal.SIGKILL), lambda: os.killpg(0, signal.SIGKILL),
                               lambda: os.kill(-1, signal.SIGKILL)):
                    try:
                        target()
                    except OSError:
                        pass
                return 1
            def perceptron(inputs, weights, bias, threshold=0.0): return 1
        """)
        try:
            student.step(1.0)
        except (StudentCrashed, StudentRaised):
            pass  # killing itself is allowed; killing us is not
        assert student.perceptron([1], [1], 0) == 1

    def test_student_code_cannot_start_processes_nor_threads(self, sandboxed):
        student = sandboxed("""
            import os, subprocess, threading
            def fork():
                try:
                    if os.fork() == 0:
                        os._exit(0)
                    return "forked"
                except OSError as error:
                    return type(error).__name__
            def spawn():
                try:
                    subprocess.run(["/bin/true"])
                    return "spawned"
                except OSError as error:
                    return type(error).__name__
            def thread():
                seen = []
                worker = threading.Thread(target=lambda: seen.append(1))
                try:
                    worker.start()
                except RuntimeError as error:
                    return str(error)
                worker.join()
                return seen
        """)
        assert student.fork() == "PermissionError"
        assert student.spawn() == "PermissionError"
        assert student.thread() == "can't start new thread"  # each would take a pid of the machine's
        assert "no-fork" in describe_isolation(student.isolation_reports, student.limits).processes

    def test_a_double_forked_daemon_does_not_outlive_the_sandbox(self, quick_limits):
        # With the no-fork filter off, the PID namespace alone must end the daemon.
        token = f"gd{os.getpid() % 100000}"
        source = f"""
            import ctypes, os, time
            def step(z, threshold=0.0):
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        ctypes.CDLL(None).prctl(15, b"{token}", 0, 0, 0)   # PR_SET_NAME
                        while True:
                            time.sleep(0.05)
                    os._exit(0)
                time.sleep(0.3)
                return 1
        """
        files = {"perceptron.py": textwrap.dedent(source)}
        student = StudentModule("perceptron", files, quick_limits, layers=Layers(seccomp=False))
        try:
            assert student.step(1.0) == 1
            assert _eventually(lambda: _processes_named(token)), "the daemon should be running while the sandbox is"
            assert student.isolation_reports[0]["pid_namespace"]
        finally:
            student.close()
        assert _wait_until_gone(token)


# Student code that does all it can to outlive grading: no parent-death signal, a session of its
# own, no exit when the grader's channel closes, and a thread that keeps the process alive. Its
# name marks it in /proc.
OUTLIVER = """
import ctypes, os, threading, time
libc = ctypes.CDLL(None)
def step(z, threshold=0.0):
    libc.prctl(1, 0, 0, 0, 0)             # PR_SET_PDEATHSIG 0: not killed with its parent
    libc.prctl(15, b"{token}", 0, 0, 0)   # PR_SET_NAME: a name to find it by
    os.setsid()                           # out of the worker's process group and session
    os._exit = lambda code: None          # the worker's exit on a closed channel does nothing
    try:
        threading.Thread(target=time.sleep, args=(1000,)).start()
    except RuntimeError:                  # no threads under the seccomp filter
        pass
    return 1
"""


@linux_only
class TestLifetime:
    """Ending a worker ends everything of its sandbox, whatever student code did to stay."""

    @pytest.fixture
    def token(self, request):
        name = f"gl{os.getpid() % 10000}{request.node.name[-12:]}"[:15].replace("[", "").replace("]", "")
        yield name
        assert _wait_until_gone(name), "a sandbox process outlived its test"

    @pytest.mark.parametrize("with_zygote", [True, False], ids=["zygote", "fresh"])
    def test_nothing_is_left_once_the_module_is_closed(self, token, quick_limits, with_zygote):
        from grader.sandbox.pool import WorkerPool
        from grader.sandbox.zygote import start_zygote

        files = {"perceptron.py": OUTLIVER.format(token=token)}
        with start_zygote() as zygote, WorkerPool(quick_limits, size=1, zygote=zygote) as pool:
            student = StudentModule("perceptron", files, quick_limits, pool=pool if with_zygote else None)
            assert student.step(1.0) == 1
            assert _processes_named(token), "the student's process runs while its sandbox does"
            student.close()
            assert _wait_until_gone(token)

    def test_nothing_is_left_after_a_submit(self, token, workspace, db_url):
        from grader.service.submissions import submit_workspace
        from grader.store import open_store

        folder = workspace(reference=True, perceptron=OUTLIVER.format(token=token))
        with open_store(db_url) as store:
            submit_workspace(store, folder, ["perceptron"], student="mallory")
        assert _wait_until_gone(token)

    def test_nothing_is_left_after_a_class_is_graded(self, token, tmp_path, db_url):
        from grader.service.batch import grade_class
        from grader.store import open_store

        folder = tmp_path / "class" / "mallory"
        folder.mkdir(parents=True)
        (folder / "perceptron.py").write_text(OUTLIVER.format(token=token))
        with open_store(db_url) as store:
            result = grade_class(store, tmp_path / "class", jobs=1)
        assert [s.student for s in result.students] == ["mallory"]
        assert _wait_until_gone(token)

    def test_nothing_is_left_when_a_class_grading_is_killed(self, token, tmp_path, db_url):
        import subprocess

        for number in range(6):  # a minute and a half of grading for a worker left running on its own
            folder = tmp_path / "class" / f"mallory{number}"
            folder.mkdir(parents=True)
            (folder / "perceptron.py").write_text(OUTLIVER.format(token=token).replace("return 1", "time.sleep(1000)"))
        mark = f"GRADER_TEST_MARK={token}"
        command = [sys.executable, "-m", "grader", "grade", str(tmp_path / "class"), "--db", db_url, "--jobs", "1"]
        with subprocess.Popen(command, env={**os.environ, "GRADER_TEST_MARK": token}) as grade:
            try:
                assert _eventually(lambda: _processes_named(token)), "the student's code runs while grading does"
            finally:
                grade.kill()  # SIGKILL: `grader grade` gets no chance to clean up
        assert _wait_until_gone(token)
        assert _eventually(lambda: not _processes_with(mark)), "a trusted grading process outlived `grader grade`"

    @pytest.mark.parametrize("with_zygote", [True, False], ids=["zygote", "fresh"])
    def test_nothing_is_left_when_the_grader_itself_is_killed(self, token, with_zygote):
        import subprocess

        grader_program = textwrap.dedent("""
            import sys, time
            from grader.sandbox.policy import SandboxLimits
            from grader.sandbox.pool import WorkerPool
            from grader.sandbox.student import StudentModule
            from grader.sandbox.zygote import start_zygote
            limits = SandboxLimits()
            zygote = start_zygote() if sys.argv[2] == "zygote" else None
            pool = WorkerPool(limits, size=1, zygote=zygote) if zygote else None
            student = StudentModule("perceptron", {"perceptron.py": sys.argv[1]}, limits, pool=pool)
            print(student.step(1.0), flush=True)
            time.sleep(1000)
        """)
        mode = "zygote" if with_zygote else "fresh"
        command = [sys.executable, "-c", grader_program, OUTLIVER.format(token=token), mode]
        with subprocess.Popen(command, stdout=subprocess.PIPE) as grader:
            try:
                assert grader.stdout is not None and grader.stdout.readline() == b"1\n"
                assert _processes_named(token)
            finally:
                grader.kill()  # SIGKILL: the grader gets no chance to clean up
        assert _wait_until_gone(token)


def _eventually(condition, seconds: float = 60.0) -> bool:
    """Poll `condition` until it holds; the limit is generous (a busy machine), never a measure."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _processes_named(name: str) -> list[int]:
    """Live processes (zombies excluded) whose main thread is named `name`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() != name:
                    continue
                state = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                continue
            if state not in ("Z", "X"):
                found.append(int(entry))
    return found


def _processes_with(variable: str) -> list[int]:
    """Live processes whose environment holds `variable` (NAME=value)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if variable.encode() in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                    state = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[0]
                    if state not in ("Z", "X"):
                        found.append(int(entry))
            except (OSError, IndexError):
                continue
    return found


def _wait_until_gone(name: str) -> bool:
    if _eventually(lambda: not _processes_named(name)):
        return True
    for pid in _processes_named(name):
        os.kill(pid, signal.SIGKILL)
    return False


class TestUpcalls:
    """A function checked with the grader's own helpers in place of the student's (`_substitute`):
    its calls to them come back to the trusted side as plain data, and nothing else changes."""

    SOURCE = """
        import numpy as np
        saved = []
        def helper(x):
            return 0
        def use(x):
            return helper(x) + 1
        TABLE, ROW = {"h": helper}, [helper]
        def use_the_tables(x):
            return TABLE["h"](x) + ROW[0](x)
        def catches(x):
            try:
                return helper(x)
            except ValueError as error:
                return "caught " + str(error)
        def keep_the_proxy(x):
            saved.append(helper)
            return helper(x)
        def use_the_kept_proxy(x):
            return saved[0](x)
        def sends(value):
            return helper(value)
        def loops():
            while True:
                helper(1)
    """

    def test_helpers_answer_from_the_trusted_side_for_that_call_only(self, sandboxed):
        student = sandboxed(self.SOURCE)
        assert student.call("use", 4, _substitute={"helper": lambda x: x * 10}) == 41
        assert student.use(4) == 1  # the student's own helper is back
        assert student.helper(4) == 0

    def test_a_helper_kept_in_a_table_built_at_import_answers_from_the_trusted_side_too(self, sandboxed):
        student = sandboxed(self.SOURCE)
        assert student.call("use_the_tables", 4, _substitute={"helper": lambda x: x * 10}) == 80
        assert student.use_the_tables(4) == 0  # the tables hold the student's helper again

    def test_a_helpers_error_reaches_the_student_code_as_the_same_type(self, sandboxed):
        def refuses(x):
            raise ValueError("no such layer")

        student = sandboxed(self.SOURCE)
        assert student.call("catches", 1, _substitute={"helper": refuses}) == "caught no such layer"

    def test_what_the_student_sends_a_helper_is_plain_data_and_an_absurd_request_is_a_memory_error(self, sandboxed):
        seen = []

        def records(value):
            seen.append(value)
            return np.zeros(value) if isinstance(value, tuple) else value

        student = sandboxed(self.SOURCE)
        assert student.call("sends", [1, (2, "x")], _substitute={"helper": records}) == [1, (2, "x")]
        with pytest.raises(StudentRaised, match="TypeError"):
            student.call("sends", object, _substitute={"helper": records})  # a class is not plain data
        with pytest.raises(StudentRaised, match="MemoryError"):
            student.call("sends", (10**6, 10**6), _substitute={"helper": records})  # 8 TB here
        assert seen[0] == [1, (2, "x")] and seen[-1] == (10**6, 10**6)  # the one unreadable never arrived
        assert student.helper(1) == 0  # the sandbox and this process both carry on

    def test_a_proxy_kept_past_its_call_gains_nothing(self, sandboxed):
        student = sandboxed(self.SOURCE)
        assert student.call("keep_the_proxy", 2, _substitute={"helper": lambda x: 5}) == 5
        with pytest.raises((StudentDataError, StudentCrashed)):
            student.use_the_kept_proxy(2)  # asks for a helper out of turn: its worker is ended
        assert student.use(1) == 1  # a fresh worker, and the grader is fine

    def test_a_call_that_only_asks_for_helpers_is_bounded_by_its_cpu_time(self, sandboxed):
        import time

        def slow(x):
            time.sleep(0.01)
            return x

        student = sandboxed(self.SOURCE, SandboxLimits(call_seconds=0.5, exercise_seconds=5))
        with pytest.raises(StudentTimeout, match="CPU time"):
            student.call("loops", _substitute={"helper": slow})
