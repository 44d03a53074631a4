"""lakegate's Athena client in the real binary (`lakegate query` and the example's query
routes) against athena_stub.py, a stand-in that speaks Athena's JSON 1.1 protocol, checks
every request against botocore's service model and every signature with botocore's
signer, pages results, fails queries, never finishes them and throttles on demand."""
import datetime
import json
import os
import subprocess
import tempfile
import threading
import unittest

import server
from athena_server import RESULTS, AthenaStub, get_json

COLUMNS = [{"name": "name", "type": "varchar"}, {"name": "rainbow", "type": "boolean"},
           {"name": "horn_length_cm", "type": "double"}, {"name": "color", "type": "varchar"},
           {"name": "tags", "type": "array"}, {"name": "_ingested_at", "type": "timestamp"}]


class StubTestCase(unittest.TestCase):
    """One stub for the class, emptied before each test, and a fresh work folder."""

    @classmethod
    def setUpClass(cls):
        cls.stub = AthenaStub().start()
        cls.addClassCleanup(cls.stub.stop)

    def setUp(self):
        self.stub.reset()
        self.workdir = tempfile.mkdtemp(prefix="lg_athena_")


class AthenaStubTest(StubTestCase):

    def tearDown(self):
        bad = [e for e in self.stub.log() if e["auth"] != "ok" and not getattr(self, "expect_bad_auth", False)]
        self.assertEqual([], bad, "every request lakegate sent was signed correctly")

    def query(self, *args, env=None, timeout=60):
        return server.run_cli(["query"] + list(args), cwd=self.workdir,
                              env=env or server.clean_env(**self.stub.env()), timeout=timeout)

    def start_lakegate(self, *extra, **env):
        srv = server.start_server(self.workdir, env=server.clean_env(**self.stub.env(**env)),
                                  extra=extra)
        self.addCleanup(srv.stop)
        return srv

    # ===================== the routes =====================

    def test_parameterized_round_trip_through_the_route(self):
        self.stub.scenario(match="FROM unicorns", polls=2, columns=COLUMNS, rows=[
            ["honey", "true", "12.5", "pink", "[glitter]", "2026-11-27 02:19:44.932"],
            ["dusk", "false", None, "pink", "[]", "2026-11-26 23:00:00.000"]])
        srv = self.start_lakegate()
        status, body, _ = get_json(srv, "/unicorns?color=pink&limit=2")
        self.assertEqual(200, status, body)
        self.assertEqual([{"name": "honey", "rainbow": True, "horn_length_cm": 12.5, "color": "pink",
                           "tags": "[glitter]", "_ingested_at": "2026-11-27T02:19:44.932"},
                          {"name": "dusk", "rainbow": False, "color": "pink", "tags": "[]",
                           "_ingested_at": "2026-11-26T23:00:00.000"}], body["unicorns"])
        start = self.stub.calls("StartQueryExecution")
        self.assertEqual(1, len(start))
        sent = start[0]["input"]
        since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=7)).strftime("%Y-%m-%d")
        self.assertEqual(["'%s'" % since, "'pink'", "2"], sent["ExecutionParameters"])
        self.assertNotIn("pink", sent["QueryString"], "the value is a parameter, not SQL text")
        self.assertEqual({"Database": "lakegate"}, sent["QueryExecutionContext"])
        self.assertEqual({"OutputLocation": RESULTS}, sent["ResultConfiguration"])
        self.assertEqual(body["query_id"], self.stub.calls("GetQueryResults")[0]["input"]["QueryExecutionId"])
        polls = [e for e in self.stub.calls("GetQueryExecution")]
        self.assertEqual(3, len(polls), "QUEUED, RUNNING, SUCCEEDED")

    def test_values_the_query_model_refuses_never_reach_athena(self):
        self.stub.scenario(match="FROM unicorns", polls=0, columns=COLUMNS, rows=[])
        srv = self.start_lakegate()
        status, body, _ = get_json(srv, "/unicorns?color=pink'%20OR%20'1'='1")
        self.assertEqual(422, status, "the color model refuses it before any SQL")
        self.assertEqual([], self.stub.calls("StartQueryExecution"))

    def test_async_query_and_its_pages(self):
        self.stub.scenario(match="FROM unicorns", polls=3, columns=COLUMNS,
                           rows=[["u%d" % i, "true", "1.5", "gold", "[]", None] for i in range(3)])
        srv = self.start_lakegate()
        status, body, headers = get_json(srv, "/unicorns?color=gold&wait=false")
        self.assertEqual(202, status, body)
        qid = body["query_id"]
        self.assertEqual("/queries/" + qid, headers["location"])
        states = []

        def finished():
            st, doc, _ = get_json(srv, "/queries/" + qid)
            self.assertEqual(200, st, doc)
            states.append(doc["state"])
            return doc if doc["state"] == "SUCCEEDED" else None
        doc = server.wait_until(finished, 10, "the query to succeed")
        self.assertEqual(["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"], states)
        self.assertEqual(["u0", "u1", "u2"], [r["name"] for r in doc["rows"]])
        self.assertNotIn("next_token", doc)
        self.assertEqual(404, get_json(srv, "/queries/not-one-of-ours")[0])

    def test_blocking_queries_beyond_the_cap_get_503(self):
        self.stub.scenario(match="FROM unicorns", polls=4, columns=COLUMNS, rows=[])   # about 1.5 s
        srv = self.start_lakegate("--threads", "8", "--athena-max-queries", "1")
        first = {}
        slow = threading.Thread(target=lambda: first.update(answer=get_json(srv, "/unicorns")))
        slow.start()
        try:
            server.wait_until(lambda: self.stub.calls("GetQueryExecution"), 10, "the first query to run")
            status, body, headers = get_json(srv, "/unicorns?color=pink")
            self.assertEqual(503, status, body)
            self.assertEqual("athena_busy", body["detail"]["code"])
            self.assertEqual("1", headers["retry-after"])
            self.assertEqual(200, get_json(srv, "/")[0], "ingest and other routes keep working")
        finally:
            slow.join(30)
        self.assertEqual(200, first["answer"][0], first)
        self.assertEqual(1, len(self.stub.calls("StartQueryExecution")), "the refused query never started")
        self.assertEqual(200, get_json(srv, "/unicorns")[0], "the slot is free again")

    def test_a_failed_query_answers_502(self):
        self.stub.scenario(match="FROM unicorns", polls=1, final="FAILED",
                           reason="COLUMN_NOT_FOUND: line 1:8: Column 'horn' cannot be resolved")
        srv = self.start_lakegate()
        status, body, _ = get_json(srv, "/unicorns")
        self.assertEqual(502, status, body)
        self.assertEqual({"code": "athena_query_failed", "msg": "The query failed"}, body["detail"])
        self.assertIn("FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'horn' cannot be resolved", srv.log(),
                      "the reason is logged for the operator")

    # ===================== lakegate query =====================

    def test_paging_over_more_than_1000_rows(self):
        rows = [["unicorn-%04d" % i, str(i)] for i in range(2500)]
        self.stub.scenario(match="FROM big", polls=1, columns=[{"name": "name", "type": "varchar"},
                                                               {"name": "n", "type": "bigint"}], rows=rows)
        out = self.query("--format", "json", "SELECT name, n FROM big")
        self.assertEqual(0, out.returncode, out.stderr)
        got = json.loads(out.stdout)
        self.assertEqual([{"name": "unicorn-%04d" % i, "n": i} for i in range(2500)], got,
                         "every row once, in order, typed, without the header row")
        pages = self.stub.calls("GetQueryResults")
        self.assertEqual(3, len(pages), "1000 + 1000 + 501 rows (the header row comes first)")
        self.assertEqual([1000, 1000, 1000], [p["input"]["MaxResults"] for p in pages])
        self.assertNotIn("NextToken", pages[0]["input"])
        self.assertTrue(all("NextToken" in p["input"] for p in pages[1:]))
        self.assertIn("2500 rows", out.stderr)

    def test_table_and_csv_output(self):
        self.stub.scenario(match="FROM t", polls=0, columns=[{"name": "name", "type": "varchar"},
                                                             {"name": "n", "type": "bigint"}],
                           rows=[["honey", "7"], ['a, "b"', None], ["ü", "12345"]])
        table = self.query("SELECT * FROM t")
        self.assertEqual(0, table.returncode, table.stderr)
        self.assertEqual("name   | n\n"
                         "-------+------\n"
                         "honey  |     7\n"
                         'a, "b" |  NULL\n'
                         "ü      | 12345\n", table.stdout)
        csv = subprocess.run([server.lakegate_bin(), "query", "--format=csv", "SELECT * FROM t"],
                             cwd=self.workdir, env=server.clean_env(**self.stub.env()),
                             capture_output=True, timeout=60)
        self.assertEqual('name,n\r\nhoney,7\r\n"a, ""b""",\r\nü,12345\r\n'.encode(), csv.stdout,
                         "RFC 4180: CRLF, quotes doubled, NULL empty")
        piped = subprocess.run([server.lakegate_bin(), "query", "--format", "json", "-"], input="SELECT * FROM t\n",
                               cwd=self.workdir, env=server.clean_env(**self.stub.env()), capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(0, piped.returncode, piped.stderr)
        self.assertEqual([{"name": "honey", "n": 7}, {"name": 'a, "b"', "n": None}, {"name": "ü", "n": 12345}],
                         json.loads(piped.stdout), "- reads the SQL from stdin")
        self.assertEqual("SELECT * FROM t\n", self.stub.calls("StartQueryExecution")[-1]["input"]["QueryString"])
        bad = self.query("--format", "xml", "SELECT 1")
        self.assertEqual(2, bad.returncode)
        self.assertIn("--format must be table, csv or json, got 'xml'", bad.stderr)

    def test_options_and_settings_reach_the_request(self):
        self.stub.scenario(match="SELECT 1", polls=0)
        env = server.clean_env(**self.stub.env(LAKEGATE_ATHENA_WORKGROUP="from-env"))
        out = self.query("--database", "analytics", "--output", "s3://other/out/", "SELECT 1", env=env)
        self.assertEqual(0, out.returncode, out.stderr)
        sent = self.stub.calls("StartQueryExecution")[0]["input"]
        self.assertEqual({"Database": "analytics"}, sent["QueryExecutionContext"])
        self.assertEqual("from-env", sent["WorkGroup"])
        self.assertEqual({"OutputLocation": "s3://other/out/"}, sent["ResultConfiguration"])
        self.assertEqual(32, len(sent["ClientRequestToken"]), "an idempotency token Athena accepts")

    def test_a_failed_querys_reason_reaches_the_caller(self):
        self.stub.scenario(match="FROM nowhere", polls=2, final="FAILED",
                           reason="TABLE_NOT_FOUND: line 1:15: Table 'lakegate.nowhere' does not exist")
        out = self.query("SELECT * FROM nowhere")
        self.assertEqual(1, out.returncode)
        self.assertRegex(out.stderr, r"lakegate query: athena: query [0-9a-f-]{36}: FAILED: TABLE_NOT_FOUND: "
                                     r"line 1:15: Table 'lakegate.nowhere' does not exist")
        self.assertEqual([], self.stub.calls("GetQueryResults"), "no results are asked for")

    def test_a_query_past_its_deadline_is_stopped(self):
        self.stub.scenario(match="FROM forever", polls=1, final="RUNNING")
        out = self.query("--athena-timeout-ms", "1500", "SELECT * FROM forever")
        self.assertEqual(1, out.returncode)
        self.assertRegex(out.stderr, r"athena: query ([0-9a-f-]{36}): TIMEOUT: still RUNNING after 1500 ms; stopped it")
        qid = self.stub.calls("StartQueryExecution")
        stops = self.stub.calls("StopQueryExecution")
        self.assertEqual(1, len(stops), "StopQueryExecution once")
        self.assertIn(stops[0]["input"]["QueryExecutionId"], out.stderr)
        self.assertEqual(200, stops[0]["status"])
        polls = self.stub.calls("GetQueryExecution")
        self.assertGreaterEqual(len(polls), 3, "polled until the deadline")
        self.assertLessEqual(len(polls), 8, "with a growing delay, not a busy loop")
        self.assertEqual(1, len(qid))

    def test_throttling_is_retried_with_the_same_token(self):
        self.stub.scenario(match="SELECT 42", polls=0, columns=[{"name": "x", "type": "integer"}], rows=[["42"]])
        self.stub.throttle("StartQueryExecution", 2)
        self.stub.throttle("GetQueryResults", 1)
        out = self.query("--format", "json", "SELECT 42")
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual([{"x": 42}], json.loads(out.stdout))
        starts = self.stub.calls("StartQueryExecution")
        self.assertEqual(["TooManyRequestsException", "TooManyRequestsException", None],
                         [s["error"] for s in starts])
        self.assertEqual(1, len({s["input"]["ClientRequestToken"] for s in starts}),
                         "one token for every attempt: Athena runs the query once")
        self.assertEqual(2, len(self.stub.calls("GetQueryResults")), "throttled once, then served")

    def test_a_bad_signature_is_rejected(self):
        self.expect_bad_auth = True
        env = server.clean_env(**self.stub.env(secret="not-the-secret"))
        out = self.query("SELECT 1", env=env)
        self.assertEqual(1, out.returncode)
        self.assertIn("lakegate query: athena: StartQueryExecution: 403 InvalidSignatureException "
                      "(The request signature we calculated does not match", out.stderr)
        log = self.stub.log()
        self.assertEqual(["InvalidSignatureException"], [e["auth"] for e in log], "refused, not retried")
        self.assertEqual([], [e for e in log if e["operation"]], "nothing ran")


class AthenaInitTest(StubTestCase):
    """`lakegate athena init` against the stub, whose catalog the test fills."""

    UNICORN_COLUMNS = [{"name": "name", "type": "string"}, {"name": "rainbow", "type": "boolean"},
                       {"name": "horn_length_cm", "type": "double"}, {"name": "color", "type": "string"},
                       {"name": "tags", "type": "array<string>"}, {"name": "_ingested_at", "type": "timestamp"},
                       {"name": "_request_id", "type": "string"}]
    PARTITIONS = [{"name": "dt", "type": "string"}, {"name": "hr", "type": "string"}]

    def init(self, *args):
        return server.run_cli(["athena", "init", "--lake", "s3://my-lake/lake", "--routes",
                               server.example_routes()] + list(args), cwd=self.workdir,
                              env=server.clean_env(**self.stub.env()), timeout=60)

    def statements(self):
        return [c["input"]["QueryString"] for c in self.stub.calls("StartQueryExecution")]

    def test_creates_the_database_and_the_tables(self):
        out = self.init()
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual("database lakegate: ready\nlakegate.unicorns: created\n", out.stdout)
        golden = [part.split("\n\n", 1)[1] if part.startswith("--") else part
                  for part in read_golden("unicorn.sql").split(";\n\n") if part.strip()]
        self.assertEqual(golden, self.statements(), "the statements lakegate ddl prints, one per query")
        contexts = [c["input"].get("QueryExecutionContext") for c in self.stub.calls("StartQueryExecution")]
        self.assertEqual([{"Database": "default"}, {"Database": "lakegate"}], contexts)
        lookups = self.stub.calls("GetTableMetadata")
        self.assertEqual([{"CatalogName": "AwsDataCatalog", "DatabaseName": "lakegate", "TableName": "unicorns"}],
                         [c["input"] for c in lookups])

    def test_adds_the_columns_of_new_fields(self):
        old = [c for c in self.UNICORN_COLUMNS if c["name"] not in ("tags", "horn_length_cm")]
        self.stub.table(database="lakegate", name="unicorns", columns=old, partition_keys=self.PARTITIONS,
                        location="s3://my-lake/lake/unicorns")
        out = self.init()
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn("lakegate.unicorns: added columns horn_length_cm, tags\n", out.stdout)
        self.assertEqual("ALTER TABLE `lakegate`.`unicorns` ADD COLUMNS (\n"
                         "  `horn_length_cm` double COMMENT 'Horn length in centimetres',\n"
                         "  `tags` array<string>\n)", self.statements()[1])

    def test_an_up_to_date_table_is_left_alone(self):
        self.stub.table(database="lakegate", name="unicorns", columns=self.UNICORN_COLUMNS,
                        partition_keys=self.PARTITIONS, location="s3://my-lake/lake/unicorns/")
        out = self.init()
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn("lakegate.unicorns: up to date\n", out.stdout)
        self.assertEqual(1, len(self.statements()), "only CREATE DATABASE IF NOT EXISTS")

    def test_incompatible_changes_are_reported_not_applied(self):
        changed = [dict(c, type="string") if c["name"] == "rainbow" else c for c in self.UNICORN_COLUMNS
                   if c["name"] != "tags"] + [{"name": "wings", "type": "bigint"}]
        self.stub.table(database="lakegate", name="unicorns", columns=changed, partition_keys=self.PARTITIONS,
                        location="s3://my-lake/lake/unicorns/")
        out = self.init()
        self.assertEqual(1, out.returncode)
        self.assertIn("lakegate.unicorns: left as it is (see below)", out.stdout)
        self.assertIn("  lakegate.unicorns.rainbow: type changes from string to boolean\n", out.stderr)
        self.assertIn("  lakegate.unicorns.wings: the column is no longer in model Unicorn (the table keeps it)\n",
                      out.stderr)
        self.assertEqual(1, len(self.statements()), "not even the compatible ADD COLUMNS for tags")

    def test_needs_athena_and_an_s3_location(self):
        out = server.run_cli(["athena", "init", "--lake", "s3://my-lake/lake", "--routes", server.example_routes()],
                             cwd=self.workdir, env=server.clean_env(AWS_REGION="us-east-1"), timeout=30)
        self.assertEqual(1, out.returncode)
        self.assertIn("lakegate athena init: Athena is not configured", out.stderr)
        out = self.init("--lake", os.path.join(self.workdir, "lake"))
        self.assertEqual(1, out.returncode)
        self.assertIn("the tables need an s3:// location", out.stderr)
        self.assertEqual([], self.stub.log(), "nothing was sent")


def read_golden(name):
    with open(os.path.join(server.HERE, "..", "golden", "ddl", name), encoding="utf-8") as f:
        return f.read()


class DdlCommandTest(unittest.TestCase):
    def ddl(self, *args, env=None):
        return server.run_cli(["ddl", "--routes", server.example_routes()] + list(args),
                              cwd=tempfile.mkdtemp(prefix="lg_ddl_"), env=env or server.clean_env())

    def test_prints_the_golden_ddl_of_the_example(self):
        out = self.ddl("--lake", "s3://my-lake/lake")
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual(read_golden("unicorn.sql"), out.stdout)

    def test_database_and_location_options(self):
        out = self.ddl("--database", "analytics", "--location", "s3://other-bucket/data/", "--serde", "openx",
                       env=server.clean_env(LAKEGATE_LAKE="s3://my-lake/lake"))
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertIn("CREATE EXTERNAL TABLE IF NOT EXISTS `analytics`.`unicorns` (", out.stdout)
        self.assertIn("LOCATION 's3://other-bucket/data/unicorns/'", out.stdout)
        self.assertIn("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'", out.stdout)
        out = self.ddl(env=server.clean_env(LAKEGATE_ATHENA_DATABASE="from_env", LAKEGATE_LAKE="s3://my-lake/x"))
        self.assertIn("`from_env`.`unicorns`", out.stdout)

    def test_refuses_what_it_cannot_write(self):
        out = self.ddl()
        self.assertEqual(1, out.returncode)
        self.assertIn("lakegate ddl: the tables need an s3:// location: give an s3:// lake "
                      "(--lake s3://bucket/prefix) or --location", out.stderr)
        out = self.ddl("--location", "s3://b-1/x", "--database", "Bad-Name")
        self.assertEqual(1, out.returncode)
        self.assertIn("the database name must be lowercase letters, digits and _", out.stderr)
        out = self.ddl("--location")
        self.assertEqual(2, out.returncode)
        self.assertIn("option '--location' needs a value", out.stderr)


class AthenaNotConfiguredTest(unittest.TestCase):
    def test_query_routes_answer_503_without_athena(self):
        workdir = tempfile.mkdtemp(prefix="lg_athena_none_")
        srv = server.start_server(workdir, env=server.clean_env(AWS_REGION="us-east-1"))
        self.addCleanup(srv.stop)
        for path in ("/unicorns?color=pink&limit=10", "/unicorns?wait=false"):
            status, body, headers = get_json(srv, path)
            self.assertEqual(503, status, body)
            self.assertEqual("athena_not_configured", body["detail"]["code"])
            self.assertNotIn("retry-after", headers)
        status, _, _ = server.post_json(srv.port, "/unicorn", {"name": "honey", "rainbow": True})
        self.assertEqual(201, status, "ingest is not affected")


if __name__ == "__main__":
    unittest.main()
