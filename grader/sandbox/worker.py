# The sandboxed worker. It runs as `python -I -S -B -c <protocol.py + this file>`, so it
# imports nothing of the grader and cannot be redirected by the environment or site-packages.
#
# Life of a worker (W, forked by the zygote or started by the grader, in a process group of
# its own but in the grader's session, so the kernel schedules it beside the grader rather than
# as another user's job):
#   1. import numpy (before any restriction, so later imports of it are free);
#   2. enter new user, network and PID namespaces where the kernel allows it, and fork STUDENT,
#      PID 1 of the new PID namespace: when it dies, the kernel ends everything in the namespace.
#      Student code may clear STUDENT's parent-death signal, so something it does not control
#      must end the namespace when the grader dies: the zygote is PID 1 of a PID namespace of
#      its own that holds every worker's (it dies with the grader, and the kernel then ends
#      them all); a worker started without a zygote forks INIT first, PID 1 of its namespace,
#      which runs no student code, forks STUDENT, and dies with W;
#   3. STUDENT says hello (with its pid as the grader's /proc sees it), and on `init`, followed
#      by one `file` frame per snapshotted source, sets resource limits, restricts the
#      filesystem (nothing of the workspace: the sources arrive in memory), TCP and signals
#      with Landlock, refuses new processes with seccomp, closes every other descriptor, says
#      `importing`, and imports the student's module from those sources;
#   4. serve `call` requests until the channel closes.
# Everything this process sends is plain data; the trusted side decides what it is worth, and
# measures the time it uses itself, in /proc.
# The wire format (grader/sandbox/protocol.py) arrives as argv[2] and is executed into this
# module's globals once numpy can be imported, so both sides share one definition of it.

import ctypes
import importlib
import json
import os
import resource
import signal
import sys
import traceback
import warnings

CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
TIOCNOTTY = 0x5422
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_ACCESS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}
FS_ACCESS_NEWEST = (1 << 16) - 1  # ABI 5 added IOCTL_DEV
FILE_ONLY_ACCESS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)
NET_BIND_AND_CONNECT_TCP = 0b11
SCOPE_ABSTRACT_UNIX_AND_SIGNAL = 0b11
MESSAGE_CAP = 2000
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
CLONE_THREAD = 0x00010000
# (audit arch, clone, clone3, calls always refused) per machine. Refused: fork and vfork (new
# processes); socket (no network, and no Unix socket to a local server such as a database's,
# which neither Landlock nor a network namespace covers); io_uring_setup (it could open sockets
# without calling socket); ptrace, process_vm_readv and process_vm_writev (the namespace's INIT
# must stay out of the student's reach even where Landlock, which also forbids it, is missing).
SECCOMP_ARCHES = {
    "x86_64": (0xC000003E, 56, 435, (57, 58, 41, 425, 101, 310, 311)),
    "aarch64": (0xC00000B7, 220, 435, (198, 425, 117, 270, 271)),
}


class RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class Channel:
    def __init__(self, read_fd, write_fd):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.buffer = bytearray()

    def _fill(self, size):
        while len(self.buffer) < size:
            chunk = os.read(self.read_fd, max(size - len(self.buffer), 65536))
            if not chunk:
                raise EOFError
            self.buffer += chunk

    def receive(self):
        self._fill(HEADER.size)
        (size,) = HEADER.unpack_from(self.buffer)
        if size > MAX_FRAME_BYTES:
            raise ProtocolError("request too large")
        end = HEADER.size + size
        self._fill(end)
        body = bytes(self.buffer[HEADER.size : end])
        del self.buffer[:end]
        return load_frame(body)

    def send(self, message):
        try:
            frame = dump_frame(message)
        except ProtocolError as error:
            frame = dump_frame({"id": message.get("id"), "too_large": str(error)})
        view = memoryview(frame)
        while view:
            written = os.write(self.write_fd, view)
            view = view[written:]


_LIBC = []


def libc():
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC[0]


