"""The s3:// lake backend: the example app with `--lake s3://bucket/prefix` against moto's
server (signature checking on, moto_launcher.py), and everything read back with boto3 as an
independent client. Objects land under the Hive keys with the acknowledged records, each
once; a wrong secret or a missing bucket is logged with S3's own error, reported by /readyz,
and the records wait in the spool until an operator fixes it; an S3 outage under load (first
refused connections through fault_proxy.py, then moto frozen with SIGSTOP; moto keeps its
buckets in memory, so it is never restarted) and a SIGKILL under load lose nothing and
store nothing twice.

LAKEGATE_S3_OUTAGE_S sets how long S3 stays unreachable in the outage test (default 30,
at least 10)."""
import collections
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import unittest
import uuid

import server
from fault_proxy import FaultProxy
from s3_server import MotoServer

BUCKET = "lakegate-lake"
TABLE = "unicorns"
OUTAGE_S = max(10, int(os.environ.get("LAKEGATE_S3_OUTAGE_S", "30")))
BATCH = 5                      # records per batch request
ACKS_BEFORE_KILL = 1500        # the SIGKILL test kills once this many requests got a 2xx
JSON = {"Content-Type": "application/json"}
# <prefix>/unicorns/dt=YYYY-MM-DD/hr=HH/<host>-<firstTs>-<seq>.json.gz
KEY_RE = re.compile(r"^(?P<prefix>.+)/%s/dt=(?P<dt>\d{4}-\d\d-\d\d)/hr=(?P<hr>\d\d)/"
                    r"[^/]+-\d{8}T\d{9}Z-\d+\.json\.gz$" % TABLE)

moto = None


def setUpModule():
    global moto
    moto = MotoServer(buckets=[BUCKET]).start()
    unittest.addModuleCleanup(moto.stop)


def unicorn(name):
    return {"name": name, "rainbow": True, "tags": ["s3"]}


def log_records(srv):
    """The server's log lines that are JSON objects."""
    out = []
    for line in srv.log().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass   # sanitizer reports and the like
    return out


def outbox_objects(spool):
    """Sealed objects waiting in the spool for the backend."""
    found = []
    for root, _, files in os.walk(os.path.join(spool, "outbox")):
        found += [os.path.join(root, f) for f in files if f.endswith(".json.gz")]
    return found


class Load:
    """Client threads posting numbered unicorns until stopped (or until the connection
    breaks, when the server is killed). Kind 0 posts single records, kind 1 NDJSON batches
    of BATCH, kind 2 single records with an Idempotency-Key. Each request ends in `acked`
    (2xx), `refused` (any other status) or `unknown` (no answer), with its record names.
    pace_s > 0 spaces each client's requests (a steady load) instead of a tight loop."""

    def __init__(self, port, clients, pace_s=0.0):
        self.run_id = uuid.uuid4().hex[:8]
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(port, n, pace_s), daemon=True)
                        for n in range(clients)]
        self.acked, self.refused, self.unknown, self.errors = [], [], [], []
        self.lock = threading.Lock()

    def request(self, number, i):
        base = "%s-%d-%d" % (self.run_id, number, i)
        kind = number % 3
        if kind == 1:
            names = ["%s-%d" % (base, k) for k in range(BATCH)]
            body = "".join(json.dumps(unicorn(n)) + "\n" for n in names)
            return "/unicorns/batch", body, {"Content-Type": "application/x-ndjson"}, names
        headers = dict(JSON)
        if kind == 2:
            headers["Idempotency-Key"] = base
        return "/unicorn", json.dumps(unicorn(base)), headers, [base]

    def _client(self, port, number, pace_s):
        conn = http.client.HTTPConnection(server.HOST, port, timeout=server.IO_TIMEOUT_S)
        try:
            i = 0
            while not self.stop_event.is_set():
                req = self.request(number, i)
                i += 1
                try:
                    conn.request("POST", req[0], body=req[1], headers=req[2])
                    resp = conn.getresponse()
                    resp.read()
                except (OSError, http.client.HTTPException):
                    with self.lock:
                        self.unknown.append(req)
                    return
                with self.lock:
                    (self.acked if 200 <= resp.status < 300 else self.refused).append(req + (resp.status,))
                if pace_s:
                    self.stop_event.wait(pace_s)
        except Exception as e:   # reported by the test
            with self.lock:
                self.errors.append(repr(e))
        finally:
            conn.close()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def acked_count(self):
        with self.lock:
            return len(self.acked)

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=server.IO_TIMEOUT_S * 2)
        return [t for t in self.threads if t.is_alive()]


