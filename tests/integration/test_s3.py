"""lakegate.s3 in the real binary against a real S3-compatible server: moto with signature
checking on (moto_launcher.py), cross-checked with boto3 as an independent client, and
through a fault-injecting TCP proxy (fault_proxy.py) for network failures."""
import json
import os
import tempfile
import unittest

import server
from fault_proxy import FaultProxy
from s3_server import MotoServer

BUCKET = "lakegate-it"
ROUTES = os.path.join(server.HERE, "fixtures", "s3_routes")
HIVE_KEY = "lake/unicorns/dt=2026-11-27/hr=02/host-1 +%.json"


def post(srv, path, body):
    """POST a JSON body; returns (status, parsed JSON answer)."""
    status, _, data = server.post_json(srv.port, path, body)
    return status, json.loads(data) if data else None


class S3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer(buckets=[BUCKET]).start()
        cls.addClassCleanup(cls.moto.stop)

    def start_lakegate(self, extra=(), **aws):
        """A lakegate serving the S3 fixture routes, pointed at moto (or as `aws` says)."""
        workdir = tempfile.mkdtemp(prefix="lg_s3_")
        env = server.clean_env(LAKEGATE_TEST_BUCKET=BUCKET, **self.moto.aws_env(**aws))
        srv = server.start_server(workdir, routes=ROUTES, extra=extra, env=env)
        self.addCleanup(srv.stop)
        return srv

    def test_lakegate_writes_and_boto3_reads_back(self):
        srv = self.start_lakegate()
        body = '{"name":"honey"}\n{"name":"sparkle"}\n'
        status, info = post(srv, "/s3/put", {"key": HIVE_KEY, "body": body,
                                             "content_type": "application/x-ndjson"})
        self.assertEqual(201, status, info)
        self.assertEqual(HIVE_KEY, info["key"])
        listed, got = self.moto.boto({"op": "list", "bucket": BUCKET, "prefix": "lake/unicorns/"},
                                     {"op": "get", "bucket": BUCKET, "key": HIVE_KEY})
        self.assertEqual([HIVE_KEY], [o["key"] for o in listed])
        self.assertEqual(info["etag"], listed[0]["etag"])
        self.assertEqual(body.encode(), bytes.fromhex(got["body_hex"]))
        self.assertEqual("application/x-ndjson", got["content_type"])

    def test_module_shortcuts_call_after_call_on_one_worker(self):
        # One thread: every call after the first finds the state's default client made.
        srv = self.start_lakegate(extra=("--threads", "1"))
        key = "shortcuts/dt=2026-11-27/part.json"
        for round_ in range(3):
            body = "round %d" % round_
            status, info = post(srv, "/s3/put", {"key": key, "body": body, "content_type": "text/plain"})
            self.assertEqual(201, status, (round_, info))
            status, got = post(srv, "/s3/get", {"key": key})
            self.assertEqual((200, body, "text/plain"), (status, got.get("body"), got.get("content_type")),
                             (round_, got))
            status, head = post(srv, "/s3/head", {"key": key})
            self.assertEqual((200, len(body)), (status, head.get("size")), (round_, head))

    def test_boto3_writes_and_lakegate_lists_reads_and_deletes(self):
        srv = self.start_lakegate()
        keys = ["shared/dt=2026-11-%02d/part.json" % day for day in range(1, 6)]
        self.moto.boto(*({"op": "put", "bucket": BUCKET, "key": k, "body_hex": k.encode().hex(),
                          "content_type": "text/plain"} for k in keys))
        status, listed = post(srv, "/s3/list", {"prefix": "shared/", "max_keys": 2})
        self.assertEqual(200, status, listed)
        self.assertEqual(keys, listed["keys"], "three pages of two, in key order")
        status, got = post(srv, "/s3/get", {"key": keys[2]})
        self.assertEqual((200, keys[2], "text/plain"), (status, got.get("body"), got.get("content_type")),
                         "answer %r; log:\n%s" % (got, srv.log()[-3000:]))
        status, head = post(srv, "/s3/head", {"key": keys[0]})
        self.assertEqual((200, len(keys[0])), (status, head["size"]))
        self.assertEqual(200, post(srv, "/s3/delete", {"key": keys[0]})[0])
        self.assertEqual([{"status": 404}], self.moto.boto({"op": "head", "bucket": BUCKET, "key": keys[0]}))
        status, missing = post(srv, "/s3/get", {"key": keys[0]})
        self.assertEqual(502, status)
        self.assertEqual(404, missing["detail"]["status"])
        self.assertIn(": 404 NoSuchKey (", missing["detail"]["message"])

    def test_wrong_secret_gets_a_clear_403(self):
        srv = self.start_lakegate(secret="not-the-secret")
        status, answer = post(srv, "/s3/put", {"key": "lake/dt=2026-11-27/x.json", "body": "{}"})
        self.assertEqual(502, status)
        self.assertEqual(403, answer["detail"]["status"])
        self.assertTrue(answer["detail"]["message"].startswith(
            "s3: PUT s3://%s/lake/dt=2026-11-27/x.json: 403 SignatureDoesNotMatch (" % BUCKET),
            answer["detail"]["message"])
        self.assertEqual([], self.moto.boto({"op": "list", "bucket": BUCKET, "prefix": "lake/dt=2026-11-27/"})[0])