def enter_namespaces(report):
    """Unshare what the kernel allows; return True when a new PID namespace awaits a fork."""
    if not sys.platform.startswith("linux"):
        return False
    c = libc()
    for flags, names in (
        (CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID, ("user_namespace", "network_namespace", "pid_namespace")),
        (CLONE_NEWNET | CLONE_NEWPID, ("network_namespace", "pid_namespace")),  # in the zygote's user namespace
        (CLONE_NEWUSER | CLONE_NEWNET, ("user_namespace", "network_namespace")),
        (CLONE_NEWNET, ("network_namespace",)),
    ):
        if c.unshare(flags) == 0:
            for name in names:
                report[name] = True
            return "pid_namespace" in names
    return False


def die_with_parent(parent_alive):
    """Be killed when the parent dies; exit now if it is already gone (the signal would never come)."""
    if sys.platform.startswith("linux"):
        libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if not parent_alive():
        os._exit(1)


def wait_and_mirror(child):
    """Reap children until `child` ends, then exit as it did (a signal as 128 + its number)."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
        if pid == child:
            break
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def fork_with_parent_alive():
    """Fork; in the child, die with the parent (checked through a pipe, since a child in a new
    PID namespace cannot see its parent's pid). Returns fork's value."""
    alive_read, alive_write = os.pipe()  # the child sees EOF here once the parent is gone
    child = os.fork()
    if child:
        os.close(alive_read)
        return child
    os.close(alive_write)
    die_with_parent(lambda: not select_readable(alive_read))
    os.close(alive_read)
    return 0


def split_into_namespace(channel_fds, with_init):
    """Fork the student's process into the new PID namespace; return in it (STUDENT).

    W (this process) only waits. `with_init`: first fork INIT, PID 1 of the namespace, which
    runs no student code and only waits, so that the parent-death signal it holds cannot be
    cleared by the student: W's death then ends INIT and with it the whole namespace, even when
    the grader itself was killed. A zygote's workers need none: the zygote is PID 1 of a
    namespace of its own that holds theirs, and its death (it dies with the grader) ends them.
    """
    for _ in range(2 if with_init else 1):
        child = fork_with_parent_alive()
        if child:
            for fd in (*channel_fds, 0, 1, 2):
                os.close(fd)
            wait_and_mirror(child)


def select_readable(fd):
    import select

    return bool(select.select([fd], [], [], 0)[0])


def drop_controlling_terminal():
    """Give up the terminal the grader may run in, so that /dev/tty cannot reach it.

    Workers stay in the grader's session (a session of their own would put them in a
    scheduling group of their own, and every call would wait for the CPU behind other
    sessions' work on a busy machine), so they detach from its terminal instead.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return  # no controlling terminal
    try:
        import fcntl

        fcntl.ioctl(fd, TIOCNOTTY)
    except OSError:
        pass
    finally:
        os.close(fd)


def host_pid():
    """This process's pid as /proc (mounted for the grader's PID namespace) names it."""
    try:
        return int(os.readlink("/proc/self"))
    except (OSError, ValueError):
        return None


def landlock_abi():
    if not sys.platform.startswith("linux"):
        return 0
    version = libc().syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), LANDLOCK_CREATE_RULESET_VERSION)
    return max(int(version), 0)


PREPARED_RULESET = []  # (rules, ruleset fd): built once by a zygote, before it forks workers


def build_ruleset(rules, abi):
    """A Landlock ruleset allowing reading only `rules` (path, access): no writes, TCP or signals
    out. Returns its descriptor, or None."""
    c = libc()
    fs_access = FS_ACCESS_BY_ABI.get(abi, FS_ACCESS_NEWEST)
    attr = RulesetAttr(
        fs_access, NET_BIND_AND_CONNECT_TCP if abi >= 4 else 0, SCOPE_ABSTRACT_UNIX_AND_SIGNAL if abi >= 6 else 0
    )
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = c.syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        return None
    for path, access in rules:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            allowed = access & fs_access
            if not os.path.isdir(path):
                allowed &= FILE_ONLY_ACCESS
            rule = PathBeneathAttr(allowed, fd)
            c.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0)
        finally:
            os.close(fd)
    return ruleset


