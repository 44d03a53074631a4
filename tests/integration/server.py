"""Helpers for the integration tests: run a real `lakegate serve` and talk HTTP to it.

Standard library only. The binary comes from LAKEGATE_BIN; the example routes from
LAKEGATE_ROUTES (else ../../routes relative to this file). Servers bind 127.0.0.1 only and
are always stopped by PID: SIGTERM, a bounded wait, then SIGKILL.
"""
import glob
import gzip
import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import time

HOST = "127.0.0.1"
# LAKEGATE_WRAPPER: a command line the server runs under, e.g. "valgrind --error-exitcode=99"
# (scripts/valgrind). Everything is slower under it, so the deadlines stretch with it.
WRAPPER = shlex.split(os.environ.get("LAKEGATE_WRAPPER", ""))
SLOWDOWN = 10.0 if WRAPPER else 1.0
START_DEADLINE_S = 10.0 * SLOWDOWN   # until /healthz answers 200
STOP_DEADLINE_S = 15.0 * SLOWDOWN    # graceful stop; civetweb may wait for idle keep-alive sockets
POLL_INTERVAL_S = 0.02
IO_TIMEOUT_S = 10.0 * SLOWDOWN       # any single socket operation

HERE = os.path.dirname(os.path.abspath(__file__))


# ===================== environment =====================

def lakegate_bin():
    """Path of the lakegate binary under test (env LAKEGATE_BIN, required)."""
    path = os.environ.get("LAKEGATE_BIN")
    if not path:
        raise RuntimeError("LAKEGATE_BIN is not set; run the tests through ctest")
    if not os.access(path, os.X_OK):
        raise RuntimeError("LAKEGATE_BIN=%s is not an executable file" % path)
    return path


def example_routes():
    """The example routes directory (env LAKEGATE_ROUTES, else the source tree's routes/)."""
    return os.environ.get("LAKEGATE_ROUTES") or os.path.normpath(os.path.join(HERE, "..", "..", "routes"))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until(condition, deadline_s, what):
    """Polls condition() every POLL_INTERVAL_S until it returns a true value, which is
    returned. Raises AssertionError naming `what` when deadline_s passes first."""
    end = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError("timed out after %.1f s waiting for %s" % (deadline_s, what))
        time.sleep(POLL_INTERVAL_S)


def stop_process(proc, deadline_s):
    """SIGTERM, wait up to deadline_s, then SIGKILL and wait. Nothing if it has exited."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=deadline_s)


def run_cli(args, cwd, env=None, binary=None, timeout=30):
    """Runs `lakegate ARGS` to completion. Returns CompletedProcess (text stdout/stderr)."""
    return subprocess.run([binary or lakegate_bin()] + list(args), cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def clean_env(**extra):
    """os.environ without LAKEGATE_* settings (so only the test decides), plus `extra`.
    LAKEGATE_BIN/LAKEGATE_BUILD_DIR/LAKEGATE_ROUTES are read by the tests and by the server
    alike, so LAKEGATE_ROUTES must not leak into the server either."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAKEGATE_")}
    env.update(extra)
    return env


# ===================== the server process =====================

