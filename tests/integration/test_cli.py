"""The lakegate command line: check, version, health, flags and configuration precedence,
graceful stop on SIGTERM, and a route handler that raises."""
import json
import os
import signal
import socket
import tempfile
import unittest

import server

SYNTAX_ERROR_SCRIPT = """\
local router = require("lakegate.router")

local broken = = 1
"""   # line 3

UNKNOWN_OPTION_SCRIPT = """\
local router = require("lakegate.router")
local model = require("lakegate.model")

local Name = model.string{min_lenght = 1}
"""   # line 4: "min_lenght" is not an option

BOOM_SCRIPT = """\
local router = require("lakegate.router")

router.get("/boom", function()
  error("boom")
end)

router.get("/fine", function()
  return {fine = true}
end)
"""   # error() on line 4

# The handler of POST /slow announces it started (a marker file), then holds the request
# until the test creates the release file (or 10 s pass), so SIGTERM arrives mid-request.
SLOW_SCRIPT = """\
local router = require("lakegate.router")

local STARTED, RELEASE = %s, %s

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

router.post("/slow", function()
  local f = assert(io.open(STARTED, "w"))
  f:close()
  local deadline = os.time() + 10
  while not exists(RELEASE) and os.time() < deadline do end
  return {finished = exists(RELEASE)}
end)
"""


def write_routes(parent, files):
    """Creates parent/routes with the given {name: text} scripts; returns its path."""
    routes = os.path.join(parent, "routes")
    os.makedirs(routes, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(routes, name), "w", encoding="utf-8") as f:
            f.write(text)
    return routes