def prepare_landlock(rules):
    """Build the ruleset of the usual rules once (a zygote does, for all the workers it forks):
    building one opens every allowed path, a few milliseconds that each worker then saves."""
    abi = landlock_abi()
    ruleset = build_ruleset(rules, abi) if abi >= 1 else None
    if ruleset is not None:
        PREPARED_RULESET.append((rules, ruleset))


def apply_landlock(rules, report):
    """Restrict this process to `rules` (see `build_ruleset`), with the prepared ruleset if it
    holds the same rules."""
    abi = landlock_abi()
    report["landlock_abi"] = abi
    if abi < 1:
        return
    prepared = PREPARED_RULESET[0] if PREPARED_RULESET and PREPARED_RULESET[0][0] == rules else None
    ruleset = prepared[1] if prepared else build_ruleset(rules, abi)
    if ruleset is None:
        report["landlock_abi"] = 0
        return
    c = libc()
    try:
        if c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or c.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            report["landlock_abi"] = 0
            return
    finally:
        os.close(ruleset)
    report["filesystem"] = True
    report["network_tcp"] = abi >= 4
    report["signal_scope"] = abi >= 6


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]


SECCOMP_FILTER = []  # built once, before the zygote forks workers


def seccomp_program():
    """The filter's program: no new process, thread or socket (fork, vfork, socket,
    io_uring_setup, ptrace and clone fail with EPERM, but clone of a thread with EAGAIN, which
    Python reports as "can't start new thread"; clone3 answers ENOSYS so that libc falls back to
    clone, whose flags a filter can read). None where the machine is not known.

    Threads are refused because each takes a process id of the machine's: 7,000 threads of one
    sandbox (all its memory allows) times four exercises took 30,000 of a host's 32,768, and
    made other students' graders fail to start theirs. The course's code needs none."""
    import errno
    import platform

    arch = SECCOMP_ARCHES.get(platform.machine())
    if arch is None:
        return None
    audit_arch, nr_clone, nr_clone3, refused = arch

    def stmt(code, k):
        return (code, 0, 0, k)

    def jeq(k, jt, jf):
        return (0x15, jt, jf, k)  # BPF_JMP|BPF_JEQ|BPF_K

    deny, nosys = SECCOMP_RET_ERRNO | errno.EPERM, SECCOMP_RET_ERRNO | errno.ENOSYS
    busy = SECCOMP_RET_ERRNO | errno.EAGAIN
    program = [stmt(0x20, 4), jeq(audit_arch, 1, 0), stmt(0x06, SECCOMP_RET_ALLOW), stmt(0x20, 0)]
    program += [jeq(nr_clone3, 0, 1), stmt(0x06, nosys)]
    for number in refused:
        program += [jeq(number, 0, 1), stmt(0x06, deny)]
    program += [
        jeq(nr_clone, 0, 4),
        stmt(0x20, 16),  # low word of clone's flags
        (0x45, 1, 0, CLONE_THREAD),  # BPF_JMP|BPF_JSET|BPF_K: a thread, EAGAIN
        stmt(0x06, deny),
        stmt(0x06, busy),
        stmt(0x06, SECCOMP_RET_ALLOW),
    ]
    filters = (SockFilter * len(program))(*[SockFilter(*ins) for ins in program])
    return filters, SockFprog(len(program), filters)


def forbid_new_processes(report):
    """Apply the seccomp filter (see `seccomp_program`)."""
    if not SECCOMP_FILTER:
        SECCOMP_FILTER.append(seccomp_program())
    if SECCOMP_FILTER[0] is None:
        return
    _, prog = SECCOMP_FILTER[0]
    c = libc()
    if (
        c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
        and c.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0
    ):
        report["no_new_processes"] = True


def apply_limits(limits, report):
    def setrlimit(kind, value):
        try:
            resource.setrlimit(kind, (value, value))
            return True
        except (ValueError, OSError):
            return False

    report["memory_limit_bytes"] = (
        limits["memory_bytes"] if setrlimit(resource.RLIMIT_AS, limits["memory_bytes"]) else None
    )
    setrlimit(resource.RLIMIT_CPU, limits["cpu_seconds"])
    setrlimit(resource.RLIMIT_CORE, 0)
    setrlimit(resource.RLIMIT_FSIZE, 0)
    setrlimit(resource.RLIMIT_NOFILE, 64)


