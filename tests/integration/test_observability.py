"""Operations surface: /metrics counts what was sent, every request has one access log line,
/readyz tells whether writes can be taken, and the log format is selectable."""
import json
import os
import re
import shutil
import tempfile
import unittest

import server

VALID = {"name": "honey", "rainbow": True}
INVALID = {"name": "", "rainbow": True}   # exactly one error: string_too_short


def samples(text, name):
    """{labels text: value} of one metric in a Prometheus exposition."""
    found = {}
    for line in text.splitlines():
        m = re.match(r"^%s(\{.*\})? (\S+)$" % re.escape(name), line)
        if m:
            found[m.group(1) or ""] = float(m.group(2))
    return found


def log_records(srv):
    """The server's JSON log lines, parsed."""
    return [json.loads(line) for line in srv.log().splitlines() if line.startswith("{")]


class ObservabilityTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lakegate-ops-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def start(self, *extra):
        srv = server.start_server(self.tmp, extra=extra)
        self.addCleanup(srv.stop)
        return srv

    def test_metrics_count_the_requests_sent(self):
        srv = self.start()
        for _ in range(7):
            self.assertEqual(201, server.post_json(srv.port, "/unicorn", VALID)[0])
        for _ in range(3):
            self.assertEqual(422, server.post_json(srv.port, "/unicorn", INVALID)[0])
        for _ in range(2):
            self.assertEqual(404, server.request(srv.port, "GET", "/nope")[0])
        status, headers, body = server.request(srv.port, "GET", "/metrics")
        self.assertEqual(200, status)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        text = body.decode()
        requests = samples(text, "lakegate_http_requests_total")
        self.assertEqual(7, requests['{method="POST",route="/unicorn",status="201"}'], text)
        self.assertEqual(3, requests['{method="POST",route="/unicorn",status="422"}'])
        self.assertEqual(2, requests['{method="GET",route="",status="404"}'])
        errors = samples(text, "lakegate_validation_errors_total")
        self.assertEqual({'{route="/unicorn",type="string_too_short"}': 3}, errors)
        count = samples(text, "lakegate_http_request_duration_seconds_count")
        self.assertEqual(10, count['{method="POST",route="/unicorn"}'])
        buckets = samples(text, "lakegate_http_request_duration_seconds_bucket")
        self.assertEqual(10, buckets['{method="POST",route="/unicorn",le="+Inf"}'])
        self.assertLessEqual(buckets['{method="POST",route="/unicorn",le="0.0005"}'],
                             buckets['{method="POST",route="/unicorn",le="10"}'], "buckets are cumulative")
        self.assertEqual({'{result="ok"}': 1, '{result="failed"}': 0}, samples(text, "lakegate_reloads_total"))
        memory = samples(text, "lakegate_lua_memory_bytes")
        self.assertTrue(memory and all(v > 10000 for v in memory.values()), "each busy VM reports its memory")
        self.assertEqual(7 + 3, samples(text, "lakegate_lake_records_total")[""],
                         "the lake counted the 7 stored records and the 3 dead letters")
        server.flush(os.path.join(self.tmp, "spool"))
        text = server.request(srv.port, "GET", "/metrics")[2].decode()
        self.assertGreaterEqual(samples(text, "lakegate_lake_objects_uploaded_total")[""], 1)
        self.assertEqual(0, samples(text, "lakegate_lake_objects_pending")[""])
        self.assertGreaterEqual(samples(text, "lakegate_lake_fsyncs_total")[""], 1)
        self.assertEqual(7, samples(text, "lakegate_lake_fsynced_frames_total")[""],
                         "each stored record's frame was fdatasynced; dead letters are not")
        self.assertEqual(7 + 3, samples(text, "lakegate_lake_written_frames_total")[""])
        self.assertTrue(1 <= samples(text, "lakegate_lake_spool_writes_total")[""] <= 7 + 3)

    def test_every_request_has_one_access_line(self):
        srv = self.start()
        ids = []
        for i in range(5):
            status, headers, _ = server.post_json(srv.port, "/unicorn", VALID, headers={"X-Request-Id": "req-%d" % i})
            ids.append(headers["x-request-id"])
        server.request(srv.port, "GET", "/nope")
        srv.stop()
        access = [r for r in log_records(srv) if r["module"] == "access"]
        by_id = {r["request_id"]: r for r in access}
        for i, rid in enumerate(ids):
            self.assertEqual("req-%d" % i, rid, "the client's request id is echoed")
            r = by_id[rid]
            self.assertEqual(("POST", "/unicorn", 201, "127.0.0.1"), (r["method"], r["path"], r["status"], r["client"]))
            self.assertGreater(r["bytes_out"], 0)
            self.assertGreaterEqual(r["duration_ms"], 0)
            self.assertRegex(r["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertEqual(1, sum(1 for r in access if r["status"] == 404))
        self.assertNotIn("honey", srv.log(), "request bodies are never logged")

    def test_access_log_can_be_turned_off_and_text_format_chosen(self):
        srv = self.start("--access-log=false", "--log-format", "text")
        server.request(srv.port, "GET", "/")
        srv.stop()
        self.assertNotIn('"GET /"', srv.log())
        self.assertRegex(srv.log(), r"(?m)^\d{4}-\d\d-\d\dT\S+ info  \[main\] lakegate ")

    def test_readyz_reports_a_lake_that_cannot_take_writes(self):
        srv = self.start()
        status, _, body = server.request(srv.port, "GET", "/readyz")
        self.assertEqual((200, {"status": "ready"}), (status, json.loads(body)))
        shutil.rmtree(os.path.join(self.tmp, "lake"))
        status, _, body = server.request(srv.port, "GET", "/readyz")
        self.assertEqual(503, status)
        self.assertEqual("not ready", json.loads(body)["status"])
        self.assertIn("lake", json.loads(body)["reason"])


if __name__ == "__main__":
    unittest.main()