def port_is_closed(port):
    """True if nothing accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((server.HOST, port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def distinct_free_ports(n):
    ports = set()
    while len(ports) < n:
        ports.add(server.free_port())
    return sorted(ports)


class CliTestCase(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-cli-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def lakegate(self, *args, env=None):
        """Runs lakegate to completion in the temp dir, with no LAKEGATE_* from outside."""
        return server.run_cli(args, cwd=self.tmp, env=env or server.clean_env())

    def start(self, routes=None, extra=()):
        srv = server.start_server(self.tmp, routes=routes, extra=extra)
        self.addCleanup(srv.stop)
        return srv


# ===================== check / version / flags =====================

class CheckCommandTest(CliTestCase):
    def test_example_routes_pass(self):
        r = self.lakegate("check", "--routes", server.example_routes())
        self.assertEqual(0, r.returncode, "check on the example routes; stderr %r" % r.stderr)
        self.assertRegex(r.stdout, r": ok\s*$", "check says ok")

    def test_syntax_error_names_file_and_line(self):
        routes = write_routes(self.tmp, {"broken.lua": SYNTAX_ERROR_SCRIPT})
        r = self.lakegate("check", "--routes", routes)
        self.assertEqual(1, r.returncode, "check on a script with a syntax error")
        first = r.stderr.splitlines()[0] if r.stderr else ""
        self.assertIn("broken.lua:3:", first, "the first error line names file:line; stderr %r" % r.stderr)

    def test_runtime_error_names_file_and_line(self):
        routes = write_routes(self.tmp, {"fine.lua": 'local router = require("lakegate.router")\n',
                                         "typo.lua": UNKNOWN_OPTION_SCRIPT})
        r = self.lakegate("check", "--routes", routes)
        self.assertEqual(1, r.returncode, "check on a script that raises while loading")
        first = r.stderr.splitlines()[0] if r.stderr else ""
        self.assertIn("typo.lua:4:", first, "the first error line names file:line; stderr %r" % r.stderr)
        self.assertIn("min_lenght", first, "the message names the unknown option")

    def test_serve_refuses_to_start_with_a_broken_script(self):
        routes = write_routes(self.tmp, {"broken.lua": SYNTAX_ERROR_SCRIPT})
        port = server.free_port()
        r = self.lakegate(*server.serve_args(port, routes, os.path.join(self.tmp, "lake"),
                                             os.path.join(self.tmp, "spool")))
        self.assertEqual(1, r.returncode, "serve with a broken script exits 1 without serving")
        self.assertIn("broken.lua:3:", r.stderr, "serve names file:line too")


class VersionAndFlagsTest(CliTestCase):
    def test_version(self):
        r = self.lakegate("version")
        self.assertEqual(0, r.returncode, "version exit code")
        self.assertTrue(r.stdout.startswith("lakegate "), "version output %r" % r.stdout)

    def test_unknown_flag_exits_2(self):
        for command in ("serve", "check"):
            r = self.lakegate(command, "--no-such-flag", "1")
            self.assertEqual(2, r.returncode, "%s with an unknown flag" % command)
            self.assertIn("--no-such-flag", r.stderr, "the message names the flag")

    def test_unknown_config_key_exits_2(self):
        config = os.path.join(self.tmp, "bad.lua")
        with open(config, "w") as f:
            f.write('return {lisen = "127.0.0.1:1"}\n')
        r = self.lakegate("check", "--config", config, "--routes", server.example_routes())
        self.assertEqual(2, r.returncode, "a config file with an unknown key")
        self.assertIn("lisen", r.stderr, "the message names the key")

    def test_bad_integer_exits_2(self):
        r = self.lakegate("check", "--routes", server.example_routes(),
                          env=server.clean_env(LAKEGATE_MAX_BODY_SIZE="lots"))
        self.assertEqual(2, r.returncode, "LAKEGATE_MAX_BODY_SIZE=lots")
        self.assertIn("max_body_size", r.stderr, "the message names the setting")


# ===================== configuration precedence =====================

class ConfigPrecedenceTest(CliTestCase):
    """listen from a config file (port A) < env LAKEGATE_LISTEN (B) < --listen (C)."""

    def setUp(self):
        super().setUp()
        self.port_file, self.port_env, self.port_flag = distinct_free_ports(3)
        self.config = os.path.join(self.tmp, "lakegate-test.lua")
        with open(self.config, "w") as f:
            f.write('return {listen = "%s:%d"}\n' % (server.HOST, self.port_file))

    def serve_and_check(self, with_env, with_flag, expected_port):
        args = ["--config", self.config, "--routes", server.example_routes(),
                "--lake", os.path.join(self.tmp, "lake"), "--spool", os.path.join(self.tmp, "spool")]
        if with_flag:
            args += ["--listen", "%s:%d" % (server.HOST, self.port_flag)]
        env = server.clean_env()
        if with_env:
            env["LAKEGATE_LISTEN"] = "%s:%d" % (server.HOST, self.port_env)
        srv = server.Server(args, expected_port, self.tmp, env=env)
        self.addCleanup(srv.stop)
        srv.start()   # waits for /healthz on expected_port
        status, _, _ = server.request(expected_port, "GET", "/")
        self.assertEqual(200, status, "GET / on the expected port %d" % expected_port)
        others = {self.port_file, self.port_env, self.port_flag} - {expected_port}
        self.assertEqual(sorted(others), sorted(p for p in others if port_is_closed(p)),
                         "nothing listens on the ports that lost")
        self.assertEqual(0, srv.stop(), "clean stop; log:\n%s" % srv.log())

    def test_flag_beats_env_and_file(self):
        self.serve_and_check(with_env=True, with_flag=True, expected_port=self.port_flag)

    def test_env_beats_file(self):
        self.serve_and_check(with_env=True, with_flag=False, expected_port=self.port_env)

    def test_file_beats_default(self):
        self.serve_and_check(with_env=False, with_flag=False, expected_port=self.port_file)


# ===================== health =====================

class HealthCommandTest(CliTestCase):
    def test_health_of_a_running_server(self):
        srv = self.start()
        r = self.lakegate("health", "%s/healthz" % srv.base_url)
        self.assertEqual(0, r.returncode, "health URL of a running server; stderr %r" % r.stderr)
        r = self.lakegate("health", "--listen", "%s:%d" % (server.HOST, srv.port))
        self.assertEqual(0, r.returncode, "health with the default URL from --listen; %r" % r.stderr)
        r = self.lakegate("health", "%s/nope" % srv.base_url)
        self.assertEqual(1, r.returncode, "health of a URL that answers 404")

    def test_health_of_a_closed_port(self):
        port = server.free_port()
        self.assertTrue(port_is_closed(port), "precondition: port %d is closed" % port)
        r = self.lakegate("health", "http://%s:%d/healthz" % (server.HOST, port))
        self.assertEqual(1, r.returncode, "health against a closed port")
        self.assertIn(str(port), r.stderr, "the message names the URL")


# ===================== lifecycle and handler errors =====================

class GracefulStopTest(CliTestCase):
    # civetweb stops writing once mg_stop has begun, so the server must let in-flight
    # handlers answer before stopping it.
    def test_sigterm_finishes_the_in_flight_request_and_exits_0(self):
        started, release = os.path.join(self.tmp, "started"), os.path.join(self.tmp, "release")
        routes = write_routes(self.tmp, {"slow.lua": SLOW_SCRIPT % (json.dumps(started), json.dumps(release))})
        srv = self.start(routes=routes)
        conn = server.RawConnection(srv.port, timeout=20)
        self.addCleanup(conn.close)
        conn.send(server.raw_request("POST", "/slow", b"", {"Connection": "close"}))
        server.wait_until(lambda: os.path.exists(started), 10, "the slow handler to start")

        srv.proc.send_signal(signal.SIGTERM)
        server.wait_until(lambda: "received SIGTERM" in srv.log(), 10, "the server to take SIGTERM")
        self.assertIsNone(srv.proc.poll(), "the server waits for the in-flight request")
        open(release, "w").close()

        try:
            status, _, body = conn.read_response()
        except ConnectionError:
            self.fail("the in-flight request got no response after SIGTERM; log:\n%s" % srv.log())
        self.assertEqual(200, status, "the in-flight request completes after SIGTERM")
        self.assertEqual({"finished": True}, json.loads(body), "the handler ran to its end")
        self.assertEqual(0, srv.wait_exit(), "exit code after SIGTERM; log:\n%s" % srv.log())
        self.assertRegex(srv.log(), r'(?m)"msg":"stopped"}$', "a final 'stopped' log line")

    def test_sigterm_when_idle_exits_0(self):
        srv = self.start()
        self.assertEqual(0, srv.stop(), "exit code after SIGTERM; log:\n%s" % srv.log())
        self.assertRegex(srv.log(), r'(?m)"msg":"stopped"}$', "a final 'stopped' log line")


class HandlerErrorTest(CliTestCase):
    def test_a_raising_handler_gives_500_and_a_located_log_line(self):
        routes = write_routes(self.tmp, {"boom.lua": BOOM_SCRIPT})
        srv = self.start(routes=routes)
        status, headers, body = server.request(srv.port, "GET", "/boom")
        self.assertEqual(500, status, "GET /boom")
        self.assertEqual({"detail": "Internal Server Error"}, json.loads(body), "500 body")
        request_id = headers.get("x-request-id")
        self.assertTrue(request_id, "the 500 carries X-Request-Id")

        log_line = server.wait_until(
            lambda: next((l for l in srv.log().splitlines() if request_id in l), None),
            5, "the error log line of request %s" % request_id)
        self.assertRegex(log_line, r"boom\.lua:4:.*boom", "the log names file:line and the message")

        status, _, body = server.request(srv.port, "GET", "/fine")
        self.assertEqual(200, status, "the next request is served")
        self.assertEqual({"fine": True}, json.loads(body), "GET /fine body")
        status, _, _ = server.request(srv.port, "GET", "/boom")
        self.assertEqual(500, status, "the failing route fails the same way again")


if __name__ == "__main__":
    unittest.main()