def make_readonly(value):
    """Arrays backed by immutable bytes: writing to them raises, and cannot be switched back on."""
    if isinstance(value, np.ndarray):
        return np.frombuffer(value.tobytes(), dtype=value.dtype).reshape(value.shape)
    if isinstance(value, list):
        return [make_readonly(item) for item in value]
    if isinstance(value, tuple):
        return tuple(make_readonly(item) for item in value)
    if isinstance(value, dict):
        return {key: make_readonly(item) for key, item in value.items()}
    return value


def describe_exception(error, filenames):
    """Type, message and the student's own line where it happened; never the worker's frames."""
    try:
        message = str(error)
    except BaseException:
        message = "<unprintable message>"
    where = ""
    try:
        for frame in traceback.extract_tb(error.__traceback__):
            if frame.filename in filenames:
                where = f"{frame.filename}:{frame.lineno}"
        if isinstance(error, SyntaxError) and error.filename in filenames and type(error.lineno) is int:
            where = f"{error.filename}:{error.lineno}"
            message = str(error.msg)  # not "... (activations.py, line 32)": `where` says it
    except BaseException:
        where = ""
    return {"type": type(error).__name__[:100], "message": message[:MESSAGE_CAP], "where": where}


class SnapshotImporter:
    """Imports the workspace's modules from the sources the grader sent, never from the disk.

    The grader snapshots the workspace once, records that snapshot, and sends it here: what is
    graded is exactly what is recorded. A package folder or a stale `__pycache__` beside a
    module cannot stand in for it, since nothing of the workspace is read (Landlock grants
    none of it). Each module is compiled under its own file name (`perceptron.py`), so that
    tracebacks, doctest and `where` in feedback name the student's file and line.
    """

    def __init__(self, sources):
        self.sources = sources
        self.filenames = frozenset(name + ".py" for name in sources)

    def install(self):
        import importlib.machinery
        import linecache

        for name, source in self.sources.items():
            filename = name + ".py"
            linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        finders = sys.meta_path
        position = next((i for i, f in enumerate(finders) if f is importlib.machinery.PathFinder), len(finders))
        finders.insert(position, self)  # after built-in and frozen modules, before anything on disk

    def find_spec(self, fullname, path=None, target=None):
        if path is not None or fullname not in self.sources:
            return None
        import importlib.machinery

        spec = importlib.machinery.ModuleSpec(fullname, self, origin=fullname + ".py")
        spec.has_location = True
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        name = module.__spec__.name
        code = compile(self.sources[name], name + ".py", "exec", dont_inherit=True)
        exec(code, module.__dict__)

    def get_source(self, fullname):
        return self.sources.get(fullname)


def run_examples(module):
    """Run the doctest examples of the student's module: for `grader check`, which scores nothing.

    A function's examples stop at its first failure (later ones often depend on it). Each
    function reports every example's outcome and whether it documents an output; the
    trusted side (grader.grading.examples) does the counting.
    """
    import doctest
    import io

    functions_cap, examples_cap = 200, 200  # what goes back stays small, whatever the docstrings hold
    outcomes = {}

    class BriefRunner(doctest.DocTestRunner):
        def report_success(self, out, test, example, got):
            outcomes[id(example)] = "passed"

        def report_failure(self, out, test, example, got):
            outcomes[id(example)] = "failed"
            out(f">>> {example.source.strip()}\nexpected: {example.want.strip()}\ngot:      {got.strip()}\n")

        def report_unexpected_exception(self, out, test, example, exc_info):
            outcomes[id(example)] = "raised"
            error = exc_info[1]
            if isinstance(error, NotImplementedError):
                detail = " (not written yet)"
            else:
                detail = f": {str(error)[:300]}" if str(error) else ""
            out(f">>> {example.source.strip()}\nraised {type(error).__name__}{detail}\n")

    finder = doctest.DocTestFinder(exclude_empty=True)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.FAIL_FAST
    runner = BriefRunner(optionflags=flags)
    results = []
    for test in sorted(finder.find(module), key=lambda t: (t.lineno or 0, t.name))[:functions_cap]:
        if not test.examples:
            continue
        report = io.StringIO()
        outcome = runner.run(test, out=report.write, clear_globs=True)
        results.append(
            {
                "name": test.name.rsplit(".", 1)[-1],
                "attempted": outcome.attempted,
                "failed": outcome.failed,
                "details": report.getvalue()[-MESSAGE_CAP:],
                "examples": [
                    {"checked": bool(e.want.strip()), "outcome": outcomes.get(id(e), "not run")}
                    for e in test.examples[:examples_cap]
                ],
            }
        )
    return results


