"""A course on a server: students submit from their terminal, the hidden tests stay with the
instructor, and every attempt lands in the instructor's gradebook as it happens."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader.grading.plan import max_points
from tests.server.conftest import Course, Server, grader, reference_files, start_server

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]
FULL_MARKS = sum(max_points().values())


def typed_into(args: list[str], typed: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`grader ARGS` with `typed` as what the user types at its prompts."""
    command = [sys.executable, "-m", "grader", *args]
    return subprocess.run(command, input=typed, capture_output=True, text=True, env=env, timeout=300)


def workspace_of(tmp_path: Path, files: dict[str, str], name: str = "ws") -> Path:
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    for file, text in files.items():
        (folder / file).write_text(text)
    return folder


def test_a_student_logs_in_submits_and_sees_exactly_what_a_local_submit_prints(
    server: Server, tmp_path: Path, student_env: dict[str, str]
) -> None:
    files = reference_files()
    files["perceptron.py"] = files["perceptron.py"].replace("if z > threshold", "if z >= threshold")
    folder = workspace_of(tmp_path, files)
    logged = grader("login", server.url, "--token", server.course.tokens["ada"], env=student_env)
    assert "as ada (student)" in logged.stdout
    saved = Path(student_env["XDG_CONFIG_HOME"]) / "grader" / "login.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    remote = grader("submit", "--workspace", str(folder), env=student_env, check=False)
    local_env = {**student_env, "GRADER_STUDENT": "ada", "GRADER_DB": f"sqlite:///{tmp_path / 'local.db'}"}
    local = grader("submit", "--workspace", str(folder), "--local", env=local_env, check=False)
    assert remote.returncode == local.returncode == 1
    assert remote.stdout == local.stdout  # the same feedback, test by test, and "attempt #1 recorded for ada"

    data = json.loads(
        grader("submit", "perceptron", "--workspace", str(folder), "--json", env=student_env, check=False).stdout
    )
    assert (data["server"], data["attempt"], data["student"]) == (server.url, 2, "ada")
    assert list(data)[:6] == ["submission_id", "student", "score", "max_score", "sandbox", "exercises"]
    assert [e["name"] for e in data["exercises"]] == ["perceptron"]

    # One exercise that imports another: its sibling goes up with it, as a local submit reads it.
    remote = grader("submit", "backprop", "--workspace", str(folder), env=student_env, check=False)
    local = grader("submit", "backprop", "--workspace", str(folder), "--local", env=local_env, check=False)
    assert remote.returncode == local.returncode == 0
    assert remote.stdout.replace("attempt #3", "attempt #2") == local.stdout

    progress = json.loads(grader("progress", "--json", env=student_env).stdout)
    assert [a["attempt"] for a in progress["attempts"]] == [1, 2, 3]
    assert grader("logout", env=student_env).stdout.strip() == "Logged out."
    assert not saved.exists()


def test_the_api_speaks_json_with_the_documented_statuses(server: Server) -> None:
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/health").json() == {"status": "ok"}
        refused = anonymous.post("/api/v1/submissions", json={"files": {}})
        assert refused.status_code == 401 and "error" in refused.json()
        spec = anonymous.get("/api/v1/openapi.json").json()
        assert {"/api/v1/submissions", "/api/v1/submissions/{submission_id}"} <= set(spec["paths"])
    big = "x = 1\n" * 45_000
    with server.client("ada") as ada:
        cases = [
            ({"files": {"perceptron.py": big}}, 413, "262144 bytes a file"),
            ({"files": {name: "# " + "y" * 200_000 for name in reference_files()}}, 413, "in all"),
            ({"files": {"../etc/passwd": "x"}}, 422, "not one of the course's files"),
            ({"files": {"perceptron.py": 3}}, 422, "must be text"),
            ({"files": {"perceptron.py": "x"}, "exercises": ["nope"]}, 422, "unknown exercise"),
            ({"stuff": 1}, 422, "unknown field"),
        ]
        for body, status, words in cases:
            answer = ada.post("/api/v1/submissions", json=body)
            assert (answer.status_code, words in answer.json()["error"]) == (status, True), answer.text
        lone_surrogate = ada.post(
            "/api/v1/submissions",
            content=b'{"files": {"perceptron.py": "\\ud800"}}',
            headers={"Content-Type": "application/json"},
        )
        assert lone_surrogate.status_code == 422 and "UTF-8" in lone_surrogate.json()["error"]
        assert ada.post("/api/v1/submissions", content=b"{not json").status_code == 422


