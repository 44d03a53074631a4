"""lakegate's Athena client in the real binary against moto's Athena (moto_launcher.py,
signature checking on): queries walk QUEUED -> RUNNING -> SUCCEEDED through moto's state
manager and return results seeded through /moto-api/static/athena/query-results; boto3
reads back what moto recorded. Paging, failures, timeouts and throttling, which moto
does not do, are tested against athena_stub.py in test_athena.py."""
import datetime
import json
import tempfile
import unittest

import server
from athena_server import RESULTS, MotoAthena, get_json

UNICORN_COLUMNS = [("name", "varchar"), ("rainbow", "boolean"), ("horn_length_cm", "double"),
                   ("color", "varchar"), ("tags", "array"), ("_ingested_at", "timestamp")]


class AthenaMotoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = MotoAthena(buckets=["lakegate-results"]).start()
        cls.addClassCleanup(cls.moto.stop)

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="lg_athena_moto_")
        self.moto.walk_states(2)   # QUEUED for 2 polls, RUNNING for 2, then SUCCEEDED

    def start_lakegate(self):
        srv = server.start_server(self.workdir, env=server.clean_env(**self.moto.env()))
        self.addCleanup(srv.stop)
        return srv

    def test_query_prints_the_seeded_rows(self):
        self.moto.seed_results([("name", "varchar"), ("n", "bigint"), ("cm", "double")],
                               [["honey", "7", "12.5"], ["dusk", None, "0.5"]])
        out = server.run_cli(["query", "--format", "json", "SELECT name, n, cm FROM unicorns"],
                             cwd=self.workdir, env=server.clean_env(**self.moto.env()), timeout=60)
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual([{"name": "honey", "n": 7, "cm": 12.5}, {"name": "dusk", "n": None, "cm": 0.5}],
                         json.loads(out.stdout))
        qid = out.stderr.strip().rsplit(" ", 1)[1]
        recorded = self.moto.boto({"op": "athena_execution", "query_id": qid})[0]
        self.assertEqual("SUCCEEDED", recorded["state"])
        self.assertEqual("SELECT name, n, cm FROM unicorns", recorded["query"])
        self.assertEqual("lakegate", recorded["database"])
        self.assertTrue(recorded["output"].startswith(RESULTS), recorded)

    def test_the_route_sends_parameters_and_types_the_rows(self):
        self.moto.seed_results(UNICORN_COLUMNS, [["honey", "true", "12.5", "pink", "[]", "2026-11-27 02:19:44.932"]])
        srv = self.start_lakegate()
        status, body, _ = get_json(srv, "/unicorns?color=pink&limit=5")
        self.assertEqual(200, status, body)
        self.assertEqual([{"name": "honey", "rainbow": True, "horn_length_cm": 12.5, "color": "pink",
                           "tags": "[]", "_ingested_at": "2026-11-27T02:19:44.932"}], body["unicorns"])
        recorded = self.moto.boto({"op": "athena_execution", "query_id": body["query_id"]})[0]
        since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=7)).strftime("%Y-%m-%d")
        self.assertEqual(["'%s'" % since, "'pink'", "5"], recorded["parameters"])
        self.assertIn("color = ?", recorded["query"])

    def test_async_query_walks_the_states(self):
        self.moto.seed_results(UNICORN_COLUMNS, [["u1", "false", None, "gold", "[a]", None]])
        srv = self.start_lakegate()
        status, body, _ = get_json(srv, "/unicorns?color=gold&wait=false")
        self.assertEqual(202, status, body)
        states = []

        def finished():
            st, doc, _ = get_json(srv, "/queries/" + body["query_id"])
            self.assertEqual(200, st, doc)
            states.append(doc["state"])
            return doc if doc["state"] == "SUCCEEDED" else None
        doc = server.wait_until(finished, 20, "moto's query to succeed")
        self.assertEqual(["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"], states)
        self.assertEqual([{"name": "u1", "rainbow": False, "color": "gold", "tags": "[a]"}], doc["rows"])

    def test_a_wrong_secret_is_refused(self):
        out = server.run_cli(["query", "SELECT 1"], cwd=self.workdir,
                             env=server.clean_env(**self.moto.env(secret="not-the-secret")), timeout=60)
        self.assertEqual(1, out.returncode)
        self.assertIn("lakegate query: athena: StartQueryExecution: 403 SignatureDoesNotMatch", out.stderr)


if __name__ == "__main__":
    unittest.main()
