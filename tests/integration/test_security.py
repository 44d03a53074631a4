"""Auth and traffic control over real HTTP: API keys from the environment and from a file
(hashed), 401 with WWW-Authenticate, one token bucket shared by every worker thread (429
with Retry-After), CORS, a gateway's root path, and X-Forwarded-* only from a trusted proxy."""
import hashlib
import json
import os
import shutil
import tempfile
import threading
import unittest

import server

KEY = "k-team-0123456789abcdef"
FILE_KEY = "k-file-fedcba9876543210"
BUCKET_KEY = "k-bucket-00000000000000"   # used only by the shared-bucket test


class SecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lakegate-security-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        keys_file = os.path.join(cls.tmp, "keys")
        with open(keys_file, "w") as f:
            f.write("# name secret\nfiled sha256:%s\n" % hashlib.sha256(FILE_KEY.encode()).hexdigest())
        env = server.clean_env(LAKEGATE_API_KEYS="team:%s,bucket:%s" % (KEY, BUCKET_KEY))
        cls.srv = server.start_server(cls.tmp, env=env, extra=(
            "--auth", "api_key", "--api-keys-file", keys_file, "--rate-limit", "20/m",
            "--cors-origins", "https://app.example", "--root-path", "/prod", "--trust-proxy"))
        cls.addClassCleanup(cls.srv.stop)

    def post(self, path="/unicorn", headers=None):
        return server.post_json(self.srv.port, path, {"name": "auth", "rainbow": True}, headers=headers)

    def test_a_request_without_a_key_is_401_with_a_challenge(self):
        status, headers, body = self.post(headers={"X-Forwarded-For": "10.1.0.1"})
        self.assertEqual(401, status)
        self.assertEqual('Bearer realm="lakegate"', headers["www-authenticate"])
        self.assertEqual({"detail": "Not authenticated"}, json.loads(body))

    def test_keys_from_the_environment_and_the_hashed_file_work(self):
        self.assertEqual(201, self.post(headers={"X-API-Key": KEY, "X-Forwarded-For": "10.1.0.2"})[0])
        self.assertEqual(201, self.post(headers={"Authorization": "Bearer " + FILE_KEY,
                                                 "X-Forwarded-For": "10.1.0.2"})[0])
        self.assertEqual(401, self.post(headers={"X-API-Key": FILE_KEY + "x", "X-Forwarded-For": "10.1.0.2"})[0])

    def test_the_health_endpoints_need_no_key(self):
        self.assertEqual(200, server.request(self.srv.port, "GET", "/healthz")[0])
        self.assertEqual(200, server.request(self.srv.port, "GET", "/readyz")[0])

    def test_one_bucket_is_shared_by_every_worker(self):
        # 20/m for one API key, from 8 threads on their own connections at once.
        statuses, lock = [], threading.Lock()

        def client():
            for _ in range(5):
                status, headers, _ = server.request(self.srv.port, "GET", "/",
                                                    headers={"X-API-Key": BUCKET_KEY, "X-Forwarded-For": "10.9.9.9"})
                with lock:
                    statuses.append((status, headers.get("retry-after")))

        threads = [threading.Thread(target=client) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        ok = [s for s, _ in statuses if s == 200]
        limited = [r for s, r in statuses if s == 429]
        self.assertEqual(40, len(statuses))
        self.assertEqual(20, len(ok), "the bucket allows 20 a minute across all threads")
        self.assertGreaterEqual(len(limited), 20)
        self.assertTrue(all(r and int(r) >= 1 for r in limited), "429 carries Retry-After")

    def test_cors_preflight_and_headers(self):
        status, headers, _ = server.request(self.srv.port, "OPTIONS", "/unicorn", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual(204, status)
        self.assertEqual("https://app.example", headers["access-control-allow-origin"])
        status, headers, _ = self.post(headers={"Origin": "https://app.example", "X-Forwarded-For": "10.1.0.3"})
        self.assertEqual(401, status)
        self.assertEqual("https://app.example", headers["access-control-allow-origin"],
                         "errors carry CORS headers so browsers can read them")

    def test_the_root_path_prefix_is_stripped_for_routing(self):
        for path in ("/prod/unicorn", "/unicorn"):
            status, _, _ = self.post(path, headers={"X-API-Key": KEY, "X-Forwarded-For": "10.1.0.4"})
            self.assertEqual(201, status, path)
        self.assertEqual(404, self.post("/production/unicorn", headers={"X-API-Key": KEY})[0])

    def test_the_forwarded_client_is_logged_when_the_proxy_is_trusted(self):
        self.post(headers={"X-API-Key": KEY, "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
                           "X-Request-Id": "forwarded-check"})
        server.wait_until(lambda: "forwarded-check" in self.srv.log(), 5, "the access line")
        line = [json.loads(l) for l in self.srv.log().splitlines() if "forwarded-check" in l and '"access"' in l][0]
        self.assertEqual("203.0.113.7", line["client"])


class UntrustedProxyTest(unittest.TestCase):
    def test_forwarded_headers_are_ignored_by_default(self):
        tmp = tempfile.mkdtemp(prefix="lakegate-security-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        srv = server.start_server(tmp)
        self.addCleanup(srv.stop)
        server.request(srv.port, "GET", "/", headers={"X-Forwarded-For": "203.0.113.7", "X-Request-Id": "untrusted"})
        server.wait_until(lambda: "untrusted" in srv.log(), 5, "the access line")
        line = [json.loads(l) for l in srv.log().splitlines() if "untrusted" in l][0]
        self.assertEqual("127.0.0.1", line["client"])

    def test_check_refuses_api_key_auth_without_keys(self):
        r = server.run_cli(["check", "--routes", server.example_routes(), "--auth", "api_key"],
                           cwd=tempfile.gettempdir(), env=server.clean_env())
        self.assertEqual(1, r.returncode)
        self.assertIn("auth = api_key needs keys", r.stderr)


if __name__ == "__main__":
    unittest.main()