def test_the_same_idempotency_key_is_the_same_submission_even_sent_at_once(server: Server) -> None:
    files = {"perceptron.py": reference_files(("perceptron",))["perceptron.py"]}

    def send() -> int:
        with server.client("ben") as ben:
            answer = ben.post("/api/v1/submissions", json={"files": files}, headers={"Idempotency-Key": "same"})
            assert answer.status_code in (200, 202), answer.text
            return int(answer.json()["submission_id"])

    with ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(lambda _: send(), range(4)))
    assert len(ids) == 1
    with server.client("ben") as ben:
        graded = ben.get(f"/api/v1/submissions/{ids.pop()}", params={"wait": 60}).json()
        assert graded["status"] == "graded" and graded["attempt"] == 1
        assert len(ben.get("/api/v1/progress").json()["attempts"]) == 1


def test_no_student_reads_another_students_work_and_the_hidden_tests_never_leave(server: Server) -> None:
    from grader.grading.exercises import SUITES_DIR

    with server.client("ada") as ada:
        mine = ada.post("/api/v1/submissions", json={"files": reference_files(("perceptron",))}).json()
        ada.get(f"/api/v1/submissions/{mine['submission_id']}", params={"wait": 60})
    answers = []
    with server.client("ben") as ben:
        for path in (
            f"/api/v1/submissions/{mine['submission_id']}",
            f"/api/v1/submissions/{mine['submission_id']}/source",
            "/api/v1/progress?student=ada",
            "/api/v1/students/ada/history",
        ):
            answer = ben.get(path)
            assert answer.status_code == 404, (path, answer.text)
            answers.append(answer.text)
        report = ben.get("/api/v1/report")
        assert report.status_code == 403
    with server.client("tara") as ta:
        table = ta.get("/api/v1/report", params={"format": "table"}).json()["text"]
        assert "ada" in table
        history = ta.get("/api/v1/students/ada/history").json()
        answers += [table, json.dumps(history), ta.get(f"/api/v1/submissions/{mine['submission_id']}").text]
        assert ta.post("/api/v1/class/submissions", json={"student": "ben", "files": {}}).status_code == 403
    secrets = [
        line.strip() for line in (SUITES_DIR / "test_perceptron.py").read_text().splitlines() if "def test_" in line
    ]
    for text in answers:
        assert not any(secret in text for secret in secrets)
        assert "def train_perceptron" not in text or "ada" in text  # only ada's own file, shown to staff


def test_course_rules_are_applied_by_the_server_with_its_own_clock(course: Course, tmp_path: Path) -> None:
    course.folder.joinpath("course.toml").write_text(
        "max_attempts = 2\n[late]\npenalty_per_day = 0.5\nmax_penalty = 0.5\n"
        "[deadlines]\nperceptron = 2000-01-01T00:00:00Z\n"
    )
    server = start_server(course, tmp_path)
    try:
        files = reference_files(("perceptron",))
        with server.client("ada") as ada:
            first = ada.post("/api/v1/submissions", json={"files": files}).json()
            graded = ada.get(f"/api/v1/submissions/{first['submission_id']}", params={"wait": 60}).json()
            assert graded["exercises"][0]["score"] == 9.0  # 18 points, at least a day late: half off
            assert ada.post("/api/v1/submissions", json={"files": files}).status_code in (200, 202)
            third = ada.post("/api/v1/submissions", json={"files": files})
            assert third.status_code == 403 and "used all 2 attempts" in third.json()["error"]
    finally:
        server.stop()


INSTRUCTORS_SUITE = """\
import pytest

from grader.reference import perceptron as course_reference

EXERCISE = "perceptron"


@pytest.mark.points(5)
def test_step_of_zero_is_what_this_course_says(student):
    \"\"\"step(0) follows this course's own convention\"\"\"
    assert course_reference.CONVENTION == "this course"
    assert student.step(0.0) == course_reference.step(0.0)
"""


