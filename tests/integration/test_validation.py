"""Validation in the real lakegate binary: JSON bodies checked while decoding (the C fast
path) or by the Lua validators, pydantic v2 errors byte for byte, a body model from a JSON
Schema file, query parameters, and what lands in the lake."""
import json
import os
import tempfile
import unittest

import server

ROUTES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "validation_routes")
EVENT_ID = "67e55044-10b1-426f-9247-bb680e5fe0c8"


class ValidationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        tmp = tempfile.TemporaryDirectory(prefix="lakegate-validation-")
        cls.addClassCleanup(tmp.cleanup)
        cls.lake = os.path.join(tmp.name, "lake")
        cls.server = server.start_server(tmp.name, routes=ROUTES)
        cls.addClassCleanup(cls.server.stop)   # also when a test fails
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        if code != 0:
            raise AssertionError("lakegate exited with %r; log:\n%s" % (code, cls.server.log()))

    def post(self, path, body):
        status, _, data = server.request(self.port, "POST", path, body,
                                         headers={"Content-Type": "application/json"})
        return status, json.loads(data) if data else None

    def test_accepts_and_normalizes_a_valid_event(self):
        status, body = self.post("/events", '{"id":"%s","at":"2024-05-01T12:00:00+02:00","kind":"click",'
                                            '"tags":["a","\\u00e9t\\u00e9"]}' % EVENT_ID.upper())
        self.assertEqual(201, status, body)
        self.assertEqual({"id": EVENT_ID, "at": "2024-05-01T10:00:00Z", "kind": "click", "tags": ["a", "été"]}, body)

    def test_answers_pydantic_errors_byte_for_byte(self):
        payload = '{"id":"x","at":"2024-05-01T12:00:00","kind":"tap","tags":["toolongtag",1],"size":2}'
        status, _, data = server.request(self.port, "POST", "/events", payload,
                                         headers={"Content-Type": "application/json"})
        self.assertEqual(422, status)
        expected = (
            '{"detail":['
            '{"type":"uuid_parsing","loc":["body","id"],"msg":"Input should be a valid UUID, invalid character: '
            'expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1","input":"x",'
            '"ctx":{"error":"invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], '
            'found `x` at 1"}},'
            '{"type":"timezone_aware","loc":["body","at"],"msg":"Input should have timezone info",'
            '"input":"2024-05-01T12:00:00"},'
            '{"type":"literal_error","loc":["body","kind"],"msg":"Input should be \'click\' or \'view\'","input":"tap",'
            '"ctx":{"expected":"\'click\' or \'view\'"}},'
            '{"type":"string_too_long","loc":["body","tags",0],"msg":"String should have at most 8 characters",'
            '"input":"toolongtag","ctx":{"max_length":8}},'
            '{"type":"string_type","loc":["body","tags",1],"msg":"Input should be a valid string","input":1},'
            '{"type":"extra_forbidden","loc":["body","size"],"msg":"Extra inputs are not permitted","input":2}]}')
        self.assertEqual(expected, data.decode())

    def test_runs_model_validators(self):
        status, body = self.post("/events", {"id": EVENT_ID, "at": "2024-05-01T12:00:00Z", "kind": "view"})
        self.assertEqual(422, status)
        self.assertEqual([{"type": "value_error", "loc": ["body"], "msg": "Value error, a view needs meta",
                           "input": {"id": EVENT_ID, "at": "2024-05-01T12:00:00Z", "kind": "view"},
                           "ctx": {"error": "a view needs meta"}}], body["detail"])
        status, body = self.post("/events", {"id": EVENT_ID, "at": "2024-05-01T12:00:00Z", "kind": "view",
                                             "meta": {"n": 1}})
        self.assertEqual(201, status, body)

    def test_refuses_malformed_json_with_400(self):
        status, body = self.post("/events", '{"id": "x",}')
        self.assertEqual(400, status)
        self.assertEqual("json_invalid", body["detail"][0]["type"])
        self.assertEqual(["body", 11], body["detail"][0]["loc"])

    def test_stores_the_validated_record(self):
        event_id = "a8098c1a-f86e-41da-bd1a-00112444be1e"
        status, _ = self.post("/events", {"id": event_id, "at": "2024-05-01T23:30:00-01:00", "kind": "click"})
        self.assertEqual(201, status)

        server.flush(os.path.join(os.path.dirname(self.lake), "spool"))
        records = [json.loads(line) for _, line in server.lake_lines(self.lake, "events")]
        matching = [r for r in records if r.get("id") == event_id]
        self.assertEqual(1, len(matching), "the event is in the lake once: %r" % records)
        record = matching[0]
        self.assertEqual("2024-05-02T00:30:00Z", record["at"])
        self.assertEqual([], record["tags"])

    def test_uses_a_json_schema_file_as_body_model(self):
        status, body = self.post("/orders", {"sku": "ABC-1", "quantity": 3.0})
        self.assertEqual(201, status, body)
        self.assertEqual({"sku": "ABC-1", "quantity": 3, "express": False}, body)
        status, body = self.post("/orders", {"sku": "abc", "quantity": "3"})
        self.assertEqual(422, status)
        self.assertEqual(["string_pattern_mismatch", "int_type"], [e["type"] for e in body["detail"]])

    def test_reads_repeated_query_keys_into_lists(self):
        status, _, data = server.request(self.port, "GET", "/search?ids=3&ids=1&since=2024-02-29")
        self.assertEqual(200, status, data)
        self.assertEqual({"ids": [3, 1], "since": "2024-02-29"}, json.loads(data))
        status, _, data = server.request(self.port, "GET", "/search?ids=0&ids=x")
        self.assertEqual(422, status)
        self.assertEqual([["query", "ids", 0], ["query", "ids", 1]], [e["loc"] for e in json.loads(data)["detail"]])


if __name__ == "__main__":
    unittest.main()
