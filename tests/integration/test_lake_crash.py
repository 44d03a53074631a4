"""The durability contract under SIGKILL: clients post numbered unicorns (single, batch and
with Idempotency-Key) while segments are being sealed and uploaded; the server is killed
with SIGKILL mid-load and started again on the same spool. After `lakegate flush`, every
record whose request got a 2xx is in the lake exactly once, no record is there twice, a
batch is there whole or not at all, and every line is valid JSON.

LAKEGATE_CRASH_RUNS=N repeats the whole scenario N times (default 1)."""
import collections
import http.client
import json
import os
import signal
import tempfile
import threading
import time
import unittest
import uuid

import server

CLIENTS = 8                 # concurrent connections during the load
BATCH = 5                   # records per batch request
ACKS_BEFORE_KILL = 400      # kill once this many requests were acknowledged...
LOAD_DEADLINE_S = 20.0      # ...or fail if the load cannot get there
JSON_HEADERS = {"Content-Type": "application/json"}


def unicorn(name):
    return {"name": name, "rainbow": True, "tags": ["crash"]}


class Client(threading.Thread):
    """Posts until the connection breaks (the kill) or `stop` is set. Kind 0 posts single
    unicorns, kind 1 batches of BATCH, kind 2 single unicorns with an Idempotency-Key.
    Each request ends in `acked` (2xx), `refused` (another status) or `unknown` (no
    answer: the server died with it in flight)."""

    def __init__(self, port, run, number, stop):
        super().__init__(daemon=True)
        self.port, self.run_id, self.number, self.stop = port, run, number, stop
        self.kind = number % 3
        self.acked, self.refused, self.unknown = [], [], []
        self.error = None

    def request_body(self, i):
        base = "c-%s-%d-%d" % (self.run_id, self.number, i)
        if self.kind == 1:
            names = ["%s-%d" % (base, k) for k in range(BATCH)]
            body = "\n".join(json.dumps(unicorn(n)) for n in names) + "\n"
            return "/unicorns/batch", body, {"Content-Type": "application/x-ndjson"}, names
        headers = dict(JSON_HEADERS)
        if self.kind == 2:
            headers["Idempotency-Key"] = base
        return "/unicorn", json.dumps(unicorn(base)), headers, [base]

    def run(self):
        conn = http.client.HTTPConnection(server.HOST, self.port, timeout=server.IO_TIMEOUT_S)
        i = 0
        try:
            while not self.stop.is_set():
                path, body, headers, names = self.request_body(i)
                i += 1
                try:
                    conn.request("POST", path, body=body, headers=headers)
                    resp = conn.getresponse()
                    resp.read()
                except (OSError, http.client.HTTPException):
                    self.unknown.append((path, body, headers, names))
                    return
                outcome = self.acked if 200 <= resp.status < 300 else self.refused
                outcome.append((path, body, headers, names, resp.status))
        except Exception as e:   # reported by the test
            self.error = repr(e)
        finally:
            conn.close()


class CrashTest(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-crash-")
        self.addCleanup(tmp.cleanup)
        self.workdir = tmp.name
        self.lake = os.path.join(self.workdir, "lake")
        self.spool = os.path.join(self.workdir, "spool")

    def start(self):
        # Small, young segments: at the kill, some are open, some sealing, some uploading.
        srv = server.start_server(self.workdir, extra=("--seal-bytes", "16384", "--seal-seconds", "1"))
        self.addCleanup(srv.stop)
        return srv

    def load_and_kill(self, srv, run):
        stop = threading.Event()
        clients = [Client(srv.port, run, n, stop) for n in range(CLIENTS)]
        for c in clients:
            c.start()
        try:
            server.wait_until(lambda: sum(len(c.acked) for c in clients) >= ACKS_BEFORE_KILL,
                              LOAD_DEADLINE_S, "%d acknowledged requests" % ACKS_BEFORE_KILL)
        finally:
            os.kill(srv.proc.pid, signal.SIGKILL)   # mid-load: requests are in flight
            srv.proc.wait(timeout=server.STOP_DEADLINE_S)
            stop.set()
            for c in clients:
                c.join(timeout=server.IO_TIMEOUT_S * 2)
        self.assertFalse([c for c in clients if c.is_alive()], "every client stopped")
        self.assertEqual([], [c.error for c in clients if c.error], "no client failed")
        self.assertEqual([], [r for c in clients for r in c.refused], "nothing was refused before the kill")
        return clients

    def retry_unknown_idempotent(self, srv, clients):
        """Requests with an Idempotency-Key that got no answer are sent again: whether the
        first attempt was stored or not, the retry must answer 2xx and store nothing twice."""
        retried = []
        for c in clients:
            if c.kind != 2:
                continue
            for path, body, headers, names in c.unknown:
                status, resp_headers, resp = server.request(srv.port, "POST", path, body=body, headers=headers)
                self.assertEqual(201, status, "retry of %s: %r" % (names, resp))
                retried.append((names, resp_headers.get("idempotent-replayed")))
        return retried

    def check_lake(self, clients, retried):
        counts = collections.Counter()
        for _, line in server.lake_lines(self.lake):
            record = json.loads(line)   # every line is valid JSON
            self.assertIn("_ingested_at", record, "lakegate's fields are on every line")
            counts[record["name"]] += 1
        twice = {n: k for n, k in counts.items() if k > 1}
        self.assertEqual({}, twice, "no record is in the lake twice")
        acked = [n for c in clients for r in c.acked for n in r[3]] + [n for names, _ in retried for n in names]
        missing = [n for n in acked if counts[n] != 1]
        self.assertEqual([], missing, "every acknowledged record is in the lake exactly once")
        for c in clients:
            for _, _, _, names in c.unknown:
                present = sum(counts[n] for n in names)
                self.assertIn(present, (0, len(names)), "an unanswered request is stored whole or not at all: %r" % names)
        return len(acked)

    def test_every_acknowledged_record_survives_sigkill_exactly_once(self):
        runs = int(os.environ.get("LAKEGATE_CRASH_RUNS", "1"))
        for n in range(runs):
            run = uuid.uuid4().hex[:8]
            srv = self.start()
            clients = self.load_and_kill(srv, run)
            seen = len(srv.log())
            srv = self.start()   # same spool and lake: recovery
            self.assertIn("recovering spool", srv.log()[seen:], "the killed server left a spool to recover")
            retried = self.retry_unknown_idempotent(srv, clients)
            server.flush(self.spool)
            acked = self.check_lake(clients, retried)
            self.assertGreaterEqual(acked, ACKS_BEFORE_KILL, "the load was acknowledged")
            self.assertEqual(0, srv.stop(), "clean stop after recovery; log:\n%s" % srv.log())
            if runs > 1:
                in_flight = sum(len(c.unknown) for c in clients)
                replayed = sum(1 for _, h in retried if h == "true")
                print("crash run %d/%d: %d acknowledged records, exactly once; %d requests in flight at "
                      "the kill, %d retried by Idempotency-Key (%d replayed)"
                      % (n + 1, runs, acked, in_flight, len(retried), replayed))


if __name__ == "__main__":
    unittest.main()