def test_the_server_grades_with_the_course_folders_own_suites_and_reference(course: Course, tmp_path: Path) -> None:
    course.folder.joinpath("suites", "test_perceptron.py").write_text(INSTRUCTORS_SUITE)
    reference = course.folder / "reference" / "perceptron.py"
    reference.write_text(
        reference.read_text().replace("if z > threshold", "if z >= threshold") + '\nCONVENTION = "this course"\n'
    )
    server = start_server(course, tmp_path)
    try:
        built_in = reference_files(("perceptron",))  # the installed reference: step(0) == 0
        own = {"perceptron.py": built_in["perceptron.py"].replace("if z > threshold", "if z >= threshold")}
        with server.client("ada") as ada:
            scores = []
            for files in (built_in, own):
                sent = ada.post("/api/v1/submissions", json={"files": files}).json()
                graded = ada.get(f"/api/v1/submissions/{sent['submission_id']}", params={"wait": 120}).json()
                (exercise,) = [e for e in graded["exercises"] if e["name"] == "perceptron"]
                assert [t["name"] for t in exercise["tests"]] == ["step(0) follows this course's own convention"]
                scores.append((exercise["score"], exercise["max_score"]))
        assert scores == [(0.0, 5.0), (5.0, 5.0)]
    finally:
        server.stop()


def test_a_server_stopped_after_grading_leaves_no_warning_in_its_log(server: Server, tmp_path: Path) -> None:
    """Stopped with SIGTERM (as systemd and Ctrl-C stop it), the server and its graders end
    quietly: no "leaked semaphore objects" warning from the grading processes."""
    with server.client("ada") as ada:
        sent = ada.post("/api/v1/submissions", json={"files": reference_files(("perceptron",))}).json()
        graded = ada.get(f"/api/v1/submissions/{sent['submission_id']}", params={"wait": 120}).json()
    assert graded["status"] == "graded"
    server.process.send_signal(signal.SIGTERM)  # the server alone, as `kill PID` or systemd sends it
    server.process.wait(timeout=60)
    assert group_ends(server.process.pid, within=60), "processes the server started outlived it"
    server.stop()  # its workers, on PostgreSQL
    logs = "".join(log.read_text() for log in (server.log, *tmp_path.glob("worker-*.log")))
    assert "Finished server process" in server.log.read_text()
    assert "leaked" not in logs and "Traceback" not in logs, logs[-2000:]