UPCALL_TABLES_CAP = 1000  # globals looked at, and entries of each, for tables of functions
UPCALL_NAMES_CAP = 32


class Upcalls:
    """Helpers of the student's module answered by the grader during one call.

    When a function built on earlier ones (`train` on `forward_pass`) is checked, the grader
    may ask for its own versions of those earlier functions to stand in for the student's,
    so that a mistake in them is not charged again here. For the length of the call, each
    named global of every snapshot module that holds one (and each entry of a module-level dict
    or list that holds that very function) is replaced by a proxy whose calls
    go to the grader as plain data and come back as plain data: nothing of the grader's code
    or data enters this process. The originals are put back afterwards, whatever happened.
    """

    def __init__(self, channel, call_id, names, filenames):
        self.channel = channel
        self.call_id = call_id
        self.replaced = []
        modules = [sys.modules[f[:-3]] for f in sorted(filenames) if f[:-3] in sys.modules]
        proxies = {}  # id of a replaced function -> (the function, its proxy)
        for name in list(names)[:UPCALL_NAMES_CAP]:
            if type(name) is not str or not name.isidentifier() or name.startswith("_"):
                continue
            proxy = self.proxy(name)
            for module in modules:
                if name in module.__dict__:
                    original = module.__dict__[name]
                    self.replaced.append((module.__dict__, name, original))
                    module.__dict__[name] = proxy
                    proxies[id(original)] = (original, proxy)
        # A table of functions built at import (ACTIVATIONS = {"sigmoid": sigmoid}) holds the
        # functions themselves, not their names: its entries are replaced too, one level deep.
        for module in modules if proxies else ():
            for table in list(module.__dict__.values())[:UPCALL_TABLES_CAP]:
                if type(table) is dict:
                    entries = list(dict.items(table))[:UPCALL_TABLES_CAP]
                elif type(table) is list:
                    entries = list(enumerate(table))[:UPCALL_TABLES_CAP]
                else:
                    continue
                for key, item in entries:
                    found = proxies.get(id(item))
                    if found is not None and found[0] is item:
                        self.replaced.append((table, key, item))
                        table[key] = found[1]

    def proxy(self, name):
        channel, call_id = self.channel, self.call_id

        def upcall(*args, **kwargs):
            channel.send(
                {"id": call_id, "op": "upcall", "function": name, "args": encode(list(args)), "kwargs": encode(kwargs)}
            )
            reply = channel.receive()
            if "value" in reply:
                return decode(reply["value"])
            raised = reply.get("raised") if type(reply.get("raised")) is dict else {}
            kind = getattr(builtins_module(), str(raised.get("type")), None)
            if not (isinstance(kind, type) and issubclass(kind, Exception)):
                kind = RuntimeError
            raise kind(str(raised.get("message", ""))[:MESSAGE_CAP])

        upcall.__name__ = upcall.__qualname__ = name
        return upcall

    def restore(self):
        for namespace, name, original in reversed(self.replaced):
            namespace[name] = original
        self.replaced = []


def builtins_module():
    import builtins

    return builtins


