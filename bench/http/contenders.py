"""What bench/http measures: the workloads, and the servers (lakegate in its variants and
the peers), each with the command that starts it on a given port."""
import os
import re
import shutil
import subprocess

import procs
from load import Workload

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PEERS = os.path.join(ROOT, "bench", "peers")
SYSTEM_PYTHON = "/usr/bin/python3"   # Debian's python3-fastapi/-uvicorn/-pydantic live here

VALID = '{"name":"honey","rainbow":true,"horn_length_cm":31.5,"color":"pink","tags":["sparkly","bench"]}'
INVALID = '{"name":"","rainbow":"maybe","horn_length_cm":-3}'

WORKLOADS = [
    Workload("valid", "POST /unicorn, valid (201)", "POST", "/unicorn", VALID, 201),
    Workload("invalid", "POST /unicorn, invalid (422)", "POST", "/unicorn", INVALID, 422),
    Workload("root", "GET / (200)", "GET", "/", None, 200),
]
ALL = [w.key for w in WORKLOADS]


class Contender:
    """A server under test. `argv(port)` is its command line; `workloads` the keys it runs;
    `fixed_status` is set for a server that answers every request alike (the ceiling)."""

    def __init__(self, key, label, short, argv, workloads=ALL, cwd=None, env=None,
                 fixed_status=None, is_lakegate=False):
        self.key = key
        self.label = label
        self.short = short   # column heading in the ratio table
        self.argv = argv
        self.workloads = workloads
        self.cwd = cwd
        self.env = env
        self.fixed_status = fixed_status
        self.is_lakegate = is_lakegate

    def expected_status(self, workload):
        return self.fixed_status or workload.status


# ===================== lakegate =====================

def lakegate_env():
    """The environment without LAKEGATE_* settings: the command line decides them all."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LAKEGATE_")}


def lakegate(key, label, binary, routes, workdir, threads, workloads=ALL):
    data = os.path.join(workdir, key)

    def argv(port):
        return [binary, "serve", "--listen", "%s:%d" % (procs.HOST, port), "--routes", routes,
                "--lake", os.path.join(data, "lake"), "--spool", os.path.join(data, "spool"),
                "--threads", str(threads), "--log-level", "warn", "--access-log=false"]
    return Contender(key, label, key, argv, workloads, env=lakegate_env(), is_lakegate=True)


def copy_routes(workdir, name):
    """A copy of the example routes (no specs) in workdir/name; returns its path."""
    dest = os.path.join(workdir, name)
    shutil.copytree(os.path.join(ROOT, "routes"), dest,
                    ignore=shutil.ignore_patterns("*_spec.lua"))
    return dest


def routes_without_store(workdir):
    """The example routes with POST /unicorn's `store` option removed: validation and the
    answer without the lake."""
    dest = copy_routes(workdir, "routes-no-store")
    path = os.path.join(dest, "unicorn.lua")
    with open(path) as f:
        text = f.read()
    stripped, n = re.subn(r'\bstore\s*=\s*"unicorns"\s*,', "", text)
    if n < 1:
        raise procs.BenchError("cannot remove `store = \"unicorns\",` from routes/unicorn.lua "
                               "(found it %d times); update bench/http/contenders.py" % n)
    with open(path, "w") as f:
        f.write(stripped)
    return dest


def _memory_routes(workdir, name, durability):
    dest = copy_routes(workdir, name)
    path = os.path.join(dest, "unicorn.lua")
    with open(path) as f:
        text = f.read()
    declared, n = re.subn(r'lake\.table\{name = "unicorns"', 'lake.table{name = "unicorns", durability = "%s"' % durability, text)
    with open(path, "w") as f:
        if n == 0:   # the example declares no table: declare one
            f.write('require("lakegate.lake").table{name = "unicorns", durability = "%s"}\n' % durability)
        f.write(declared)
    return dest


def routes_with_memory_table(binary, workdir):
    """(routes dir, None) when this lakegate accepts a `durability = "memory"` table -- and
    refuses a made-up durability, so the option is really read -- else (None, reason)."""
    def check(routes):
        done = subprocess.run([binary, "check", "--routes", routes], env=lakegate_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=60)
        return done.returncode, done.stdout.strip()

    routes = _memory_routes(workdir, "routes-memory", "memory")
    rc, out = check(routes)
    if rc != 0:
        first = out.splitlines()[0] if out else "exit %d" % rc
        return None, "lake.table{durability = \"memory\"} is refused: %s" % first
    rc, _ = check(_memory_routes(workdir, "routes-bogus-durability", "no-such-mode"))
    if rc == 0:
        return None, "lake.table ignores `durability` (a made-up mode passes `lakegate check`)"
    return routes, None


# ===================== peers =====================

def civetweb_fixed(binary, threads):
    return Contender("civetweb-fixed", "civetweb fixed 201 (ceiling)", "ceiling",
                     lambda port: [binary, "--listen", "%s:%d" % (procs.HOST, port),
                                   "--threads", str(threads)],
                     fixed_status=201)


def civetweb_lua(binary, threads):
    script = os.path.join(PEERS, "civetweb", "unicorn.lua")
    return Contender("civetweb-lua", "civetweb + Lua/cjson peer", "Lua peer",
                     lambda port: [binary, "--listen", "%s:%d" % (procs.HOST, port),
                                   "--threads", str(threads), "--lua", script])


def fastapi(workers, fast_stack):
    """`uvicorn app.main:app` as the tutorial runs it, with uvloop and httptools when
    Debian has them, and without the access log, as lakegate runs here."""
    def argv(port):
        cmd = [SYSTEM_PYTHON, "-m", "uvicorn", "app.main:app", "--host", procs.HOST,
               "--port", str(port), "--workers", str(workers), "--no-access-log",
               "--log-level", "warning"]
        if fast_stack:
            cmd += ["--loop", "uvloop", "--http", "httptools"]
        return cmd
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return Contender("fastapi-%dw" % workers,
                     "FastAPI, uvicorn %d worker%s" % (workers, "s" if workers > 1 else ""),
                     "FastAPI %dw" % workers,
                     argv, cwd=os.path.join(PEERS, "fastapi"), env=env)


def fastapi_fast_stack():
    """True when Debian's python3-uvloop and python3-httptools import."""
    done = subprocess.run([SYSTEM_PYTHON, "-c", "import uvloop, httptools"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return done.returncode == 0
