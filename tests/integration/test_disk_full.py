"""Reliability: the spool's disk fails writes, then recovers.

Two ways a disk stops taking writes, each against the real server:
  - the spool's filesystem is full (a small tmpfs mounted for the test, filled up with a
    file): write(2) fails with ENOSPC, after writing part of a frame perhaps;
  - the process hits its file-size limit (RLIMIT_FSIZE set on the running server with
    prlimit, as `ulimit -f` or systemd's LimitFSIZE would): write(2) fails with EFBIG.
While writes fail, every write request gets 503 with Retry-After (never a 500, never a
201 for a record that is not on disk) and the log names the path and the system error;
reads keep working. Once space is back, writes succeed again, and after `lakegate flush`
the lake holds exactly the acknowledged records, each once.

Mounting needs CAP_SYS_ADMIN (root in CI); without it the tmpfs case is skipped and says so.
"""
import errno
import json
import os
import re
import resource
import subprocess
import tempfile
import threading
import unittest

import server

FULL_DEADLINE_S = 30.0       # until writes start failing once the disk is full
RECOVER_DEADLINE_S = 30.0    # until writes succeed again once space is back
TMPFS_SIZE = "2m"


def unicorn(name):
    return {"name": name, "rainbow": True}


class DiskFaultCase(unittest.TestCase):
    """Shared steps: write until refused, check the refusals, recover, count the lake."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-disk-")
        self.addCleanup(tmp.cleanup)
        self.workdir = tmp.name
        self.lake = os.path.join(self.workdir, "lake")
        self.spool = os.path.join(self.workdir, "spool")
        self.acked = []   # names of the records the server acknowledged

    def post(self, name):
        status, headers, body = server.post_json(self.server.port, "/unicorn", unicorn(name))
        self.assertIn(status, (201, 503), "a write answers 201 or 503, got %d: %r" % (status, body))
        if status == 201:
            self.acked.append(name)
        return status, headers, body

    def write_until_refused(self, prefix):
        """Writes records until the first 503 (a tmpfs may still fit a few in the segment's
        last page); returns that answer."""
        def refused():
            answer = self.post("%s-%d" % (prefix, len(self.acked)))
            return answer if answer[0] == 503 else None
        return server.wait_until(refused, FULL_DEADLINE_S, "a write to be refused")

    def check_refusal(self, answer, os_error, path_part):
        status, headers, body = answer
        self.assertEqual(503, status)
        self.assertRegex(headers.get("retry-after", ""), r"^[1-9][0-9]*$", "Retry-After in seconds")
        self.assertIn("retry later", json.loads(body)["detail"], "the answer says to retry")
        for i in range(5):   # while the disk stays full, every write is refused
            self.assertEqual(503, self.post("refused-%d" % i)[0], "still full: refused")
        status, _, body = server.request(self.server.port, "GET", "/")
        self.assertEqual(200, status, "reads keep working while writes fail: %r" % body)
        log = self.server.log()
        self.assertRegex(log, r"spool write %s[^\n]*%s" % (re.escape(path_part), re.escape(os_error)),
                         "the log names the spool file and the system error")
        self.assertFalse([s for s in self.server.access_statuses() if s >= 500 and s != 503],
                         "no request answered another 5xx (a 500 would be a bug)")

    def recover_and_count(self, prefix):
        server.wait_until(lambda: self.post("%s-first" % prefix)[0] == 201, RECOVER_DEADLINE_S,
                          "writes to be taken again")
        for i in range(20):
            self.assertEqual(201, self.post("%s-%d" % (prefix, i))[0], "writes are taken again")
        server.flush(self.spool)
        stored = [json.loads(line)["name"] for _, line in server.lake_lines(self.lake)]
        self.assertEqual(sorted(self.acked), sorted(stored),
                         "the lake holds exactly the acknowledged records, each once")
        self.assertEqual(0, self.server.stop(), "the server stops cleanly")


class FullFilesystemTest(DiskFaultCase):

    def setUp(self):
        super().setUp()
        os.mkdir(self.spool)
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % TMPFS_SIZE,
                                "lakegate-test-spool", self.spool],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if mount.returncode != 0:
            self.skipTest("cannot mount a tmpfs for the spool (needs CAP_SYS_ADMIN): %s"
                          % mount.stdout.strip())
        # Cleanups run last-in first-out: the server stops before the unmount.
        self.addCleanup(subprocess.run, ["umount", self.spool], check=True)
        self.filler = os.path.join(self.spool, "filler")
        self.server = server.start_server(self.workdir, extra=("--seal-seconds", "1"))
        self.addCleanup(self.server.stop)

    def fill(self):
        """Writes a file until the filesystem has no byte left."""
        with open(self.filler, "wb", buffering=0) as f:
            for chunk in (1 << 16, 1 << 12, 1):
                try:
                    while True:
                        f.write(b"\0" * chunk)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
        self.assertEqual(0, os.statvfs(self.spool).f_bavail, "the spool's filesystem is full")

    def test_a_full_spool_disk_answers_503_and_recovers_without_losing_anything(self):
        for i in range(20):
            self.assertEqual(201, self.post("before-%d" % i)[0], "the disk has room")
        self.fill()
        self.check_refusal(self.write_until_refused("full"), "No space left on device",
                           os.path.join(self.spool, "segments") + "/")
        os.remove(self.filler)   # an operator frees space
        self.recover_and_count("after")


class PipedLogServer(server.Server):
    """A server whose output reaches its log file through a pipe that the test drains: a
    file-size limit set on the server must not silence its log."""

    def spawn(self, command):
        proc = subprocess.Popen(command, cwd=self.workdir, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.copier = threading.Thread(target=self.copy_log, args=(proc.stdout,), daemon=True)
        self.copier.start()
        return proc

    def copy_log(self, pipe):
        with pipe, open(self.log_path, "ab", buffering=0) as log:
            for line in pipe:   # ends when the server exits
                log.write(line)


class FileSizeLimitTest(DiskFaultCase):

    def setUp(self):
        super().setUp()
        port = server.free_port()
        args = server.serve_args(port, server.example_routes(), self.lake, self.spool)
        self.server = PipedLogServer(args, port, self.workdir)
        self.addCleanup(self.server.stop)
        self.server.start()

    def test_a_file_size_limit_answers_503_and_the_server_survives_it(self):
        for i in range(10):
            self.assertEqual(201, self.post("before-%d" % i)[0], "no limit yet")
        pid = self.server.proc.pid
        unlimited = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        # Every file is already longer than one byte, or becomes so with its first write.
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (1, unlimited[1]))
        try:
            answer = self.write_until_refused("limited")
            self.assertIsNone(self.server.proc.poll(), "SIGXFSZ did not kill the server")
            self.check_refusal(answer, "File too large", os.path.join(self.spool, "segments") + "/")
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, unlimited)
        self.recover_and_count("after")


if __name__ == "__main__":
    unittest.main()