def serve(channel, module, filenames):
    seen = []

    def record(message, category, filename, lineno, file=None, line=None):
        if len(seen) < 5:
            seen.append(f"{category.__name__}: {str(message)[:200]}")

    # Warnings of every call are recorded, set up once rather than for each call.
    warnings.simplefilter("always")
    warnings.showwarning = record
    while True:
        try:
            request = channel.receive()
        except EOFError:
            os._exit(0)
        call_id = request.get("id")
        if request.get("op") == "examples":
            try:
                channel.send({"id": call_id, "value": encode(run_examples(module))})
            except BaseException as error:
                channel.send({"id": call_id, "raised": describe_exception(error, filenames)})
            continue
        name = request.get("function")
        function = module.__dict__.get(name) if type(name) is str and not name.startswith("_") else None
        if not callable(function):
            channel.send({"id": call_id, "missing": True})
            continue
        substitute = request.get("substitute")
        upcalls = Upcalls(channel, call_id, substitute, filenames) if type(substitute) is list else None
        try:
            args = decode(request.get("args", []))
            kwargs = decode(request.get("kwargs", {}))
            if request.get("readonly"):
                args, kwargs = make_readonly(args), make_readonly(kwargs)
            seen.clear()
            answer = {"id": call_id, "value": encode(function(*args, **kwargs)), "warnings": list(seen)}
            if request.get("echo") is True:  # the arguments as the call left them
                answer["arguments_after"] = encode([args, kwargs])
        except BaseException as error:  # SystemExit and KeyboardInterrupt are answers too
            channel.send({"id": call_id, "raised": describe_exception(error, filenames)})
            continue
        finally:
            if upcalls is not None:
                upcalls.restore()
        channel.send(answer)


def load_runtime(config):
    """Import numpy and the wire format, and everything a worker uses later: once per worker,
    or once per zygote for all its workers (so that none of it is done again after each fork)."""
    sys.path.insert(0, config["numpy_parent"])
    exec(compile(sys.argv[2], "protocol.py", "exec"), globals())
    import errno  # noqa: F401
    import fcntl  # noqa: F401
    import importlib.machinery  # noqa: F401
    import linecache  # noqa: F401
    import platform  # noqa: F401
    import select  # noqa: F401

    import numpy.linalg  # noqa: F401  (warm imports: the student's `import numpy` is then free)
    import numpy.random  # noqa: F401

    sys.path.remove(config["numpy_parent"])
    libc()
    if sys.platform.startswith("linux"):
        SECCOMP_FILTER.append(seccomp_program())


def sandbox(layers, read_fd, write_fd, under_zygote_namespace=False):
    """Become one exercise's sandbox: isolate, wait for `init`, import the module, serve calls."""
    channel = Channel(read_fd, write_fd)
    report = {
        "user_namespace": False,
        "network_namespace": False,
        "pid_namespace": False,
        "landlock_abi": 0,
        "filesystem": False,
        "network_tcp": False,
        "signal_scope": False,
        "memory_limit_bytes": None,
        "no_new_processes": False,
    }
    if layers["namespaces"] and enter_namespaces(report):
        split_into_namespace([read_fd, write_fd], with_init=not under_zygote_namespace)
    drop_controlling_terminal()
    channel.send({"op": "hello", "pid": host_pid()})

    init = channel.receive()
    sources = {}
    for _ in range(int(init["files"])):
        frame = channel.receive()
        name, source = frame.get("name"), frame.get("source")
        if type(name) is str and name.isidentifier() and type(source) is str:
            sources[name] = source
    apply_limits(init["limits"], report)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if layers["landlock"]:
        apply_landlock(init["rules"], report)
    if layers["seccomp"] and sys.platform.startswith("linux"):
        forbid_new_processes(report)
    os.closerange(3, min(channel.read_fd, channel.write_fd))
    os.closerange(max(channel.read_fd, channel.write_fd) + 1, 1024)
    os.chdir("/")
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.reconfigure(line_buffering=True)
    importer = SnapshotImporter(sources)
    importer.install()
    sys.argv = [init["module"]]
    times = os.times()
    # The student's time starts here; so does their code, which could write anything to the
    # channel: what the isolation is, is said before.
    channel.send({"op": "importing", "cpu": times.user + times.system, "isolation": report})
    try:
        module = importlib.import_module(init["module"])
    except BaseException as error:
        channel.send({"op": "import_failed", "raised": describe_exception(error, importer.filenames)})
        os._exit(0)
    channel.send({"op": "ready"})
    serve(channel, module, importer.filenames)


