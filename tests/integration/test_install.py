"""The installed tree: `cmake --install` into a temp prefix, then the installed binary runs
from an unrelated working directory with no LAKEGATE_* variables, and the installed
lakegate/core.so loads into stock lua5.4."""
import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import server


def build_dir():
    path = os.environ.get("LAKEGATE_BUILD_DIR")
    if not path or not os.path.isfile(os.path.join(path, "CMakeCache.txt")):
        raise RuntimeError("LAKEGATE_BUILD_DIR must name a configured build dir (got %r)" % path)
    return path


def cache_value(name):
    """A variable from the build's CMakeCache.txt (e.g. LG_INSTALL_CMOD)."""
    with open(os.path.join(build_dir(), "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^%s:[A-Z]+=(.*)$" % re.escape(name), line.rstrip("\n"))
            if m:
                return m.group(1)
    raise RuntimeError("%s is not in %s/CMakeCache.txt" % (name, build_dir()))


def install(prefix):
    """cmake --install <build dir> --prefix <prefix>; returns the completed process."""
    cmake = shutil.which("cmake")
    if cmake is None:
        raise RuntimeError("cmake is not on PATH")
    return subprocess.run([cmake, "--install", build_dir(), "--prefix", prefix],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)


def lua_env():
    """The environment without LAKEGATE_* or LUA_* search paths: only what the test sets."""
    env = server.clean_env()
    for name in ("LUA_PATH", "LUA_CPATH", "LUA_PATH_5_4", "LUA_CPATH_5_4", "LUA_INIT", "LUA_INIT_5_4"):
        env.pop(name, None)
    # A sanitizer build's core.so needs the ASan runtime loaded first into stock lua5.4.
    preload = os.environ.get("LAKEGATE_LUA_PRELOAD")
    if preload:
        env["LD_PRELOAD"] = preload
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env


class InstalledTreeTest(unittest.TestCase):
    """One install per class; every test runs from its own fresh working directory."""

    @classmethod
    def setUpClass(cls):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-install-")
        cls.addClassCleanup(tmp.cleanup)
        cls.prefix = os.path.join(tmp.name, "prefix")
        result = install(cls.prefix)
        if result.returncode != 0:
            raise AssertionError("cmake --install failed (%d):\n%s" % (result.returncode, result.stdout))
        cls.bin = os.path.join(cls.prefix, "bin", "lakegate")
        cls.routes = os.path.join(cls.prefix, "share", "lakegate", "routes")
        cls.cmod_dir = os.path.join(cls.prefix, cache_value("LG_INSTALL_CMOD"))

    def setUp(self):
        cwd = tempfile.TemporaryDirectory(prefix="lakegate-cwd-")
        self.addCleanup(cwd.cleanup)
        self.cwd = cwd.name

    def test_layout(self):
        self.assertTrue(os.access(self.bin, os.X_OK), "bin/lakegate is installed and executable")
        self.assertTrue(os.path.isfile(os.path.join(self.routes, "unicorn.lua")),
                        "share/lakegate/routes/unicorn.lua is installed")
        self.assertEqual([], glob.glob(os.path.join(self.routes, "*_spec.lua")),
                         "specs are not installed with the routes")
        self.assertTrue(os.path.isfile(os.path.join(self.prefix, "share", "lakegate", "lua", "lakegate", "app.lua")),
                        "the runtime library is under share/lakegate/lua")
        self.assertTrue(os.path.isfile(os.path.join(self.cmod_dir, "lakegate", "core.so")),
                        "core.so is under <prefix>/%s/lakegate" % cache_value("LG_INSTALL_CMOD"))

    def test_installed_server_speaks_https(self):
        from test_tls import make_certificate
        import http.client
        import ssl
        cert, key = make_certificate(self.cwd)
        tls_port = server.free_port()
        srv = server.start_server(self.cwd, routes=self.routes, binary=self.bin, extra=(
            "--tls-listen", "%s:%d" % (server.HOST, tls_port), "--tls-cert", cert, "--tls-key", key))
        self.addCleanup(srv.stop)
        conn = http.client.HTTPSConnection(server.HOST, tls_port, timeout=10,
                                           context=ssl.create_default_context(cafile=cert))
        self.addCleanup(conn.close)
        conn.request("GET", "/")
        self.assertEqual(200, conn.getresponse().status, "the installed binary finds its TLS shims")

    def test_installed_check_passes_from_any_directory(self):
        r = server.run_cli(["check", "--routes", self.routes], cwd=self.cwd, env=server.clean_env(),
                           binary=self.bin)
        self.assertEqual(0, r.returncode, "installed check on installed routes; stderr %r" % r.stderr)
        self.assertIn(": ok", r.stdout, "check says ok")

    def test_installed_serve_accepts_a_unicorn(self):
        srv = server.start_server(self.cwd, routes=self.routes, binary=self.bin)
        self.addCleanup(srv.stop)
        status, headers, body = server.post_json(srv.port, "/unicorn", {"name": "installed", "rainbow": True})
        self.assertEqual(201, status, "POST /unicorn on the installed server; body %r" % body)
        self.assertEqual({"name": "installed", "rainbow": True, "horn_length_cm": None,
                          "color": "white", "tags": []}, json.loads(body), "201 body")
        server.flush(os.path.join(self.cwd, "spool"), binary=self.bin)
        files = glob.glob(os.path.join(self.cwd, "lake", "unicorns", "dt=*", "hr=*", "*.json.gz"))
        self.assertEqual(1, len(files), "one lake object under the --lake dir: %r" % files)
        with gzip.open(files[0], "rb") as f:
            records = [json.loads(line) for line in f.read().splitlines()]
        self.assertEqual(["installed"], [r.get("name") for r in records], "the lake holds the record")
        self.assertEqual(0, srv.stop(), "clean stop; log:\n%s" % srv.log())

    def test_installed_core_module_loads_in_stock_lua(self):
        lua = shutil.which("lua5.4")
        self.assertIsNotNone(lua, "lua5.4 is on PATH")
        script = ('package.cpath = %s .. "/?.so;" .. package.cpath; '
                  'local c = require("lakegate.core"); '
                  'print(package.searchpath("lakegate.core", package.cpath)); '
                  'print(c.json_encode({1, 2}))') % json.dumps(self.cmod_dir)
        r = subprocess.run([lua, "-e", script], cwd=self.cwd, env=lua_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(0, r.returncode, "lua5.4 loads the installed core.so; stderr %r" % r.stderr)
        self.assertEqual([os.path.join(self.cmod_dir, "lakegate", "core.so"), "[1,2]"],
                         r.stdout.splitlines(), "the installed module is the one loaded, and it works")


class RelocatedRuntimeTest(unittest.TestCase):
    """The installed binary finds its runtime relative to itself, not from a fixed path:
    without share/lakegate/lua it must fail, and say why."""

    def test_binary_without_its_runtime_fails_clearly(self):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-install-")
        self.addCleanup(tmp.cleanup)
        prefix = os.path.join(tmp.name, "prefix")
        result = install(prefix)
        self.assertEqual(0, result.returncode, "cmake --install:\n%s" % result.stdout)
        os.rename(os.path.join(prefix, "share", "lakegate", "lua"),
                  os.path.join(prefix, "share", "lakegate", "lua.moved"))
        r = server.run_cli(["check", "--routes", os.path.join(prefix, "share", "lakegate", "routes")],
                           cwd=tmp.name, env=server.clean_env(), binary=os.path.join(prefix, "bin", "lakegate"))
        self.assertNotEqual(0, r.returncode, "check without the runtime library must fail")
        self.assertIn("runtime library", r.stderr, "the message says what is missing")


if __name__ == "__main__":
    unittest.main()