class Server:
    """One `lakegate serve` process.

    `args` are the options after `serve`; the test decides them all (including --listen,
    so the config-precedence test can leave it out). `port` is where the server is
    expected to listen. Output (stdout and stderr) goes to `<workdir>/lakegate.log`.
    """

    def __init__(self, args, port, workdir, env=None, binary=None):
        self.args = list(args)
        self.port = port
        self.workdir = workdir
        self.env = clean_env() if env is None else env
        self.binary = binary or lakegate_bin()
        self.log_path = os.path.join(workdir, "lakegate.log")
        self.proc = None
        self.returncode = None

    def start(self, deadline_s=START_DEADLINE_S):
        """Starts the process and waits until GET /healthz answers 200."""
        self.proc = self.spawn(WRAPPER + [self.binary, "serve"] + self.args)
        try:
            wait_until(self._ready, deadline_s, "%s to answer /healthz" % self.base_url)
        except BaseException:
            self.stop()
            raise
        return self

    def spawn(self, command):
        """Starts command with its output appended to the log file; returns the Popen."""
        with open(self.log_path, "ab") as log:
            return subprocess.Popen(command, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT)

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("lakegate exited with %d before it was ready; log:\n%s"
                                 % (self.proc.returncode, self.log()))
        try:
            status, _, _ = request(self.port, "GET", "/healthz", timeout=1.0)
        except OSError:
            return False
        return status == 200

    def stop(self, deadline_s=STOP_DEADLINE_S):
        """SIGTERM, wait up to deadline_s, then SIGKILL. Returns the exit code (negative:
        killed by that signal). Safe to call more than once."""
        if self.proc is None:
            return None
        stop_process(self.proc, deadline_s)
        self.returncode = self.proc.returncode
        return self.returncode

    def wait_exit(self, deadline_s=STOP_DEADLINE_S):
        """Waits for the process to exit on its own; returns its exit code. Fails (after a
        SIGKILL, so nothing is left running) if it is still alive after deadline_s."""
        try:
            self.proc.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            self.stop(deadline_s=0)
            raise AssertionError("lakegate did not exit within %.1f s" % deadline_s)
        self.returncode = self.proc.returncode
        return self.returncode

    @property
    def base_url(self):
        return "http://%s:%d" % (HOST, self.port)

    def log(self):
        """Everything the server printed so far."""
        try:
            with open(self.log_path, "r", encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def access_statuses(self):
        """The status of every request in the access log so far (JSON log lines), in order."""
        statuses = []
        for line in self.log().splitlines():
            if not line.startswith('{"time"'):
                continue
            try:
                entry = json.loads(line)
            except ValueError:   # a line cut short while the server writes it
                continue
            if entry.get("module") == "access":
                statuses.append(entry["status"])
        return statuses

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def serve_args(port, routes, lake, spool, *extra):
    """The usual `serve` options: listen on 127.0.0.1:port with these directories."""
    return ["--listen", "%s:%d" % (HOST, port), "--routes", routes, "--lake", lake,
            "--spool", spool, "--log-level", "info"] + list(extra)


def start_server(workdir, routes=None, extra=(), env=None, binary=None):
    """Starts a server on a free port with its lake and spool under workdir. The caller
    must stop() it (use addCleanup/addClassCleanup right away)."""
    port = free_port()
    args = serve_args(port, routes or example_routes(), os.path.join(workdir, "lake"),
                      os.path.join(workdir, "spool"), *extra)
    server = Server(args, port, workdir, env=env, binary=binary)
    return server.start()


# ===================== the lake =====================

def flush(spool, binary=None, timeout_s=60):
    """Runs `lakegate flush --spool SPOOL`, which returns once everything the server of
    that spool has acknowledged is in the lake. Fails the test if the command fails."""
    r = run_cli(["flush", "--spool", spool, "--flush-timeout-s", str(int(timeout_s))], cwd=os.path.dirname(spool),
                env=clean_env(), binary=binary, timeout=timeout_s + 30)
    if r.returncode != 0:
        raise AssertionError("lakegate flush --spool %s failed (%d): %s%s"
                             % (spool, r.returncode, r.stdout, r.stderr))
    return r


def lake_objects(lake_dir, table="unicorns"):
    """Paths of every object of a lake table, sorted (oldest first by name)."""
    return sorted(glob.glob(os.path.join(lake_dir, table, "dt=*", "hr=*", "**", "*.json.gz"),
                            recursive=True))


def lake_lines(lake_dir, table="unicorns"):
    """Every line of a lake table's objects as (partition dir relative to the table, raw
    bytes), object by object. Flush first to see what was acknowledged."""
    lines = []
    for path in lake_objects(lake_dir, table):
        partition = os.path.relpath(os.path.dirname(path), os.path.join(lake_dir, table))
        with gzip.open(path, "rb") as f:
            lines.extend((partition, line) for line in f.read().splitlines())
    return lines


# ===================== HTTP =====================

def _lower_headers(pairs):
    headers = {}
    for name, value in pairs:
        name = name.lower()
        headers[name] = headers[name] + ", " + value if name in headers else value
    return headers


def request(port, method, path, body=None, headers=None, timeout=IO_TIMEOUT_S, conn=None):
    """One request with http.client. Returns (status, headers with lowercase names, body
    bytes). A dict/list body is sent as JSON with Content-Type application/json. Pass an
    open http.client.HTTPConnection as `conn` to reuse it (keep-alive)."""
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, _lower_headers(resp.getheaders()), data
    finally:
        if own:
            conn.close()


def post_json(port, path, body, headers=None, conn=None):
    """POST with Content-Type application/json; `body` is raw text/bytes or a JSON value."""
    headers = dict(headers or {})
    headers.setdefault("Content-Type", "application/json")
    return request(port, "POST", path, body=body, headers=headers, conn=conn)


class RawConnection:
    """A bare TCP connection for requests http.client will not send (broken framing,
    oversized bodies, hand-made chunking), and for watching the server close it."""

    def __init__(self, port, timeout=IO_TIMEOUT_S):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        """Sends all of data. Returns False if the server closed or reset the connection
        first (it may answer before reading an oversized body)."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed by the server mid-response")
        self.buf += chunk

    def read_response(self, head_request=False):
        """Reads one Content-Length-framed response: (status, headers, body bytes)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = _lower_headers(line.split(":", 1) for line in lines[1:])
        headers = {k: v.strip() for k, v in headers.items()}
        length = 0 if head_request else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed_by_peer(self, deadline_s=5.0):
        """True if the server closes the connection (EOF or reset) within deadline_s
        without sending anything more."""
        self.sock.settimeout(deadline_s)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
                return False
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def raw_request(method, path, body=b"", headers=None):
    """The bytes of an HTTP/1.1 request with Content-Length (unless headers already frame
    the body with Transfer-Encoding)."""
    headers = dict(headers or {})
    headers.setdefault("Host", HOST)
    if "Transfer-Encoding" not in headers:
        headers.setdefault("Content-Length", str(len(body)))
    head = "%s %s HTTP/1.1\r\n" % (method, path)
    head += "".join("%s: %s\r\n" % kv for kv in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def chunked(body, chunk_size=4096):
    """body encoded with Transfer-Encoding: chunked, in chunks of chunk_size bytes."""
    out = []
    for i in range(0, len(body), chunk_size):
        part = body[i:i + chunk_size]
        out.append(b"%x\r\n%s\r\n" % (len(part), part))
    out.append(b"0\r\n\r\n")
    return b"".join(out)