def enter_zygote_namespace(control_fd):
    """Become PID 1 of a new PID namespace (in a new user namespace), if the kernel allows it.

    This process stays outside and only waits (and dies with the grader); its child, the
    zygote proper, dies with it, and when the zygote dies the kernel ends every process in its
    namespace: every worker, and every worker's own namespace, whatever student code did.
    Returns True in the zygote proper when that worked, False (in this process) when not.
    """
    uid, gid = os.geteuid(), os.getegid()
    if not sys.platform.startswith("linux") or libc().unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0:
        return False
    try:  # map our own ids, so that each worker can create a user namespace of its own inside
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    except OSError:
        pass  # workers then enter what namespaces they can, and say so in their report
    child = fork_with_parent_alive()
    if child:
        os.close(control_fd)
        wait_and_mirror(child)
    return True


def host_pid_of(pid):
    """The pid that the grader's /proc (and the grader) gives to our child `pid`: read from the
    fdinfo of a pidfd, which names it in the PID namespace that /proc was mounted for."""
    pidfd = os.pidfd_open(pid)
    try:
        with open(f"/proc/self/fdinfo/{pidfd}") as handle:
            for line in handle:
                if line.startswith("Pid:"):
                    return int(line.split()[1])
    finally:
        os.close(pidfd)
    raise OSError("no Pid in fdinfo")


def zygote(config):
    """Fork ready-made workers on request: each starts with numpy imported, for a fork's cost.

    Requests arrive on a SOCK_SEQPACKET socket with the worker's three pipe ends attached
    (request, response, output); the answer is the new worker's pid. Exits are reported as
    they are reaped. The zygote dies with the grader, and its workers die with it: in its own
    PID namespace where the kernel allows it, else (a child subreaper, which reaps a worker's
    INIT orphaned by the worker's death) each worker's namespace has an INIT of its own.
    Pids are given as the grader sees them.
    """
    import gc
    import select
    import socket

    control_fd = config["zygote_fd"]
    own_namespace = enter_zygote_namespace(control_fd)
    load_runtime(config)
    if sys.platform.startswith("linux"):
        libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        if config.get("rules"):
            prepare_landlock(config["rules"])
    control = socket.socket(fileno=control_fd)
    zygote_pid = os.getpid()
    host_pids = {}  # our child's pid -> the grader's name for it
    exited_read, exited_write = os.pipe()  # woken by SIGCHLD instead of polling
    os.set_blocking(exited_write, False)
    signal.set_wakeup_fd(exited_write)
    signal.signal(signal.SIGCHLD, lambda number, frame: None)
    gc.freeze()  # what is imported now is never collected: forked workers need not copy its pages

    def answer(message):
        control.send(json.dumps(message).encode())

    while True:
        readable, _, _ = select.select([control, exited_read], [], [])
        if exited_read in readable:
            os.read(exited_read, 4096)
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid in host_pids:
                answer({"exited": host_pids.pop(pid), "code": os.waitstatus_to_exitcode(status)})
        if control not in readable:
            continue
        data, fds, _, _ = socket.recv_fds(control, 65536, 3)
        if not data:
            os._exit(0)
        request = json.loads(data)
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            answer({"spawned": None})
            continue
        child = os.fork()
        if child == 0:
            control.close()
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(exited_read)
            os.close(exited_write)
            die_with_parent(lambda: os.getppid() == zygote_pid)
            os.setpgid(0, 0)
            os.dup2(fds[2], 1)
            os.dup2(fds[2], 2)
            os.close(fds[2])
            sandbox(request["layers"], fds[0], fds[1], under_zygote_namespace=own_namespace)
            os._exit(0)
        for fd in fds:
            os.close(fd)
        try:
            host_pids[child] = host_pid_of(child) if own_namespace else child
        except OSError:
            os.kill(child, signal.SIGKILL)  # a worker the grader could not name is no use
            answer({"spawned": None})
            continue
        answer({"spawned": host_pids[child]})


def main():
    config = json.loads(sys.argv[1])
    die_with_parent(lambda: os.getppid() == config["parent_pid"])
    if config.get("zygote_fd") is not None:
        zygote(config)  # it loads the runtime once in its own namespace
    else:
        load_runtime(config)
        sandbox(config["layers"], config["read_fd"], config["write_fd"])


main()
