"""What route authors reach for beyond validation, as OpenResty users do: lakegate.shared
across every worker thread, lakegate.http for outbound calls, and on_start hooks."""
import json
import os
import shutil
import tempfile
import threading
import unittest

import server

ROUTES = """
local router = require("lakegate.router")
local shared = require("lakegate.shared")
local http = require("lakegate.http")

router.on_start(function()
  shared.set("started_by", "on_start")
end)

router.post("/hit", function()
  return {hits = shared.incr("hits", 1, 0)}
end)

router.get("/hits", function()
  return {hits = shared.get("hits") or 0, started_by = shared.get("started_by")}
end)

router.get("/proxy", function(req)
  local res, err = http.get("http://127.0.0.1:" .. req.query.port .. "/hits", {timeout = 5})
  if not res then return 502, {error = err} end
  return {status = res.status, type = res.headers["content-type"], upstream = res.body}
end)

router.get("/unreachable", function(req)
  local res, err = http.get("http://127.0.0.1:" .. req.query.port .. "/", {timeout = 2, connect_timeout = 1})
  return {ok = res ~= nil, error = err}
end)
"""


class ExtensionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lakegate-ext-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        routes = os.path.join(cls.tmp, "routes")
        os.makedirs(routes)
        with open(os.path.join(routes, "ext.lua"), "w") as f:
            f.write(ROUTES)
        cls.srv = server.start_server(cls.tmp, routes=routes, extra=("--threads", "16"))
        cls.addClassCleanup(cls.srv.stop)

    def get(self, path):
        status, headers, body = server.request(self.srv.port, "GET", path)
        self.assertEqual(200, status, body)
        return json.loads(body)

    def test_shared_counter_is_exact_across_worker_threads(self):
        before = self.get("/hits")["hits"]
        errors = []

        def client():
            import http.client
            conn = http.client.HTTPConnection(server.HOST, self.srv.port, timeout=10)
            try:
                for _ in range(25):
                    status, _, _ = server.request(self.srv.port, "POST", "/hit", body=b"", conn=conn)
                    if status != 200:
                        errors.append(status)
            finally:
                conn.close()

        threads = [threading.Thread(target=client) for _ in range(8)]   # 8 connections, 8 workers, 8 VMs
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual([], errors)
        self.assertEqual(before + 200, self.get("/hits")["hits"], "every increment counted once")

    def test_on_start_hook_ran_once_and_its_state_is_shared(self):
        self.assertEqual("on_start", self.get("/hits")["started_by"])

    def test_outbound_http_call(self):
        body = self.get("/proxy?port=%d" % self.srv.port)
        self.assertEqual(200, body["status"])
        self.assertEqual("application/json", body["type"])
        self.assertIn("hits", json.loads(body["upstream"]))

    def test_outbound_failure_is_a_value_not_an_error(self):
        body = self.get("/unreachable?port=%d" % server.free_port())
        self.assertFalse(body["ok"])
        self.assertRegex(body["error"], r"^http: GET http://127\.0\.0\.1:\d+/: ")


if __name__ == "__main__":
    unittest.main()
