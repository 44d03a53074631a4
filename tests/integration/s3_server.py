"""Helpers for tests that need S3: moto's server (started by moto_launcher.py, stopped by
PID) and boto3 as an independent client (boto_check.py); `launch` starts any of this
folder's server scripts the same way. Standard library only: moto
and boto3 run in child processes, in the Python named by LAKEGATE_MOTO_PYTHON (default:
the Python running the tests).
"""
import json
import os
import select
import subprocess
import sys
import time

import server

HERE = os.path.dirname(os.path.abspath(__file__))
START_DEADLINE_S = 60.0    # moto imports slowly (more so beside a sanitizer build)
STOP_DEADLINE_S = 10.0
INSTALL_HINT = "install moto's server mode with: pip install 'moto[server]'"


def moto_python():
    return os.environ.get("LAKEGATE_MOTO_PYTHON") or sys.executable


def ready_line(proc, what):
    """The launcher's ready line (one JSON object), within START_DEADLINE_S."""
    end = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < end:
        readable, _, _ = select.select([proc.stdout], [], [], 0.2)
        if readable:
            line = proc.stdout.readline()
            if line:
                return json.loads(line)
        if proc.poll() is not None:
            raise AssertionError("%s exited (%d): %s\n%s" % (
                what, proc.returncode, proc.stderr.read()[-3000:], INSTALL_HINT))
    raise AssertionError("%s did not start within %.0f s" % (what, START_DEADLINE_S))


def launch(script, args, what):
    """Starts a server script of this folder with moto's Python, told to exit with this
    process. Returns (process, its ready line); stops it if it never gets ready."""
    proc = subprocess.Popen([moto_python(), os.path.join(HERE, script), "--parent-pid", str(os.getpid())]
                            + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        return proc, ready_line(proc, what)
    except BaseException:
        stop(proc)
        raise


def stop(proc):
    """SIGTERM, a bounded wait, then SIGKILL. Safe to call more than once, and with None."""
    if proc is None:
        return
    server.stop_process(proc, STOP_DEADLINE_S)
    for stream in (proc.stdout, proc.stderr):
        stream.close()


class MotoServer:
    """moto's S3 server on 127.0.0.1 with signature checking on (see moto_launcher.py).
    After start(): endpoint, region, access_key_id, secret_access_key."""

    def __init__(self, buckets=()):
        self.buckets = list(buckets)
        self.proc = None

    def start(self):
        args = []
        for b in self.buckets:
            args += ["--bucket", b]
        self.proc, ready = launch("moto_launcher.py", args, "moto")
        self.endpoint = ready["endpoint"]
        self.region = ready["region"]
        self.access_key_id = ready["access_key_id"]
        self.secret_access_key = ready["secret_access_key"]
        return self

    def stop(self):
        """SIGTERM, a bounded wait, then SIGKILL. Safe to call more than once."""
        stop(self.proc)

    def aws_env(self, endpoint=None, secret=None, **extra):
        """Environment variables that point lakegate (or any SDK) at this server."""
        env = {
            "AWS_ENDPOINT_URL_S3": endpoint or self.endpoint,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": secret or self.secret_access_key,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        env.update(extra)
        return env

    def boto(self, *ops):
        """Runs operations with boto3 (boto_check.py) and returns their results in order.
        Each op is a dict: {"op": "list"|"get"|"put"|"head", "bucket": ..., ...}."""
        out = subprocess.run([moto_python(), os.path.join(HERE, "boto_check.py"), self.endpoint,
                              self.region, self.access_key_id, self.secret_access_key],
                             input=json.dumps(list(ops)), capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0:
            raise AssertionError("boto_check.py failed: %s" % out.stderr[-3000:])
        return json.loads(out.stdout)
