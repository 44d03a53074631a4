"""Server processes for bench/http: start one, wait until it answers, read its CPU time and
peak memory from /proc (the whole process tree: uvicorn's workers are children), stop it
and every process it started, by PID. Standard library only."""
import http.client
import os
import signal
import socket
import subprocess
import time

HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
START_DEADLINE_S = 30.0   # uvicorn with two workers takes a few seconds
STOP_DEADLINE_S = 10.0
POLL_S = 0.05


class BenchError(Exception):
    """A failure that ends the benchmark with a clear message (no traceback)."""


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_request(port, method, path, body=None, timeout=5.0):
    """One request on a new connection: (status, body bytes). Raises OSError on failure."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


# ===================== /proc =====================

def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (which may hold spaces)."""
    with open("/proc/%d/stat" % pid, "rb") as f:
        data = f.read()
    return data[data.rindex(b")") + 2:].split()


def _children_map():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid = int(_stat_fields(int(entry))[1])
        except (OSError, ValueError):
            continue   # exited meanwhile
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid):
    """pid and all its living descendants."""
    children = _children_map()
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, ()))
    return tree


def cpu_seconds(pids):
    """User + system CPU time of these processes (all their threads), in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])   # utime, stime (stat fields 14, 15)
    return ticks / CLK_TCK


def peak_rss_kib(pids):
    """Sum of the processes' peak resident set sizes (VmHWM), in KiB."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


# ===================== one server =====================

class Server:
    """One server process, its output in log_path. `ready` is the request that must be
    answered (with any HTTP status) before the server counts as started."""

    def __init__(self, name, argv, port, log_path, cwd=None, env=None):
        self.name = name
        self.argv = list(argv)
        self.port = port
        self.log_path = log_path
        self.cwd = cwd
        self.env = env
        self.proc = None
        self.tree = []   # the pids measured and stopped: the server and its descendants

    def start(self, deadline_s=START_DEADLINE_S):
        with open(self.log_path, "ab") as log:
            try:
                self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env,
                                             stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT)
            except OSError as e:
                raise BenchError("%s: cannot run %s: %s" % (self.name, self.argv[0], e))
        end = time.monotonic() + deadline_s
        while not self._answers():
            if self.proc.poll() is not None:
                raise BenchError("%s exited with %d before it answered; its log:\n%s"
                                 % (self.name, self.proc.returncode, self.log_tail()))
            if time.monotonic() >= end:
                self.stop()
                raise BenchError("%s did not answer on port %d within %.0f s; its log:\n%s"
                                 % (self.name, self.port, deadline_s, self.log_tail()))
            time.sleep(POLL_S)
        self.tree = process_tree(self.proc.pid)
        return self

    def _answers(self):
        try:
            http_request(self.port, "GET", "/", timeout=1.0)
            return True
        except OSError:
            return False

    def refresh_tree(self):
        """Re-reads the process tree (uvicorn may replace a worker)."""
        if self.proc and self.proc.poll() is None:
            self.tree = process_tree(self.proc.pid)

    def cpu_seconds(self):
        return cpu_seconds(self.tree)

    def peak_rss_kib(self):
        return peak_rss_kib(self.tree)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, deadline_s=STOP_DEADLINE_S):
        """SIGTERM to the server, a bounded wait, then SIGKILL to whatever of its process
        tree is left. Safe to call more than once."""
        if self.proc is None:
            return
        self.refresh_tree()
        tree = self.tree or [self.proc.pid]
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=deadline_s)
            except subprocess.TimeoutExpired:
                pass
        for pid in tree:
            if pid == self.proc.pid and self.proc.poll() is not None:
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.wait(timeout=deadline_s)

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"
