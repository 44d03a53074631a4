"""Hot reload: SIGHUP and --watch build a new generation of the routes; a broken script is
refused with file:line and the old rules keep serving; no request fails meanwhile."""
import http.client
import os
import shutil
import signal
import tempfile
import threading
import time
import unittest

import server

ROUTE = """
local router = require("lakegate.router")
router.get("/version", function() return {version = %d} end)
"""

BROKEN = """
local router = require("lakegate.router")
router.get("/version", function() return {version = 0
end)
"""

HELPER_MODULE = """
return {greeting = "%s"}
"""

USES_HELPER = """
local router = require("lakegate.router")
local helper = require("lib.helper")
router.get("/greeting", function() return {greeting = helper.greeting} end)
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)   # what editors and deploy tools do: the server never sees half a file


class Load:
    """Client threads that send GET /version on keep-alive connections until stopped,
    recording every status and the versions they saw."""

    def __init__(self, port, threads=4):
        self.port = port
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.failures = []
        self.count = 0
        self.latest = None
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        conn = http.client.HTTPConnection(server.HOST, self.port, timeout=server.IO_TIMEOUT_S)
        while not self.stop_flag.is_set():
            try:
                status, _, body = server.request(self.port, "GET", "/version", conn=conn)
            except (OSError, http.client.HTTPException) as e:
                with self.lock:
                    self.failures.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(server.HOST, self.port, timeout=server.IO_TIMEOUT_S)
                continue
            with self.lock:
                self.count += 1
                if status != 200:
                    self.failures.append("status %d: %r" % (status, body))
                else:
                    self.latest = body
        conn.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=server.IO_TIMEOUT_S)
        return False


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lakegate-reload-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.routes = os.path.join(self.tmp, "routes")
        write(os.path.join(self.routes, "version.lua"), ROUTE % 1)

    def start(self, *extra):
        srv = server.start_server(self.tmp, routes=self.routes, extra=extra)
        self.addCleanup(srv.stop)
        return srv

    def version(self, srv):
        status, _, body = server.request(srv.port, "GET", "/version")
        self.assertEqual(200, status, "GET /version")
        return server.json.loads(body)["version"]

    def wait_version(self, srv, want, deadline_s=1.0):
        start = time.monotonic()
        server.wait_until(lambda: self.version(srv) == want, deadline_s,
                          "version %d to be served; log:\n%s" % (want, srv.log()[-2000:]))
        return time.monotonic() - start

    def test_reload_storm_under_load_loses_no_request(self):
        srv = self.start()
        worst = 0.0
        with Load(srv.port) as load:
            server.wait_until(lambda: load.count > 20, 10, "the load to start")
            version = 1
            for step in range(25):
                if step % 5 == 4:   # every fifth change is broken
                    write(os.path.join(self.routes, "version.lua"), BROKEN)
                    failures_before = srv.log().count("reload failed")
                    srv.proc.send_signal(signal.SIGHUP)
                    server.wait_until(lambda: srv.log().count("reload failed") > failures_before, 5,
                                      "the broken reload to be refused")
                    self.assertEqual(version, self.version(srv), "the old rules keep serving")
                else:
                    version += 1
                    write(os.path.join(self.routes, "version.lua"), ROUTE % version)
                    srv.proc.send_signal(signal.SIGHUP)
                    worst = max(worst, self.wait_version(srv, version, deadline_s=1.0))
            sent = load.count
        self.assertEqual([], load.failures, "no request fails during 25 reloads")
        self.assertGreater(sent, 100, "the load kept running")
        self.assertEqual(21, version, "20 good reloads")
        self.assertRegex(srv.log(), r"version\.lua:4: .*expected", "a broken script is named with file:line")
        print("\n  %d requests during 25 reloads; slowest switch %.0f ms" % (sent, worst * 1000))

    def test_watch_reloads_on_file_change(self):
        srv = self.start("--watch")
        self.assertEqual(1, self.version(srv))
        write(os.path.join(self.routes, "version.lua"), ROUTE % 7)
        self.wait_version(srv, 7, deadline_s=2.0)
        self.assertIn("routes changed: routes reloaded", srv.log())

    def test_route_modules_come_from_the_same_generation(self):
        write(os.path.join(self.routes, "lib", "helper.lua"), HELPER_MODULE % "hello")
        write(os.path.join(self.routes, "greeting.lua"), USES_HELPER)
        srv = self.start()
        status, _, body = server.request(srv.port, "GET", "/greeting")
        self.assertEqual((200, {"greeting": "hello"}), (status, server.json.loads(body)))
        write(os.path.join(self.routes, "lib", "helper.lua"), HELPER_MODULE % "bonjour")
        srv.proc.send_signal(signal.SIGHUP)
        server.wait_until(lambda: server.json.loads(server.request(srv.port, "GET", "/greeting")[2])
                          == {"greeting": "bonjour"}, 2, "the helper module to reload")

    def test_on_start_hook_failure_refuses_the_generation(self):
        srv = self.start()
        write(os.path.join(self.routes, "version.lua"), ROUTE % 2 + """
router.on_start(function() error("cannot warm up") end)
""")
        srv.proc.send_signal(signal.SIGHUP)
        server.wait_until(lambda: "reload failed" in srv.log(), 5, "the reload to fail")
        self.assertRegex(srv.log(), r"on_start hook declared at .*version\.lua:\d+ failed: .*cannot warm up")
        self.assertEqual(1, self.version(srv), "generation 1 keeps serving")


if __name__ == "__main__":
    unittest.main()
