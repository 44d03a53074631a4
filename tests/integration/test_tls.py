"""TLS: HTTP and HTTPS listeners side by side, a self-signed certificate made here with
openssl, TLS 1.2 at least, and civetweb's OpenSSL 3 incompatibility worked around by the
compatibility libraries the build ships (the first HTTPS request used to crash it)."""
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest

import server


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    return cert, key


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lakegate-tls-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.cert, cls.key = make_certificate(cls.tmp)
        cls.tls_port = server.free_port()
        cls.srv = server.start_server(cls.tmp, extra=(
            "--tls-listen", "%s:%d" % (server.HOST, cls.tls_port), "--tls-cert", cls.cert,
            "--tls-key", cls.key))
        cls.addClassCleanup(cls.srv.stop)

    def https(self, method, path, body=None, context=None):
        context = context or ssl.create_default_context(cafile=self.cert)
        conn = http.client.HTTPSConnection(server.HOST, self.tls_port, timeout=10, context=context)
        self.addCleanup(conn.close)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read()), conn.sock.version()

    def test_https_serves_the_routes_with_a_verified_certificate(self):
        for _ in range(3):   # several connections: the first used to crash civetweb
            status, body, version = self.https("POST", "/unicorn", {"name": "secure", "rainbow": True})
            self.assertEqual(201, status)
            self.assertEqual("secure", body["name"])
            self.assertIn(version, ("TLSv1.2", "TLSv1.3"))

    def test_plain_http_listener_keeps_working(self):
        self.assertEqual(200, server.request(self.srv.port, "GET", "/")[0])

    def test_tls_below_1_2_is_refused(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_ciphers("DEFAULT@SECLEVEL=0")   # the client is willing: only the server refuses
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
        with socket.create_connection((server.HOST, self.tls_port), timeout=10) as sock:
            with self.assertRaises(ssl.SSLError):
                with context.wrap_socket(sock) as tls:
                    tls.recv(1)
        self.assertEqual(200, self.https("GET", "/")[0], "the server keeps serving")

    def test_the_compatibility_libssl_is_the_one_loaded(self):
        self.https("GET", "/")
        with open("/proc/%d/maps" % self.srv.proc.pid) as f:
            maps = f.read()
        self.assertRegex(maps, r"/libssl\.so\n", "the shim libssl.so (not only libssl.so.3) is mapped")

    def test_missing_key_refuses_to_start(self):
        r = server.run_cli(["serve", "--listen", "%s:%d" % (server.HOST, server.free_port()),
                            "--routes", server.example_routes(), "--lake", os.path.join(self.tmp, "l2"),
                            "--tls-listen", "%s:%d" % (server.HOST, server.free_port()),
                            "--tls-cert", self.cert, "--tls-key", os.path.join(self.tmp, "nope.pem")],
                           cwd=self.tmp, env=server.clean_env())
        self.assertEqual(1, r.returncode)
        self.assertIn("cannot load the key", r.stderr)


if __name__ == "__main__":
    unittest.main()
