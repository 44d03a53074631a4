"""The lake through the real binary: batch ingest, gzip bodies, Idempotency-Key across a
restart, dead letters, `lakegate flush` with and without a server, and 503 + Retry-After
when the spool is full."""
import gzip
import json
import os
import shutil
import signal
import tempfile
import unittest
import uuid

import server

JSON_HEADERS = {"Content-Type": "application/json"}
NDJSON_HEADERS = {"Content-Type": "application/x-ndjson"}


def unicorn(name, **fields):
    body = {"name": name, "rainbow": True}
    body.update(fields)
    return body


def ndjson(values):
    return "".join(json.dumps(v) + "\n" for v in values).encode()


class LakeTestCase(unittest.TestCase):
    """One server per test, with its own lake and spool."""

    server_extra_args = ()

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-lake-")
        self.addCleanup(tmp.cleanup)
        self.workdir = tmp.name
        self.lake = os.path.join(self.workdir, "lake")
        self.spool = os.path.join(self.workdir, "spool")
        self.server = self.start()

    def start(self):
        srv = server.start_server(self.workdir, extra=self.server_extra_args)
        self.addCleanup(srv.stop)
        self.port = srv.port
        return srv

    def records(self, table="unicorns"):
        server.flush(self.spool)
        return [json.loads(line) for _, line in server.lake_lines(self.lake, table)]

    def names(self, table="unicorns"):
        return sorted(r.get("name") for r in self.records(table))

    def post(self, path, body, headers):
        return server.request(self.port, "POST", path, body=body, headers=headers)


class BatchTest(LakeTestCase):

    def test_ndjson_batch_stores_the_valid_records_and_reports_each(self):
        run = uuid.uuid4().hex[:6]
        body = ndjson([unicorn("a" + run), unicorn("", rainbow=True), unicorn("b" + run, color="pink")])
        body += b"{not json\n\n"
        status, headers, resp = self.post("/unicorns/batch", body, NDJSON_HEADERS)
        self.assertEqual(207, status, "some records were rejected: %r" % resp)
        answer = json.loads(resp)
        self.assertEqual(2, answer["stored"], "two stored")
        self.assertEqual(2, answer["failed"], "two failed")
        self.assertEqual([(0, 201), (1, 422), (2, 201), (3, 400)],
                         [(r["index"], r["status"]) for r in answer["results"]], "a result per record, in order")
        self.assertEqual(["body", 1, "name"], answer["results"][1]["detail"][0]["loc"], "the error locates the record")
        self.assertEqual("json_invalid", answer["results"][3]["detail"][0]["type"], "the broken line")
        records = [r for r in self.records() if r["name"].endswith(run)]
        self.assertEqual(["a" + run, "b" + run], sorted(r["name"] for r in records), "the valid ones are stored")
        self.assertEqual({headers["x-request-id"]}, {r["_request_id"] for r in records}, "with the request's id")

    def test_json_array_batch_all_valid_is_200(self):
        names = ["arr-%02d" % i for i in range(20)]
        status, _, resp = self.post("/unicorns/batch", json.dumps([unicorn(n) for n in names]), JSON_HEADERS)
        self.assertEqual(200, status, resp)
        self.assertEqual({"stored": 20, "failed": 0}, {k: json.loads(resp)[k] for k in ("stored", "failed")})
        self.assertEqual(names, sorted(self.names()), "all 20 stored once")

    def test_all_invalid_is_422_and_stores_nothing(self):
        status, _, resp = self.post("/unicorns/batch", json.dumps([{"name": ""}, {"x": 1}]), JSON_HEADERS)
        self.assertEqual(422, status, resp)
        self.assertEqual(0, json.loads(resp)["stored"], "nothing stored")
        self.assertEqual([], self.names(), "the lake holds nothing")

    def test_gzip_bodies_are_read_and_limited_after_decompression(self):
        names = ["gz-%d" % i for i in range(100)]
        body = gzip.compress(ndjson([unicorn(n) for n in names]))
        headers = dict(NDJSON_HEADERS, **{"Content-Encoding": "gzip"})
        status, _, resp = self.post("/unicorns/batch", body, headers)
        self.assertEqual(200, status, resp)
        single = gzip.compress(json.dumps(unicorn("gz-single")).encode())
        status, _, resp = self.post("/unicorn", single, dict(JSON_HEADERS, **{"Content-Encoding": "gzip"}))
        self.assertEqual(201, status, "a gzip body on a single-record route: %r" % resp)
        self.assertEqual(sorted(names + ["gz-single"]), self.names(), "every record stored")
        # 5 MiB of spaces compress to a few KiB: under the raw limit, over the decoded one.
        bomb = gzip.compress(b"[" + b" " * (5 * 1024 * 1024) + b"]")
        status, _, resp = self.post("/unicorns/batch", bomb, dict(JSON_HEADERS, **{"Content-Encoding": "gzip"}))
        self.assertEqual(413, status, "the decoded size counts: %r" % resp)
        status, _, _ = self.post("/unicorns/batch", b"not gzip", dict(JSON_HEADERS, **{"Content-Encoding": "gzip"}))
        self.assertEqual(400, status, "broken gzip")
        status, _, _ = self.post("/unicorns/batch", b"[]", dict(JSON_HEADERS, **{"Content-Encoding": "br"}))
        self.assertEqual(415, status, "an encoding lakegate does not read")

    def test_batch_limits(self):
        status, _, resp = self.post("/unicorns/batch", ndjson([unicorn("n%d" % i) for i in range(501)]), NDJSON_HEADERS)
        self.assertEqual(413, status, "more than max_records (500): %r" % resp)
        status, _, _ = self.post("/unicorns/batch", b"\n\n", NDJSON_HEADERS)
        self.assertEqual(422, status, "an empty batch")
        status, _, _ = self.post("/unicorns/batch", b"{}", JSON_HEADERS)
        self.assertEqual(422, status, "a JSON batch must be an array")
        status, _, _ = self.post("/unicorns/batch", b"a,b", {"Content-Type": "text/csv"})
        self.assertEqual(415, status, "CSV is not a batch format")
        self.assertEqual([], self.names(), "none of these stored anything")


