"""HTTP behaviour of the real lakegate binary with the example routes (routes/unicorn.lua):
responses, validation errors, body limits, framing, request ids and what lands in the lake."""
import collections
import datetime
import http.client
import json
import os
import re
import tempfile
import threading
import unittest
import uuid

import server

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
MIB = 1024 * 1024
JSON_HEADERS = {"Content-Type": "application/json"}


# ===================== lake helpers =====================

def lake_lines(lake_dir, table="unicorns"):
    """Every stored line of a lake table as (partition dir relative to the table, raw bytes),
    after flushing the spool beside the lake directory (the tests keep them side by side)."""
    server.flush(os.path.join(os.path.dirname(lake_dir), "spool"))
    return server.lake_lines(lake_dir, table)


def lake_records(lake_dir, table="unicorns"):
    """Every stored record of a lake table as (partition, parsed JSON object)."""
    return [(p, json.loads(line)) for p, line in lake_lines(lake_dir, table)]


def partition_of(moment):
    """The partition directory name for a UTC datetime, e.g. dt=2024-05-01/hr=07."""
    return moment.strftime("dt=%Y-%m-%d/hr=%H")


def parse_rfc3339_utc(text):
    """datetime for "2024-05-01T07:08:09.123456Z" (fractions beyond micro-seconds cut)."""
    main, _, frac = text[:-1].partition(".")
    moment = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S")
    micros = int((frac + "000000")[:6]) if frac else 0
    return moment.replace(microsecond=micros, tzinfo=datetime.timezone.utc)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def unicorn(name, **fields):
    body = {"name": name, "rainbow": True}
    body.update(fields)
    return body


def expected_record(name, rainbow=True, horn_length_cm=None, color="white", tags=()):
    return {"name": name, "rainbow": rainbow, "horn_length_cm": horn_length_cm,
            "color": color, "tags": list(tags)}


class ServerTestCase(unittest.TestCase):
    """Base: one server per test class, with its own temp dir holding lake and log."""

    server_extra_args = ()

    @classmethod
    def setUpClass(cls):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-it-")
        cls.addClassCleanup(tmp.cleanup)
        cls.workdir = tmp.name
        cls.lake = os.path.join(tmp.name, "lake")
        cls.server = server.start_server(tmp.name, extra=cls.server_extra_args)
        cls.addClassCleanup(cls.server.stop)   # also when a test or tearDownClass fails
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        """Ends by proving the server is healthy: a clean exit and no error logged."""
        code = cls.server.stop()
        log = cls.server.log()
        if code != 0:
            raise AssertionError("lakegate exited with %r after SIGTERM; log:\n%s" % (code, log))
        errors = [line for line in log.splitlines() if re.match(r"^\S+ error ", line)]
        if errors:
            raise AssertionError("lakegate logged errors:\n%s" % "\n".join(errors))

    def post(self, body, headers=None):
        return server.post_json(self.port, "/unicorn", body, headers=headers)

    def assertJsonBody(self, body, expected, what):
        try:
            value = json.loads(body)
        except ValueError:
            self.fail("%s: body is not JSON: %r" % (what, body[:200]))
        self.assertEqual(expected, value, "%s: JSON body" % what)

    def raw_post(self, body, headers=None):
        """POST body on a fresh raw socket; returns (status, headers, body, connection)."""
        conn = server.RawConnection(self.port)
        self.addCleanup(conn.close)
        all_headers = dict(JSON_HEADERS)
        all_headers.update(headers or {})
        conn.send(server.raw_request("POST", "/unicorn", body, all_headers))
        status, resp_headers, resp_body = conn.read_response()
        return status, resp_headers, resp_body, conn

    def assertStillServing(self):
        status, _, body = server.request(self.port, "GET", "/")
        self.assertEqual(200, status, "the server should still answer GET / on a new connection")
        self.assertJsonBody(body, {"Hello": "World"}, "GET / after the failure")


# ===================== the example API =====================