def group_ends(group: int, *, within: float) -> bool:
    """Whether every process of the process group `group` ends within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_a_server_killed_with_kill_9_grades_every_acknowledged_submission_after_a_restart(
    course: Course, tmp_path: Path
) -> None:
    server = start_server(course, tmp_path)
    ids = []
    with server.client("ada") as ada, server.client("ben") as ben:
        for client in (ada, ben, ada, ben, ada):
            answer = client.post("/api/v1/submissions", json={"files": reference_files()})
            assert answer.status_code in (200, 202)
            ids.append(int(answer.json()["submission_id"]))
    server.kill()  # mid-grading: some done, some queued, one perhaps half-way
    restarted = start_server(course, tmp_path)
    try:
        with restarted.client("ian") as instructor:
            statuses = [instructor.get(f"/api/v1/submissions/{i}", params={"wait": 60}).json()["status"] for i in ids]
            report = instructor.get("/api/v1/report").json()
        assert statuses == ["graded"] * len(ids)
        totals = {row["student"]: row["total"] for row in report["gradebook"]["students"]}
        assert totals == {"ada": FULL_MARKS, "ben": FULL_MARKS}
        with restarted.client("ada") as ada:
            assert [a["attempt"] for a in ada.get("/api/v1/progress").json()["attempts"]] == [1, 2, 3]
    finally:
        restarted.stop()


def test_an_upload_whose_answer_is_lost_is_sent_again_and_counted_once(
    server: Server, tmp_path: Path, student_env: dict[str, str]
) -> None:
    proxy = AnswerDropper(server.url)
    env = {**student_env, "GRADER_SERVER": proxy.url, "GRADER_TOKEN": server.course.tokens["ben"]}
    folder = workspace_of(tmp_path, reference_files(("perceptron",)))
    lost = grader("submit", "perceptron", "--workspace", str(folder), env=env, check=False)
    assert lost.returncode == 3, lost.stderr
    pending = list((Path(student_env["XDG_CONFIG_HOME"]) / "grader" / "pending").glob("*.json"))
    assert len(pending) == 1
    resent = grader("submit", "--resend", env=env, check=False)
    assert resent.returncode == 0, resent.stderr
    assert "Sent again" in resent.stderr and not list(pending[0].parent.glob("*.json"))
    again = grader("submit", "--resend", env=env, check=False)
    assert again.returncode == 0 and again.stderr.startswith("Nothing to send again")
    with server.client("ben") as ben:
        assert len(ben.get("/api/v1/progress").json()["attempts"]) == 1
    proxy.close()


def test_the_cli_exits_3_when_the_server_cannot_be_reached(student_env: dict[str, str], tmp_path: Path) -> None:
    from tests.server.conftest import free_port

    env = {**student_env, "GRADER_SERVER": f"http://127.0.0.1:{free_port()}", "GRADER_TOKEN": "t"}
    folder = workspace_of(tmp_path, {"perceptron.py": "x = 1\n"})
    for args in (["submit", "--workspace", str(folder)], ["progress"]):
        result = grader(*args, env=env, check=False)
        assert result.returncode == 3, result.stderr
        assert result.stderr.startswith("Error: cannot reach the server")
        assert result.stderr.rstrip().endswith("--local works on this machine")  # the way out
    login = grader("login", env["GRADER_SERVER"], "--token", "t", env=student_env, check=False)
    assert login.returncode == 3, login.stderr
    assert login.stderr.startswith("Error: cannot reach the server") and "--local" not in login.stderr  # none here


def test_tokens_are_stored_hashed_and_only_reissuing_revokes_the_old_one(server: Server) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server.course.db_url)
    with engine.connect() as connection:
        stored = " ".join(str(v) for row in connection.execute(text("SELECT * FROM enrolments")) for v in row)
    engine.dispose()
    assert not any(token in stored for token in server.course.tokens.values())
    old = server.course.tokens["ada"]
    roster = server.course.folder.parent / "again.csv"
    roster.write_text("student\nada\nlate\n")  # a late student added to the roster
    where = ("--course", str(server.course.folder), "--db", server.course.db_url)
    again = json.loads(grader("course", "enrol", str(roster), *where, "--json").stdout)
    assert [row["student"] for row in again["enrolled"]] == ["late"] and again["kept"] == ["ada"]
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 200
    reissued = grader("course", "enrol", str(roster), *where, "--reissue").stdout
    assert "Enrolled 2 as student" in reissued
    with server.client() as anonymous:
        assert anonymous.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    revoked = grader("course", "revoke", "ben", *where).stdout
    with server.client("ben") as ben:
        assert ben.get("/api/v1/me").status_code == 401
    assert revoked == "Revoked the token of ben.\n"
    assert grader("course", "revoke", "ben", *where).stdout == "ben holds no working token already: nothing changed.\n"


class AnswerDropper:
    """A proxy that passes requests on but, the first time a submission is posted, drops the
    connection before the answer reaches the client: the server has it, the client never knew."""

    def __init__(self, target: str) -> None:
        import socket

        self.target = target.removeprefix("http://")
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.dropped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with client:
                request = self._read_request(client)
                host, port = self.target.split(":")
                with socket.create_connection((host, int(port))) as upstream:
                    upstream.sendall(request)
                    answer = self._read_all(upstream)
                if request.startswith(b"POST /api/v1/submissions") and not self.dropped:
                    self.dropped = True
                    continue  # the server stored it; the client gets no answer
                client.sendall(answer)

    @staticmethod
    def _read_request(sock) -> bytes:  # type: ignore[no-untyped-def]
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        while len(body) < length:
            body += sock.recv(65536)
        head = b"\r\n".join(line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection"))
        return head + b"\r\nConnection: close\r\n\r\n" + body

    @staticmethod
    def _read_all(sock) -> bytes:  # type: ignore[no-untyped-def]
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        self.listener.close()


def test_grader_serve_and_course_commands_have_help() -> None:
    for command in (["serve"], ["course", "init"], ["course", "enrol"], ["course", "revoke"], ["login"], ["logout"]):
        result = subprocess.run([sys.executable, "-m", "grader", *command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0 and "Exit status" in " ".join(result.stdout.split()), command


def test_an_instructor_grades_a_class_and_reads_the_report_through_the_server(
    server: Server, tmp_path: Path, student_env: dict[str, str]
) -> None:
    classroom = tmp_path / "class"
    workspace_of(classroom, reference_files(), "ada/hw1/exercises")  # as an unpacked archive has it
    workspace_of(classroom, {"perceptron.py": "def step(z, threshold=0.0):\n    return 1\n"}, "ben")
    workspace_of(classroom, {"._perceptron.py": "\x00"}, "__MACOSX/ben")  # archive debris: no student
    (classroom / "nobody here").mkdir()
    env = {**student_env, "GRADER_TOKEN": server.course.tokens["ian"]}
    graded = grader("grade", str(classroom), "--server", server.url, "--json", env=env, check=False)
    assert graded.returncode == 1  # one folder could not be graded
    data = json.loads(graded.stdout)
    assert {s["student"]: s["score"] for s in data["students"]} == {"ada": FULL_MARKS, "ben": 0.0}
    assert [s["folder"] for s in data["students"]] == ["hw1/exercises", ""]  # as a local grade finds them
    assert [f["student"] for f in data["failed"]] == ["nobody here"]

    remote = grader("report", "--server", server.url, env=env)
    local = grader("report", "--local", "--db", server.course.db_url, env=env)
    assert remote.stdout == local.stdout and "ada" in remote.stdout
    csv = grader("report", "--server", server.url, "--format", "csv", env=env).stdout
    assert csv.splitlines()[1].startswith("ada,")
    history = grader("report", "--server", server.url, "--student", "ben", env=env).stdout
    assert history == grader("report", "--local", "--db", server.course.db_url, "--student", "ben", env=env).stdout

    ta_env = {**student_env, "GRADER_TOKEN": server.course.tokens["tara"]}
    refused = grader("grade", str(classroom), "--server", server.url, env=ta_env, check=False)
    assert refused.returncode == 2 and "only an instructor" in refused.stderr


def test_a_student_takes_a_quiz_on_the_server_which_scores_and_keeps_it(
    server: Server, tmp_path: Path, student_env: dict[str, str]
) -> None:
    grader("login", server.url, "--token", server.course.tokens["ada"], env=student_env)

    listed = grader("quiz", "take", env=student_env, check=False)
    assert listed.returncode == 2 and "key-concepts" in listed.stderr  # the server's quizzes

    with server.client("ada") as ada:  # a question goes out without its answer, or its author's keys
        started = ada.post("/api/v1/quizzes/key-concepts/sittings").json()
        assert "correct" not in json.dumps(started) and "Explanation" not in json.dumps(started)
        assert started["questions"] == 4 and started["question"]["label"] == "1/4"
        assert [o["key"] for o in started["question"]["options"]] == ["1", "2", "3", "4"]
        answers = f"/api/v1/quiz-sittings/{started['sitting_id']}/answers"
        for bad in (
            {"position": 0, "answer": []},
            {"position": 0, "answer": [None]},
            {"position": False, "answer": ["1"]},
        ):
            refused = ada.post(answers, json=bad)
            assert refused.status_code == 422 and list(refused.json()) == ["error"]
        assert ada.post("/api/v1/quiz-sittings/%C2%B2/stop").status_code == 422  # "²" is no sitting number
    with server.client("ben") as ben:
        one = ben.post("/api/v1/quizzes/key-concepts/attempts", json={"answers": {"concept-loss": ["b"]}}).json()
        assert [v["question"]["id"] for v in one["attempt"]["verdicts"]] == ["concept-loss"]  # no key for blanks

    typed = typed_into(["quiz", "take", "key-concepts"], "1\n1\nq\n", student_env)
    assert typed.returncode == 0, typed.stderr
    assert "Key concepts: 4 questions. Type q to stop" in typed.stdout
    assert "[2/4]" in typed.stdout and "[3/4]" in typed.stdout
    assert "You stopped after 2 of 4 questions; the 2 not answered score 0." in typed.stdout

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"concept-weight-bias": ["b"], "concept-loss": ["a"]}))
    filed = grader("quiz", "take", "key-concepts", "--answers", str(answers), env=student_env)
    assert "Score: 1 / 4 (attempt 2)" in filed.stdout
    assert "The bias shifts the activation threshold" in filed.stdout  # a missed question, explained
    as_json = json.loads(
        grader("quiz", "take", "key-concepts", "--answers", str(answers), "--json", env=student_env).stdout
    )
    assert list(as_json) == ["attempt_id", "quiz", "student", "score", "max_score", "questions", "attempt", "complete"]
    assert (as_json["student"], as_json["attempt"], as_json["score"]) == ("ada", 3, 1.0)

    answers.write_text(json.dumps({"no-such-question": ["a"]}))
    refused = grader("quiz", "take", "key-concepts", "--answers", str(answers), env=student_env, check=False)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"Error: {answers}: ") and "no-such-question" in refused.stderr

    progress = json.loads(grader("progress", "--json", env=student_env).stdout)
    assert [(a["attempt"], a["complete"]) for a in progress["quiz_attempts"]] == [(1, False), (2, True), (3, True)]
    local = grader(
        "quiz",
        "take",
        "key-concepts",
        "--local",
        "--answers",
        str(tmp_path / "none.json"),
        env=student_env,
        check=False,
    )
    assert "none.json" in local.stderr  # --local reads the file here, and takes the quiz here


def test_a_logged_in_student_practises_in_the_terminal_on_the_servers_schedule(
    server: Server, tmp_path: Path, student_env: dict[str, str]
) -> None:
    """One schedule per student: what the terminal practises is what /practice sees, and the
    other way round; the questions and quizzes are the course's, not this machine's."""
    elsewhere = tmp_path / "no-quizzes-here"
    elsewhere.mkdir()
    env = {**student_env, "GRADER_QUIZZES": str(elsewhere)}
    grader("login", server.url, "--token", server.course.tokens["ada"], env=env)

    listed = json.loads(grader("quiz", "list", "--json", env=env).stdout)
    assert "key-concepts" in [q["id"] for q in listed["quizzes"]]  # the course's quizzes
    here = grader("quiz", "list", "--local", env=env, check=False)  # this machine's bank: empty
    assert here.returncode == 2 and "no quiz files" in here.stderr

    with server.client("ada") as ada:
        opening = ada.get("/api/v1/practice", params={"quiz": "key-concepts"}).json()
        assert (opening["due"], opening["new"]) == (0, 4)
        assert "correct" not in json.dumps(opening) and "explanation" not in json.dumps(opening)
        assert [o["key"] for o in opening["question"]["options"]][:2] == ["1", "2"]
        for bad in ({"quiz": "key-concepts", "answer": ["1"]}, {"quiz": "key-concepts", "ticket": {}, "answer": ["1"]}):
            assert ada.post("/api/v1/practice/answers", json=bad).status_code == 422
        assert ada.get("/api/v1/practice", params={"quiz": "nosuch"}).status_code == 404
        lone = json.dumps({"quiz": "\ud800", "ticket": opening["ticket"], "answer": ["1"]})  # was a 500
        headers = {"content-type": "application/json"}
        assert ada.post("/api/v1/practice/answers", content=lone, headers=headers).status_code == 404

    typed = typed_into(["quiz", "practice", "key-concepts", "--limit", "2"], "1\n1\n", env)
    assert typed.returncode == 0, typed.stderr
    assert typed.stdout.startswith("0 due, 4 new. Type q to stop.")
    assert "Practised 2 questions:" in typed.stdout and "2 new" in typed.stdout

    with server.client("ada") as ada:  # the terminal's two answers are on the server's schedule
        later = ada.get("/api/v1/practice", params={"quiz": "key-concepts"}).json()
        assert later["new"] == 2
        answer = {"quiz": "key-concepts", "ticket": later["ticket"], "answer": ["1"]}
        answered = ada.post("/api/v1/practice/answers", json=answer)
        assert answered.status_code == 200 and answered.json()["verdict"]["next_due"]
        assert answered.json()["next"]["new"] == 1
        assert ada.post("/api/v1/practice/answers", json=answer).status_code == 409  # not reviewed twice

    rest = typed_into(["quiz", "practice", "key-concepts"], "q\n", env)
    assert rest.returncode == 0, rest.stderr
    assert rest.stdout.startswith("0 due, 1 new.")  # what the API answered counts in the terminal too
    unknown = grader("quiz", "practice", "nosuch", env=env, check=False)
    assert unknown.returncode == 2 and unknown.stderr.startswith("Error:") and "nosuch" in unknown.stderr
    with server.client("ada") as ada:
        every = ada.get("/api/v1/practice").json()  # every quiz: "quiz" is null, and may be sent back so
        assert every["quiz"] is None and every["ticket"]
        again = {"quiz": every["quiz"], "ticket": every["ticket"], "answer": ["1"]}
        assert ada.post("/api/v1/practice/answers", json=again).status_code == 200