class IdempotencyTest(LakeTestCase):

    def test_a_retry_replays_the_first_answer_also_after_a_restart(self):
        key = "order-%s" % uuid.uuid4().hex
        headers = dict(JSON_HEADERS, **{"Idempotency-Key": key})
        body = json.dumps(unicorn("once"))
        status, first_headers, first = self.post("/unicorn", body, headers)
        self.assertEqual(201, status, first)
        self.assertNotIn("idempotent-replayed", first_headers, "the first answer is not a replay")
        status, again_headers, again = self.post("/unicorn", body, headers)
        self.assertEqual((201, first), (status, again), "the retry gets the first answer")
        self.assertEqual("true", again_headers.get("idempotent-replayed"), "marked as a replay")
        status, _, resp = self.post("/unicorn", json.dumps(unicorn("other")), headers)
        self.assertEqual(422, status, "the key with another body: %r" % resp)

        self.assertEqual(0, self.server.stop(), "clean stop")
        self.server = self.start()
        status, again_headers, again = self.post("/unicorn", body, headers)
        self.assertEqual((201, first), (status, again), "replayed after a restart")
        self.assertEqual("true", again_headers.get("idempotent-replayed"), "marked as a replay")
        self.assertEqual(["once"], self.names(), "stored once")

    def test_batches_and_bad_keys(self):
        headers = dict(NDJSON_HEADERS, **{"Idempotency-Key": "batch-1"})
        body = ndjson([unicorn("b1"), unicorn("b2")])
        self.assertEqual(200, self.post("/unicorns/batch", body, headers)[0], "first batch")
        status, h, _ = self.post("/unicorns/batch", body, headers)
        self.assertEqual((200, "true"), (status, h.get("idempotent-replayed")), "the batch retry is a replay")
        status, _, resp = self.post("/unicorn", json.dumps(unicorn("x")), dict(JSON_HEADERS, **{"Idempotency-Key": "a b"}))
        self.assertEqual(400, status, "a key with a space: %r" % resp)
        self.assertEqual(["b1", "b2"], self.names(), "the batch was stored once")


class DeadLetterTest(LakeTestCase):

    def test_rejected_records_and_their_errors_are_kept(self):
        status, headers, _ = self.post("/unicorn", json.dumps({"name": "", "rainbow": "maybe"}), JSON_HEADERS)
        self.assertEqual(422, status)
        self.assertEqual(400, self.post("/unicorn", '{"name":', JSON_HEADERS)[0], "malformed JSON")
        self.assertEqual(415, self.post("/unicorn", "x", {"Content-Type": "text/plain"})[0], "not a record: not kept")
        rejected = self.records("_rejected/unicorns")
        self.assertEqual([422, 400], [r["status"] for r in rejected], "the 422 and the 400, in order")
        first = rejected[0]
        self.assertEqual("POST /unicorn", first["route"], "the route")
        self.assertEqual({"name": "", "rainbow": "maybe"}, first["input"], "the input as sent")
        self.assertEqual({("body", "name"), ("body", "rainbow")}, {tuple(e["loc"]) for e in first["errors"]}, "why")
        self.assertEqual(headers["x-request-id"], first["_request_id"], "and which request it was")
        self.assertEqual('{"name":', rejected[1]["input_text"], "malformed JSON is kept as text")
        self.assertEqual([], self.names(), "nothing in the table itself")