class S3FaultTest(unittest.TestCase):
    """Network faults between lakegate and moto: retried inside a call, reported after."""

    @classmethod
    def setUpClass(cls):
        cls.moto = MotoServer(buckets=[BUCKET]).start()
        cls.addClassCleanup(cls.moto.stop)

    def setUp(self):
        port = int(self.moto.endpoint.rsplit(":", 1)[1])
        self.proxy = FaultProxy(port).start()
        self.addCleanup(self.proxy.stop)
        workdir = tempfile.mkdtemp(prefix="lg_s3_fault_")
        env = server.clean_env(LAKEGATE_TEST_BUCKET=BUCKET,
                               **self.moto.aws_env(endpoint=self.proxy.endpoint))
        self.srv = server.start_server(workdir, routes=ROUTES, env=env)
        self.addCleanup(self.srv.stop)

    def test_connection_resets_are_retried(self):
        self.proxy.reset_next(2)
        status, info = post(self.srv, "/s3/put", {"key": "retry/dt=1/a.json", "body": "{\"a\":1}"})
        self.assertEqual(201, status, info)
        self.assertGreaterEqual(self.proxy.accepted, 3, "two resets, then a connection that passed")
        listed = self.moto.boto({"op": "list", "bucket": BUCKET, "prefix": "retry/"})[0]
        self.assertEqual(["retry/dt=1/a.json"], [o["key"] for o in listed], "stored exactly once")

    def test_outage_is_reported_then_recovers(self):
        self.proxy.set_mode("refuse")
        status, answer = post(self.srv, "/s3/put", {"key": "outage/dt=1/a.json", "body": "{}"})
        self.assertEqual(502, status)
        message = answer["detail"]["message"]
        self.assertTrue(message.startswith("s3: PUT s3://%s/outage/dt=1/a.json: connection refused ("
                                           % BUCKET), message)
        self.assertTrue(message.endswith(" after 3 attempts"), message)
        self.assertEqual(0, answer["detail"]["status"])
        self.proxy.set_mode("pass")
        status, info = post(self.srv, "/s3/put", {"key": "outage/dt=1/a.json", "body": "{}"})
        self.assertEqual(201, status, info)
        self.assertEqual([{"status": 200, "size": 2}],
                         self.moto.boto({"op": "head", "bucket": BUCKET, "key": "outage/dt=1/a.json"}))


if __name__ == "__main__":
    unittest.main()