class UnicornApiTest(ServerTestCase):
    """The example routes, with the default settings."""

    def test_get_root_says_hello(self):
        status, headers, body = server.request(self.port, "GET", "/")
        self.assertEqual(200, status, "GET / status")
        self.assertEqual("application/json", headers.get("content-type"), "GET / content type")
        self.assertJsonBody(body, {"Hello": "World"}, "GET /")

    def test_head_root_is_get_without_body(self):
        status, headers, body = server.request(self.port, "HEAD", "/")
        self.assertEqual(200, status, "HEAD / status")
        self.assertEqual(b"", body, "HEAD / must not carry a body")
        self.assertEqual(str(len(b'{"Hello":"World"}')), headers.get("content-length"),
                         "HEAD / announces the length GET / would send")

    def test_healthz_answers_200(self):
        status, _, _ = server.request(self.port, "GET", "/healthz")
        self.assertEqual(200, status, "GET /healthz status")

    def test_valid_post_returns_and_stores_the_record(self):
        body = unicorn("stardust-%s" % uuid.uuid4().hex, rainbow=False, horn_length_cm=42.5,
                       color="gold", tags=["shy", "fast"])
        expected = expected_record(body["name"], rainbow=False, horn_length_cm=42.5, color="gold",
                                   tags=["shy", "fast"])
        before = utc_now()
        status, headers, resp = self.post(body)
        after = utc_now()
        self.assertEqual(201, status, "valid POST /unicorn status; body %r" % resp)
        self.assertJsonBody(resp, expected, "201 response")
        request_id = headers.get("x-request-id")
        self.assertTrue(request_id, "a 201 response carries X-Request-Id")

        stored = [(p, r) for p, r in lake_records(self.lake) if r.get("name") == body["name"]]
        self.assertEqual(1, len(stored), "the record is stored exactly once: %r" % stored)
        partition, record = stored[0]
        self.assertIn(partition, {partition_of(before), partition_of(after)},
                      "partition of a record ingested between %s and %s" % (before, after))
        ingested_at = record.pop("_ingested_at", None)
        self.assertRegex(ingested_at or "", RFC3339_UTC, "_ingested_at is RFC 3339 UTC")
        moment = parse_rfc3339_utc(ingested_at)
        slack = datetime.timedelta(seconds=1)
        self.assertTrue(before - slack <= moment <= after + slack,
                        "_ingested_at %s lies within the request (%s .. %s)" % (ingested_at, before, after))
        self.assertEqual(partition_of(moment), partition, "the partition is the hour of _ingested_at")
        self.assertEqual(request_id, record.pop("_request_id", None),
                         "_request_id equals the response's X-Request-Id")
        self.assertEqual(expected, record, "the stored record is the validated body, nothing else")

    def test_minimal_post_gets_the_defaults(self):
        status, _, resp = self.post('{"name":"honey","rainbow":true}')
        self.assertEqual(201, status, "the issue's honey unicorn; body %r" % resp)
        self.assertJsonBody(resp, expected_record("honey"),
                            "defaults: color white, tags [], horn_length_cm null")

    def test_invalid_fields_give_exactly_two_errors(self):
        status, _, resp = self.post('{"name":"","rainbow":"maybe"}')
        self.assertEqual(422, status, "invalid fields status; body %r" % resp)
        detail = json.loads(resp).get("detail")
        self.assertIsInstance(detail, list, "422 detail is a list")
        self.assertEqual(2, len(detail), "exactly two errors: %r" % detail)
        by_field = {tuple(e["loc"]): e for e in detail}
        name_err = by_field.get(("body", "name"))
        self.assertIsNotNone(name_err, "an error at ['body','name']: %r" % detail)
        self.assertEqual({"type": "string_too_short", "loc": ["body", "name"],
                          "msg": "String should have at least 1 character", "input": "",
                          "ctx": {"min_length": 1}}, name_err, "the name error, pydantic v2 style")
        rainbow_err = by_field.get(("body", "rainbow"))
        self.assertIsNotNone(rainbow_err, "an error at ['body','rainbow']: %r" % detail)
        self.assertEqual("bool_parsing", rainbow_err.get("type"), "rainbow error type")
        self.assertEqual("maybe", rainbow_err.get("input"), "rainbow error echoes the input")
        self.assertTrue(rainbow_err.get("msg"), "rainbow error has a message")

    def test_extra_field_is_forbidden(self):
        status, _, resp = self.post(unicorn("extra", wings=2))
        self.assertEqual(422, status, "extra field status; body %r" % resp)
        detail = json.loads(resp)["detail"]
        self.assertEqual([("extra_forbidden", ["body", "wings"])],
                         [(e["type"], e["loc"]) for e in detail], "one extra_forbidden error")

    def test_truncated_json_is_400_json_invalid(self):
        status, _, resp = self.post('{"name":')
        self.assertEqual(400, status, "truncated JSON status; body %r" % resp)
        detail = json.loads(resp)["detail"]
        self.assertEqual(1, len(detail), "one error: %r" % detail)
        self.assertEqual("json_invalid", detail[0]["type"], "error type")
        self.assertEqual("body", detail[0]["loc"][0], "loc starts with body")
        self.assertIsInstance(detail[0]["loc"][1], int, "loc[1] is the byte offset")

    def test_nan_is_not_json(self):
        status, _, resp = self.post('{"name":NaN}')
        self.assertEqual(400, status, "NaN is not JSON; body %r" % resp)
        self.assertEqual("json_invalid", json.loads(resp)["detail"][0]["type"], "error type")

    def test_float_keeps_shortest_round_trip_text(self):
        name = "precise-%s" % uuid.uuid4().hex[:8]
        raw = '{"name":"%s","rainbow":true,"horn_length_cm":0.1234567890123456789}' % name
        status, _, resp = self.post(raw)
        self.assertEqual(201, status, "precise horn; body %r" % resp)
        self.assertIn(b'"horn_length_cm":0.12345678901234568,', resp,
                      "response echoes the double's shortest text")
        lines = [line for _, line in lake_lines(self.lake) if name.encode() in line]
        self.assertEqual(1, len(lines), "one lake line for %s" % name)
        self.assertIn(b'"horn_length_cm":0.12345678901234568,', lines[0],
                      "lake line keeps the double's shortest text")

    def test_unknown_path_is_404(self):
        status, _, resp = server.request(self.port, "GET", "/nope")
        self.assertEqual(404, status, "GET /nope status")
        self.assertJsonBody(resp, {"detail": "Not Found"}, "404")

    def test_wrong_method_is_405_with_allow(self):
        status, headers, resp = server.request(self.port, "GET", "/unicorn")
        self.assertEqual(405, status, "GET /unicorn status")
        self.assertEqual("POST", headers.get("allow"), "Allow lists the route's methods")
        self.assertJsonBody(resp, {"detail": "Method Not Allowed"}, "405")

    def test_text_plain_is_415(self):
        status, _, resp = self.post(unicorn("plain"), headers={"Content-Type": "text/plain"})
        self.assertEqual(415, status, "text/plain body; body %r" % resp)
        self.assertIn("detail", json.loads(resp), "415 has a JSON detail")

    def test_missing_content_type_is_treated_as_json(self):
        name = "untyped-%s" % uuid.uuid4().hex[:8]
        body = json.dumps(unicorn(name)).encode()
        conn = server.RawConnection(self.port)
        self.addCleanup(conn.close)
        conn.send(server.raw_request("POST", "/unicorn", body))   # no Content-Type at all
        status, _, resp = conn.read_response()
        self.assertEqual(201, status, "a body without Content-Type is read as JSON; %r" % resp)
        self.assertJsonBody(resp, expected_record(name), "201 response")

    def test_client_request_id_is_honoured(self):
        rid = "it-%s" % uuid.uuid4().hex
        name = "traced-%s" % uuid.uuid4().hex[:8]
        status, headers, _ = self.post(unicorn(name), headers={"X-Request-Id": rid})
        self.assertEqual(201, status, "traced POST status")
        self.assertEqual(rid, headers.get("x-request-id"), "the client's X-Request-Id comes back")
        stored = [r for _, r in lake_records(self.lake) if r.get("name") == name]
        self.assertEqual([rid], [r.get("_request_id") for r in stored], "the lake keeps the client's id")

    def test_request_id_is_generated_when_missing_or_insane(self):
        ids = []
        for sent in (None, "has space", "x" * 500):
            headers = {} if sent is None else {"X-Request-Id": sent}
            status, resp_headers, _ = server.request(self.port, "GET", "/", headers=headers)
            self.assertEqual(200, status, "GET / with X-Request-Id %r" % sent)
            rid = resp_headers.get("x-request-id")
            self.assertTrue(rid, "a generated X-Request-Id when the client sent %r" % sent)
            self.assertNotEqual(sent, rid, "an insane id %r is replaced" % sent)
            ids.append(rid)
        self.assertEqual(len(ids), len(set(ids)), "generated ids differ: %r" % ids)
        status, resp_headers, _ = server.request(self.port, "GET", "/nope")
        self.assertEqual(404, status, "GET /nope")
        self.assertTrue(resp_headers.get("x-request-id"), "error responses carry X-Request-Id too")

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        conn = server.RawConnection(self.port)
        self.addCleanup(conn.close)
        names = ["kept-%d-%s" % (i, uuid.uuid4().hex[:8]) for i in range(3)]
        for name in names:
            self.assertTrue(conn.send(server.raw_request("POST", "/unicorn", json.dumps(unicorn(name)).encode(),
                                                         JSON_HEADERS)), "send on the kept-alive connection")
            status, headers, resp = conn.read_response()
            self.assertEqual(201, status, "POST %s on the shared connection" % name)
            self.assertEqual("keep-alive", headers.get("connection"), "the server keeps the connection")
            self.assertJsonBody(resp, expected_record(name), "POST %s" % name)
        conn.send(server.raw_request("GET", "/"))
        status, _, resp = conn.read_response()
        self.assertEqual(200, status, "GET / after three POSTs on the same connection")

    def test_oversized_body_is_413_and_closes_the_connection(self):
        body = b'{"name":"' + b"a" * (2 * MIB) + b'","rainbow":true}'
        status, headers, resp, conn = self.raw_post(body)
        self.assertEqual(413, status, "a 2 MiB body; body %r" % resp[:200])
        self.assertEqual("close", headers.get("connection"), "413 says Connection: close")
        self.assertTrue(conn.closed_by_peer(), "the server closes the connection after 413")
        self.assertStillServing()

    def test_chunked_body_within_limit_is_accepted(self):
        name = "chunky-%s" % uuid.uuid4().hex[:8]
        body = json.dumps(unicorn(name, tags=["a" * 40] * 10)).encode()
        status, _, resp, _ = self.raw_post(server.chunked(body, chunk_size=7),
                                           {"Transfer-Encoding": "chunked"})
        self.assertEqual(201, status, "chunked valid body; body %r" % resp)
        self.assertJsonBody(resp, expected_record(name, tags=["a" * 40] * 10), "chunked 201")
        self.assertEqual(1, sum(1 for _, r in lake_records(self.lake) if r.get("name") == name),
                         "the chunked record is stored once")

    def test_chunked_body_over_limit_is_413(self):
        body = b'{"name":"' + b"a" * (2 * MIB) + b'","rainbow":true}'
        status, headers, _, conn = self.raw_post(server.chunked(body, chunk_size=64 * 1024),
                                                 {"Transfer-Encoding": "chunked"})
        self.assertEqual(413, status, "a 2 MiB chunked body")
        self.assertEqual("close", headers.get("connection"), "413 says Connection: close")
        self.assertTrue(conn.closed_by_peer(), "the server closes the connection after 413")
        self.assertStillServing()

    def test_invalid_requests_never_reach_the_lake(self):
        before = len(lake_lines(self.lake))
        invalid = [
            ('{"name":"","rainbow":"maybe"}', JSON_HEADERS, 422),
            ('{"name":', JSON_HEADERS, 400),
            ('{"name":NaN}', JSON_HEADERS, 400),
            ('{"name":"x","rainbow":true,"wings":2}', JSON_HEADERS, 422),
            ('{"name":"x","rainbow":true,"horn_length_cm":0}', JSON_HEADERS, 422),
            ('{"name":"x","rainbow":true,"color":"black"}', JSON_HEADERS, 422),
            ('[{"name":"x","rainbow":true}]', JSON_HEADERS, 422),
            ('', JSON_HEADERS, 422),
            ('{"name":"x","rainbow":true}', {"Content-Type": "text/plain"}, 415),
        ]
        for body, headers, want in invalid:
            status, _, resp = self.post(body, headers=headers)
            self.assertEqual(want, status, "POST %r -> %r" % (body, resp))
        status, _, _ = server.request(self.port, "PUT", "/unicorn", body=unicorn("put"))
        self.assertEqual(405, status, "PUT /unicorn")
        status, _, _, _ = self.raw_post(b'{"name":"' + b"a" * (2 * MIB) + b'","rainbow":true}')
        self.assertEqual(413, status, "oversized POST")
        self.assertEqual(before, len(lake_lines(self.lake)), "invalid requests add no lake lines")

    def test_concurrent_clients_each_store_exactly_once(self):
        clients, per_client = 20, 25
        run = uuid.uuid4().hex[:8]
        results, errors = [], []
        lock = threading.Lock()

        def client(c):
            conn = http.client.HTTPConnection(server.HOST, self.port, timeout=server.IO_TIMEOUT_S)
            try:
                for i in range(per_client):
                    name = "herd-%s-%02d-%02d" % (run, c, i)
                    status, headers, _ = server.post_json(self.port, "/unicorn", unicorn(name), conn=conn)
                    with lock:
                        results.append((name, status, headers.get("x-request-id")))
            except Exception as e:   # reported by the main thread
                with lock:
                    errors.append("client %d: %r" % (c, e))
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
        self.assertFalse([t for t in threads if t.is_alive()], "all client threads finish")
        self.assertEqual([], errors, "no client failed")
        self.assertEqual(clients * per_client, len(results), "every request got an answer")
        self.assertEqual({201}, {status for _, status, _ in results}, "every POST got 201")

        stored = collections.Counter()
        stored_ids = {}
        for _, record in lake_records(self.lake):
            name = record.get("name", "")
            if name.startswith("herd-%s-" % run):
                stored[name] += 1
                stored_ids[name] = record.get("_request_id")
        expected_names = {name for name, _, _ in results}
        self.assertEqual(expected_names, set(stored), "the lake holds exactly the posted names")
        self.assertEqual([], [n for n, k in stored.items() if k != 1], "each record is stored once")
        self.assertEqual({name: rid for name, _, rid in results}, stored_ids,
                         "each record's _request_id is its response's X-Request-Id")


