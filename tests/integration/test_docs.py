"""The API documentation: /openapi.json is a valid OpenAPI 3.1 document (checked by an
independent validator) equal to `lakegate openapi`, and Swagger UI at /docs renders, from
local assets only, and its "Try it out" gets a 201 from the server (headless Chromium)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import server

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def node(script, *args, timeout=120):
    return subprocess.run(["node", os.path.join(HERE, "docs", script)] + list(args), cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


class DocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lakegate-docs-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.srv = server.start_server(cls.tmp)
        cls.addClassCleanup(cls.srv.stop)

    def test_openapi_document_is_valid(self):
        status, headers, body = server.request(self.srv.port, "GET", "/openapi.json")
        self.assertEqual(200, status)
        self.assertEqual("application/json", headers["content-type"])
        path = os.path.join(self.tmp, "openapi.json")
        with open(path, "wb") as f:
            f.write(body)
        r = node("validate_openapi.js", path)
        self.assertEqual(0, r.returncode, r.stderr + r.stdout)
        doc = json.loads(body)
        self.assertEqual("3.1.0", doc["openapi"])
        post = doc["paths"]["/unicorn"]["post"]
        self.assertEqual({"$ref": "#/components/schemas/Unicorn"},
                         post["requestBody"]["content"]["application/json"]["schema"])
        self.assertEqual({"$ref": "#/components/schemas/HTTPValidationError"},
                         post["responses"]["422"]["content"]["application/json"]["schema"])
        self.assertNotIn("/docs", doc["paths"], "the documentation routes are not documented")

    def test_cli_prints_the_same_document(self):
        r = server.run_cli(["openapi", "--routes", server.example_routes()], cwd=self.tmp,
                           env=server.clean_env())
        self.assertEqual(0, r.returncode, r.stderr)
        served = json.loads(server.request(self.srv.port, "GET", "/openapi.json")[2])
        self.assertEqual(served, json.loads(r.stdout))

    def test_swagger_ui_try_it_out_gets_a_201(self):
        artifacts = os.environ.get("LAKEGATE_ARTIFACTS") or self.tmp
        os.makedirs(artifacts, exist_ok=True)
        shot = os.path.join(artifacts, "swagger-ui.png")
        r = node("swagger_ui.js", "http://%s:%d" % (server.HOST, self.srv.port), shot, timeout=180)
        self.assertEqual(0, r.returncode, r.stderr + r.stdout + "\nlog:\n" + self.srv.log()[-3000:])
        self.assertGreater(os.path.getsize(shot), 10000, "a screenshot of the rendered page")
        self.assertIn('"POST /unicorn" ', self.srv.log().replace('"method":"POST","path":"/unicorn"', '"POST /unicorn" '),
                      "the request reached the server")

    def test_redoc_page_and_assets_are_served_locally(self):
        status, _, body = server.request(self.srv.port, "GET", "/redoc")
        self.assertEqual(200, status)
        self.assertIn(b'src="/docs/assets/redoc.standalone.js"', body)
        for asset in ("redoc.standalone.js", "swagger-ui-bundle.js", "swagger-ui.css"):
            status, headers, data = server.request(self.srv.port, "GET", "/docs/assets/" + asset)
            self.assertEqual(200, status, asset)
            self.assertGreater(len(data), 10000, asset)
        self.assertEqual(404, server.request(self.srv.port, "GET", "/docs/assets/..%2Fbuild.ninja")[0])


if __name__ == "__main__":
    unittest.main()
