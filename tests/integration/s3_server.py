"""Helpers for tests that need S3: moto's server (started by moto_launcher.py, stopped by
PID) and boto3 as an independent client (boto_check.py). Standard library only: moto
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


class MotoServer:
    """moto's S3 server on 127.0.0.1 with signature checking on (see moto_launcher.py).
    After start(): endpoint, region, access_key_id, secret_access_key."""

    def __init__(self, buckets=()):
        self.buckets = list(buckets)
        self.proc = None

    def start(self):
        args = [moto_python(), os.path.join(HERE, "moto_launcher.py"), "--parent-pid", str(os.getpid())]
        for b in self.buckets:
            args += ["--bucket", b]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        try:
            ready = self._ready_line()
        except BaseException:
            self.stop()
            raise
        self.endpoint = ready["endpoint"]
        self.region = ready["region"]
        self.access_key_id = ready["access_key_id"]
        self.secret_access_key = ready["secret_access_key"]
        return self

    def _ready_line(self):
        end = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < end:
            readable, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if readable:
                line = self.proc.stdout.readline()
                if line:
                    return json.loads(line)
            if self.proc.poll() is not None:
                raise AssertionError("moto's launcher exited (%d): %s\n%s" % (
                    self.proc.returncode, self.proc.stderr.read()[-3000:], INSTALL_HINT))
        raise AssertionError("moto did not start within %.0f s" % START_DEADLINE_S)

    def stop(self):
        """SIGTERM, a bounded wait, then SIGKILL. Safe to call more than once."""
        if self.proc is None:
            return
        server.stop_process(self.proc, STOP_DEADLINE_S)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()

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