class SmallBodyLimitTest(ServerTestCase):
    """--max-body-size makes the limit configurable."""

    server_extra_args = ("--max-body-size", "100")

    def test_body_over_configured_limit_is_413(self):
        body = b'{"name":"%s","rainbow":true}' % (b"n" * 174)
        self.assertEqual(200, len(body), "the test body is 200 bytes")
        status, _, _, conn = self.raw_post(body)
        self.assertEqual(413, status, "200 bytes over a 100-byte limit")
        self.assertTrue(conn.closed_by_peer(), "the server closes the connection after 413")
        self.assertEqual([], lake_lines(self.lake), "nothing stored")

    def test_body_within_configured_limit_is_accepted(self):
        body = json.dumps(unicorn("small")).encode()
        self.assertLessEqual(len(body), 100, "the test body fits the limit")
        status, _, resp = self.post(body)
        self.assertEqual(201, status, "a body under the limit; %r" % resp)

    def test_chunked_body_over_configured_limit_is_413(self):
        body = json.dumps(unicorn("c" * 150)).encode()
        status, _, _, conn = self.raw_post(server.chunked(body, chunk_size=16),
                                           {"Transfer-Encoding": "chunked"})
        self.assertEqual(413, status, "a %d-byte chunked body over a 100-byte limit" % len(body))
        self.assertTrue(conn.closed_by_peer(), "the server closes the connection after 413")


if __name__ == "__main__":
    unittest.main()