class FlushTest(LakeTestCase):

    def test_flush_without_a_server_seals_what_a_killed_one_left(self):
        names = ["left-%d" % i for i in range(10)]
        for n in names:
            self.assertEqual(201, self.post("/unicorn", json.dumps(unicorn(n)), JSON_HEADERS)[0])
        os.kill(self.server.proc.pid, signal.SIGKILL)
        self.server.proc.wait(timeout=server.STOP_DEADLINE_S)
        self.assertEqual([], server.lake_lines(self.lake), "nothing was sealed before the kill")
        r = server.run_cli(["flush", "--spool", self.spool, "--lake", self.lake], cwd=self.workdir, env=server.clean_env())
        self.assertEqual(0, r.returncode, "flush with no server: %s" % r.stderr)
        self.assertIn("flushed spool", r.stdout, "it says what it did")
        records = [json.loads(line) for _, line in server.lake_lines(self.lake)]
        self.assertEqual(names, sorted(x["name"] for x in records), "the acknowledged records are in the lake")

    def test_flush_of_a_missing_spool_is_an_error(self):
        missing = os.path.join(self.workdir, "no-such-spool")
        r = server.run_cli(["flush", "--spool", missing], cwd=self.workdir, env=server.clean_env())
        self.assertEqual(1, r.returncode, "a typo in --spool is reported")
        self.assertIn("no spool at %s" % missing, r.stderr)
        self.assertFalse(os.path.exists(missing), "and not created")

    def test_flush_goes_through_the_running_server(self):
        self.assertEqual(201, self.post("/unicorn", json.dumps(unicorn("served")), JSON_HEADERS)[0])
        self.assertTrue(os.path.exists(os.path.join(self.spool, "lakegate.sock")), "the server's admin socket")
        r = server.flush(self.spool)
        self.assertIn("flushed to file://", r.stdout, "the server answered: %r" % r.stdout)
        self.assertEqual(["served"], [json.loads(line)["name"] for _, line in server.lake_lines(self.lake)],
                         "the record is in the lake when flush returns")


class SpoolFullTest(LakeTestCase):

    server_extra_args = ("--spool-max-bytes", "65536", "--seal-bytes", "4096", "--seal-seconds", "1")

    def test_a_full_spool_answers_503_with_retry_after_and_loses_nothing(self):
        # The lake directory becomes a file: uploads fail, sealed objects pile up.
        away = self.lake + ".away"
        os.rename(self.lake, away)
        with open(self.lake, "w") as f:
            f.write("not a directory\n")
        acked, status, headers, resp = [], 201, {}, b""
        conn = server.http.client.HTTPConnection(server.HOST, self.port, timeout=server.IO_TIMEOUT_S)
        self.addCleanup(conn.close)
        for i in range(20000):
            name = "fill-%05d-%s" % (i, "x" * 40)
            status, headers, resp = server.post_json(self.port, "/unicorn", unicorn(name), conn=conn)
            if status != 201:
                break
            acked.append(name)
        self.assertEqual(503, status, "the spool filled up: %r" % resp)
        self.assertRegex(headers.get("retry-after", ""), r"^[1-9][0-9]*$", "Retry-After in seconds")
        self.assertIn("spool is full", json.loads(resp)["detail"], "the reason")
        self.assertGreater(len(acked), 100, "records were taken until the spool was full")

        os.remove(self.lake)
        try:
            os.rename(away, self.lake)   # the lake is back: uploads drain the spool
        except OSError:
            # The uploader made the folder again between the two calls and wrote to it:
            # bring back what had landed before the outage beside it.
            shutil.copytree(away, self.lake, dirs_exist_ok=True)
            shutil.rmtree(away)
        server.wait_until(lambda: server.post_json(self.port, "/unicorn", unicorn("after"), conn=conn)[0] == 201,
                          60, "writes to be taken again")
        acked.append("after")
        self.assertEqual(sorted(acked), self.names(), "exactly the acknowledged records, each once")


if __name__ == "__main__":
    unittest.main()