class LakeS3Test(unittest.TestCase):

    def setUp(self):
        self.prefix = "lake-%s" % uuid.uuid4().hex[:8]
        self.workdir = tempfile.mkdtemp(prefix="lg_lake_s3_")
        self.addCleanup(shutil.rmtree, self.workdir, ignore_errors=True)   # after the servers stop
        self.spool = os.path.join(self.workdir, "spool")

    def lake_uri(self, bucket=BUCKET):
        return "s3://%s/%s" % (bucket, self.prefix)

    def start(self, *extra, bucket=BUCKET, **aws):
        """lakegate serving the example app with its lake in S3, pointed at moto (or as
        `aws` says: endpoint, secret)."""
        port = server.free_port()
        args = server.serve_args(port, server.example_routes(), self.lake_uri(bucket), self.spool, *extra)
        srv = server.Server(args, port, self.workdir, env=server.clean_env(**moto.aws_env(**aws)))
        srv.start()
        self.addCleanup(srv.stop)
        return srv

    def flush_cli(self, timeout_s, bucket=BUCKET, **aws):
        """`lakegate flush` for this spool (the server's, or its own recovery when no server
        runs), with the lake and AWS settings a standalone run needs."""
        return server.run_cli(["flush", "--spool", self.spool, "--lake", self.lake_uri(bucket),
                               "--flush-timeout-s", str(timeout_s)], cwd=self.workdir,
                              env=server.clean_env(**moto.aws_env(**aws)), timeout=timeout_s + 30)

    def flush(self):
        r = self.flush_cli(60)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        return r

    def read_lake(self, bucket=BUCKET, expect_sse=None):
        """Every record of the table in S3 as (key, record), object by object, after checking
        each object's key, headers and gzip framing. self.etags: {key: ETag} of the objects."""
        listed = moto.boto({"op": "list", "bucket": bucket, "prefix": self.prefix + "/"})[0]
        self.etags = {o["key"]: o["etag"] for o in listed}
        keys = [o["key"] for o in listed]
        got = moto.boto(*({"op": "get", "bucket": bucket, "key": k} for k in keys)) if keys else []
        records = []
        for key, obj in zip(keys, got):
            m = KEY_RE.match(key)
            self.assertIsNotNone(m, "a Hive key under the table: %s" % key)
            self.assertEqual(self.prefix, m.group("prefix"), key)
            self.assertEqual(("application/x-ndjson", "gzip"), (obj["content_type"], obj["content_encoding"]), key)
            if expect_sse:
                self.assertEqual(expect_sse, (obj["sse"], obj["kms_key_id"]), key)
            lines = gzip.decompress(bytes.fromhex(obj["body_hex"])).split(b"\n")
            self.assertEqual(b"", lines.pop(), "the object ends with a newline: %s" % key)
            for line in lines:
                record = json.loads(line)
                stamp = record["_ingested_at"]
                self.assertEqual((m.group("dt"), m.group("hr")), (stamp[:10], stamp[11:13]),
                                 "the record's hour is its object's partition: %s" % key)
                records.append((key, record))
        return records

    def assert_exactly_once(self, load, records, retried=()):
        """Every acknowledged record is in the lake once, nothing is there twice (also not
        under two keys), an unanswered request is stored whole or not at all, and nothing
        else is there."""
        keys = collections.defaultdict(list)
        for key, record in records:
            self.assertTrue(record["_request_id"], "every line has its request id")
            keys[record["name"]].append(key)
        self.assertEqual({}, {n: k for n, k in keys.items() if len(k) > 1}, "no record is in the lake twice")
        acked = [n for r in load.acked for n in r[3]] + [n for names in retried for n in names]
        self.assertEqual([], [n for n in acked if n not in keys], "every acknowledged record is in the lake")
        for req in load.unknown:
            present = sum(n in keys for n in req[3])
            self.assertIn(present, (0, len(req[3])), "unanswered, stored whole or not at all: %r" % req[3])
        known = set(acked) | {n for req in load.unknown for n in req[3]}
        self.assertEqual([], sorted(set(keys) - known), "nothing but what was sent")
        return len(acked)

    def wait_ready(self, srv, want, deadline_s):
        """Polls /readyz until it answers `want`; returns the answer's reason."""
        def check():
            status, _, body = server.request(srv.port, "GET", "/readyz")
            return status == want and (json.loads(body).get("reason") or "ready")
        return server.wait_until(check, deadline_s, "/readyz %d" % want)

    # ---------------- the tests ----------------

    def test_objects_land_under_hive_keys_with_the_acknowledged_records(self):
        srv = self.start("--lake-sse", "aws:kms", "--lake-sse-kms-key-id", "alias/lakegate-lake")
        sent = {}
        for i in range(12):
            name = "honey-%d" % i
            status, headers, body = server.post_json(srv.port, "/unicorn", unicorn(name))
            self.assertEqual(201, status, body)
            sent[name] = headers["x-request-id"]
        names = ["batch-%d" % k for k in range(BATCH)]
        status, headers, body = server.request(srv.port, "POST", "/unicorns/batch",
                                               "".join(json.dumps(unicorn(n)) + "\n" for n in names),
                                               {"Content-Type": "application/x-ndjson"})
        self.assertEqual(200, status, body)
        sent.update((n, headers["x-request-id"]) for n in names)
        out = self.flush().stdout
        self.assertIn("flushed to %s in " % self.lake_uri(), out)
        records = self.read_lake(expect_sse=("aws:kms", "alias/lakegate-lake"))
        self.assertEqual(sorted(sent), sorted(r["name"] for _, r in records), "exactly the acknowledged records")
        for _, record in records:
            self.assertEqual(sent[record["name"]], record["_request_id"], "the answer's X-Request-Id")
            self.assertEqual(unicorn(record["name"]), {k: record[k] for k in ("name", "rainbow", "tags")})
        self.assertEqual([], outbox_objects(self.spool), "nothing is left in the spool")
        self.assertEqual("ready", self.wait_ready(srv, 200, 5))
        started = [r["msg"] for r in log_records(srv) if "objects go to " in r.get("msg", "")]
        self.assertEqual(["objects go to %s through %s (region %s), encryption aws:kms"
                          % (self.lake_uri(), moto.endpoint, moto.region)], started)

    def test_wrong_secret_keeps_records_in_the_spool_until_restarted_with_the_right_one(self):
        wrong = "wrong-secret-%s" % uuid.uuid4().hex
        srv = self.start(secret=wrong)
        names = ["secret-%d" % i for i in range(10)]
        for n in names:
            self.assertEqual(201, server.post_json(srv.port, "/unicorn", unicorn(n))[0])
        r = self.flush_cli(2)
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn("403 SignatureDoesNotMatch", r.stderr)
        expected = "s3: PUT %s/%s/dt=" % (self.lake_uri(), TABLE)
        errors = [rec["msg"] for rec in log_records(srv) if rec.get("level") == "error" and
                  rec.get("msg", "").startswith(expected)]
        self.assertTrue(errors, "the failed upload is logged as an error:\n%s" % srv.log()[-3000:])
        self.assertRegex(errors[0], r"\.json\.gz: 403 SignatureDoesNotMatch \(.+\) \(attempt 1, needs an operator; ")
        reason = self.wait_ready(srv, 503, 5)
        # The last failure says it: the upload's, or the backend check's that flush re-ran.
        self.assertRegex(reason, r"^uploads to %s fail until an operator acts: s3: (PUT %s/%s/dt=|LIST %s/: )"
                         % ((re.escape(self.lake_uri()),) * 2 + (TABLE, re.escape(self.lake_uri()))))
        self.assertIn(": 403 SignatureDoesNotMatch (", reason)
        self.assertEqual([], moto.boto({"op": "list", "bucket": BUCKET, "prefix": self.prefix + "/"})[0])
        self.assertEqual(0, srv.stop(), "a clean stop")
        self.assertTrue(outbox_objects(self.spool), "the records wait in the spool")
        for secret in (wrong, moto.secret_access_key):
            self.assertNotIn(secret, srv.log(), "no secret in the log")

        seen = len(srv.log())
        srv = self.start()   # the right secret, the same spool
        self.assertIn("recovering spool", srv.log()[seen:])
        self.flush()
        records = self.read_lake()
        self.assertEqual(sorted(names), sorted(r["name"] for _, r in records), "each record once")
        self.assertEqual([], outbox_objects(self.spool))
        self.wait_ready(srv, 200, 5)

    def test_missing_bucket_is_reported_until_it_exists(self):
        bucket = "lakegate-late-%s" % uuid.uuid4().hex[:8]
        srv = self.start(bucket=bucket)
        # Before anything is sealed: the backend's check (one ListObjectsV2) already failed.
        check = "s3: LIST %s/: 404 NoSuchBucket (" % self.lake_uri(bucket)
        reason = self.wait_ready(srv, 503, 10)
        self.assertTrue(reason.startswith("uploads to %s fail until an operator acts: %s"
                                          % (self.lake_uri(bucket), check)), reason)
        self.assertIn("(check 1, needs an operator; next in ", reason)
        self.assertTrue([r for r in log_records(srv) if r.get("level") == "error" and
                         r.get("msg", "").startswith(check)], "the failed check is logged as an error")
        names = ["late-%d" % i for i in range(3)]
        for n in names:
            self.assertEqual(201, server.post_json(srv.port, "/unicorn", unicorn(n))[0])
        r = self.flush_cli(2, bucket=bucket)
        self.assertEqual(1, r.returncode, r.stdout + r.stderr)
        self.assertIn(": 404 NoSuchBucket (", r.stderr)
        self.assertIn(": 404 NoSuchBucket (", self.wait_ready(srv, 503, 5))
        moto.boto({"op": "create_bucket", "bucket": bucket})   # what an operator would do
        started = time.monotonic()
        r = self.flush_cli(60, bucket=bucket)
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertLess(time.monotonic() - started, 20, "flush retries at once, without waiting out the backoff")
        self.assertEqual(sorted(names), sorted(rec["name"] for _, rec in self.read_lake(bucket)))
        self.wait_ready(srv, 200, 5)

    def test_s3_unreachable_under_load_loses_nothing(self):
        proxy = FaultProxy(int(moto.endpoint.rsplit(":", 1)[1])).start()
        self.addCleanup(proxy.stop)
        srv = self.start("--seal-seconds", "1", "--seal-bytes", "65536", endpoint=proxy.endpoint)
        load = Load(srv.port, clients=6, pace_s=0.02).start()
        self.addCleanup(load.stop)
        server.wait_until(lambda: load.acked_count() >= 100 and
                          moto.boto({"op": "list", "bucket": BUCKET, "prefix": self.prefix + "/"})[0],
                          30, "the first objects in S3")

        # Unreachable: refused connections first, then a server that accepts and hangs.
        outage_started = time.monotonic()
        proxy.set_mode("refuse")
        reason = self.wait_ready(srv, 503, OUTAGE_S / 2)
        self.assertIn("connection refused", reason)
        time.sleep(max(0.0, outage_started + OUTAGE_S / 2 - time.monotonic()))
        proxy.set_mode("pass")
        os.kill(moto.proc.pid, signal.SIGSTOP)
        self.addCleanup(os.kill, moto.proc.pid, signal.SIGCONT)   # never leave it frozen
        time.sleep(max(0.0, outage_started + OUTAGE_S - time.monotonic()))
        acked_during = load.acked_count()
        os.kill(moto.proc.pid, signal.SIGCONT)
        back = time.monotonic()

        self.wait_ready(srv, 200, 20)
        recovered_s = time.monotonic() - back
        time.sleep(1)   # the load goes on a little after the recovery
        self.assertEqual([], load.stop(), "every client stopped")
        self.flush()
        records = self.read_lake()
        self.assertEqual([], load.errors)
        self.assertEqual([], [r[4] for r in load.refused], "every request was acknowledged (the spool took them)")
        self.assertEqual([], load.unknown, "and answered")
        acked = self.assert_exactly_once(load, records)
        self.assertGreater(load.acked_count(), acked_during, "the load went on after the outage")
        log = srv.log()
        self.assertIn("connection refused", log)
        self.assertRegex(log, r"uploaded %s/\S+ after \d+ failed attempts" % TABLE)
        print("outage of %d s under load: %d records acknowledged, each in S3 once; /readyz back to 200 "
              "%.1f s after S3 was" % (OUTAGE_S, acked, recovered_s))

    def uploaded_but_kept(self):
        """{key: etag} of objects that are in S3 and still in the spool's outbox: their PUT
        reached S3, its answer has not reached lakegate."""
        outbox = os.path.join(self.spool, "outbox")
        kept = {"%s/%s" % (self.prefix, os.path.relpath(p, outbox)) for p in outbox_objects(self.spool)}
        listed = moto.boto({"op": "list", "bucket": BUCKET, "prefix": self.prefix + "/"})[0]
        return {o["key"]: o["etag"] for o in listed if o["key"] in kept}

    def test_sigkill_under_load_every_acknowledged_record_once(self):
        proxy = FaultProxy(int(moto.endpoint.rsplit(":", 1)[1])).start()
        self.addCleanup(proxy.stop)
        srv = self.start("--seal-seconds", "1", "--seal-bytes", "16384", endpoint=proxy.endpoint)
        load = Load(srv.port, clients=8).start()
        self.addCleanup(load.stop)
        try:
            server.wait_until(lambda: load.acked_count() >= ACKS_BEFORE_KILL and
                              moto.boto({"op": "list", "bucket": BUCKET, "prefix": self.prefix + "/"})[0],
                              60, "%d acknowledged requests and objects in S3" % ACKS_BEFORE_KILL)
            # S3 stores what it gets but its answers are lost: lakegate dies with objects that
            # are in S3 and still in its outbox, which the next run must upload again.
            proxy.set_mode("hold")
            overlap = server.wait_until(self.uploaded_but_kept, 30, "an object in S3 and in the outbox")
        finally:
            os.kill(srv.proc.pid, signal.SIGKILL)   # mid-load: requests, seals and PUTs in flight
            srv.proc.wait(timeout=server.STOP_DEADLINE_S)
        self.assertEqual([], load.stop(), "every client stopped")
        self.assertEqual([], load.errors)
        self.assertEqual([], load.refused, "nothing was refused before the kill")
        waiting = len(outbox_objects(self.spool))
        segments = len(os.listdir(os.path.join(self.spool, "segments")))

        r = self.flush_cli(60)   # no server: recovers the spool and uploads it itself
        self.assertEqual(0, r.returncode, r.stdout + r.stderr)
        self.assertIn("flushed spool %s to %s" % (self.spool, self.lake_uri()), r.stdout)
        srv = self.start()
        retried = []   # unanswered requests with an Idempotency-Key, sent again
        for path, body, headers, names in load.unknown:
            if "Idempotency-Key" in headers:
                status, _, answer = server.request(srv.port, "POST", path, body=body, headers=headers)
                self.assertEqual(201, status, answer)
                retried.append(names)
        self.flush()
        acked = self.assert_exactly_once(load, self.read_lake(), retried)
        self.assertGreaterEqual(acked, ACKS_BEFORE_KILL)
        self.assertEqual(overlap, {k: e for k, e in self.etags.items() if k in overlap},
                         "uploaded again under the same keys, with the same bytes")
        self.assertEqual(0, srv.stop(), "clean stop; log:\n%s" % srv.log()[-3000:])
        print("SIGKILL under load: %d records acknowledged, each in S3 once; at the kill %d requests "
              "in flight, %d objects in the outbox (%d of them already in S3) and %d spool segments; "
              "%d retried by Idempotency-Key" % (acked, len(load.unknown), waiting, len(overlap),
                                                 segments, len(retried)))

if __name__ == "__main__":
    unittest.main()
