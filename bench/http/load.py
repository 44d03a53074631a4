"""One measured run of bench/http: wrk drives a server with one kind of request for a
bounded time while a probe client sends one request on a fresh connection halfway
through (wrk never counts a connection that gets no answer, so the probe is what notices a
server that stops accepting). The server's CPU time is read from /proc before and after."""
import json
import os
import subprocess
import threading
import time

import procs

WRK_LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk.lua")
PROBE_TIMEOUT_S = 5.0
WRK_TIMEOUT = "5s"   # wrk's own per-request timeout (counted in errors.timeout)


class Workload:
    """One request repeated: its method, path, body and the status a correct server gives."""

    def __init__(self, key, title, method, path, body, status):
        self.key = key
        self.title = title
        self.method = method
        self.path = path
        self.body = body
        self.status = status


class Probe(threading.Thread):
    """Sends the workload's request once, at `at` (time.monotonic()), on a new connection.
    Afterwards: latency_ms (None when it failed), status, error ("timeout" or a message)."""

    def __init__(self, port, workload, at):
        super().__init__(daemon=True)
        self.port = port
        self.workload = workload
        self.at = at
        self.latency_ms = None
        self.status = None
        self.error = None

    def run(self):
        time.sleep(max(0.0, self.at - time.monotonic()))
        t0 = time.monotonic()
        try:
            self.status, _ = procs.http_request(self.port, self.workload.method, self.workload.path,
                                                self.workload.body, timeout=PROBE_TIMEOUT_S)
            self.latency_ms = (time.monotonic() - t0) * 1000.0
        except TimeoutError:
            self.error = "timeout"
        except OSError as e:
            self.error = "%s: %s" % (type(e).__name__, e)

    def describe(self, expected_status):
        if self.status is None and self.error is None:
            return "NO ANSWER"   # still waiting after its timeout: should not happen
        if self.error == "timeout":
            return "TIMEOUT >%.0fs" % PROBE_TIMEOUT_S
        if self.error:
            return "FAILED (%s)" % self.error
        if self.status != expected_status:
            return "%d (want %d)" % (self.status, expected_status)
        return "%.1f ms" % self.latency_ms

    def ok(self, expected_status):
        return self.error is None and self.status == expected_status


def run_wrk(server, workload, expected_status, duration_s, connections, threads, result_path,
            probe=True):
    """Drives `server` for duration_s; the probe wants `expected_status`. Returns a dict:
    rps, p50_ms, p99_ms, requests, non_2xx, socket_errors, cpu_us_per_req, probe (text),
    probe_ok."""
    env = dict(os.environ, BENCH_METHOD=workload.method, BENCH_BODY=workload.body or "",
               BENCH_RESULT=result_path)
    url = "http://%s:%d%s" % (procs.HOST, server.port, workload.path)
    argv = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration_s,
            "--timeout", WRK_TIMEOUT, "-s", WRK_LUA, url]
    if os.path.exists(result_path):
        os.unlink(result_path)
    server.refresh_tree()
    cpu0 = server.cpu_seconds()
    start = time.monotonic()
    prober = Probe(server.port, workload, start + duration_s / 2.0) if probe else None
    if prober:
        prober.start()
    done = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=duration_s + 60)
    cpu1 = server.cpu_seconds()
    if prober:
        prober.join(PROBE_TIMEOUT_S + 1.0)
    if done.returncode != 0 or not os.path.exists(result_path):
        raise procs.BenchError("wrk against %s failed (%d):\n%s" % (server.name, done.returncode, done.stdout))
    if not server.alive():
        raise procs.BenchError("%s died during the run; its log:\n%s" % (server.name, server.log_tail()))
    with open(result_path) as f:
        r = json.load(f)
    seconds = r["duration_us"] / 1e6
    requests = r["requests"]
    errors = r["errors"]
    return {
        "rps": requests / seconds if seconds > 0 else 0.0,
        "p50_ms": r["latency_us"]["p50"] / 1000.0,
        "p99_ms": r["latency_us"]["p99"] / 1000.0,
        "requests": requests,
        "non_2xx": errors["status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "cpu_us_per_req": (cpu1 - cpu0) * 1e6 / requests if requests else None,
        "probe": prober.describe(expected_status) if prober else None,
        "probe_ok": prober.ok(expected_status) if prober else None,
    }
