"""What bench/http needs before it measures: the packages (scripts/install-deps --bench),
lakegate built by scripts/build, and the C peers built from bench/peers/civetweb."""
import os
import shutil
import subprocess

import contenders
import procs

ROOT = contenders.ROOT


def run_step(argv, what):
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise procs.BenchError("%s failed (%d):\n%s" % (what, done.returncode, done.stdout[-4000:]))
    return done.stdout


def install_deps():
    run_step([os.path.join(ROOT, "scripts", "install-deps"), "--bench"], "scripts/install-deps --bench")


def build_lakegate(build_dir, *cmake_args):
    """scripts/build BUILD_DIR [cmake args]; refuses a sanitizer build. Returns the binary."""
    build_dir = os.path.join(ROOT, build_dir)
    run_step([os.path.join(ROOT, "scripts", "build"), build_dir] + list(cmake_args), "scripts/build")
    with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
        cache = f.read()
    if "ASAN:BOOL=ON" in cache or "UBSAN:BOOL=ON" in cache:
        raise procs.BenchError("%s is a sanitizer build; give a release build dir (--build-dir)" % build_dir)
    return os.path.join(build_dir, "lakegate")


def build_peers(build_dir):
    """Configures and builds bench/peers/civetweb in BUILD_DIR/bench-peers; returns the binary."""
    peers_dir = os.path.join(ROOT, build_dir, "bench-peers")
    run_step(["cmake", "-S", os.path.join(contenders.PEERS, "civetweb"), "-B", peers_dir], "cmake (peers)")
    run_step(["cmake", "--build", peers_dir, "-j", "2"], "building the peers")
    return os.path.join(peers_dir, "civetweb-peer")


def require(tool):
    if shutil.which(tool) is None:
        raise procs.BenchError("%s is not installed (scripts/install-deps --bench)" % tool)


def require_peer_tools():
    """wrk, and Debian's FastAPI stack for the FastAPI peer."""
    require("wrk")
    check = subprocess.run([contenders.SYSTEM_PYTHON, "-c", "import fastapi, uvicorn, pydantic"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check.returncode != 0:
        raise procs.BenchError("FastAPI peer: %s cannot import fastapi/uvicorn/pydantic "
                               "(scripts/install-deps --bench):\n%s" % (contenders.SYSTEM_PYTHON, check.stdout))
