"""Limits: each answers with its status (413, 400, 408, 431) and the server keeps serving
others; idle and slow clients cannot hold the workers."""
import shutil
import socket
import tempfile
import time
import unittest

import server

THREADS = 4
TIMEOUT_MS = 1000   # request and keep-alive timeouts, kept short for the test


def read_until_closed(sock, deadline_s):
    """Everything the server sends until it closes the connection (or the deadline)."""
    sock.settimeout(0.1)
    data, end = b"", time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
    return data


def status_of(raw):
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else None


class LimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lakegate-limits-")
        cls.srv = server.start_server(cls.tmp, extra=(
            "--threads", str(THREADS), "--request-timeout-ms", str(TIMEOUT_MS),
            "--keep-alive-timeout-ms", str(TIMEOUT_MS), "--max-header-size", "4096",
            "--max-body-size", "1000", "--max-json-depth", "32"))
        cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.addClassCleanup(cls.srv.stop)

    def connect(self):
        sock = socket.create_connection((server.HOST, self.srv.port), timeout=5)
        self.addCleanup(sock.close)
        return sock

    def assert_still_serving(self):
        status, _, _ = server.request(self.srv.port, "GET", "/")
        self.assertEqual(200, status, "the server keeps serving others")

    def test_oversize_body_is_413(self):
        status, _, _ = server.post_json(self.srv.port, "/unicorn", b'{"name":"' + b"x" * 2000 + b'"}')
        self.assertEqual(413, status)
        self.assert_still_serving()

    def test_too_deep_json_is_400(self):
        status, _, body = server.post_json(self.srv.port, "/unicorn", b"[" * 40 + b"]" * 40)
        self.assertEqual(400, status)
        self.assertIn(b"Maximum nesting depth exceeded", body)
        self.assert_still_serving()

    def test_malformed_request_line_is_400(self):
        sock = self.connect()
        sock.sendall(b"NOT HTTP\r\n\r\n")
        raw = read_until_closed(sock, 3)
        self.assertEqual(400, status_of(raw), raw[:200])
        self.assertIn(b'{"detail":', raw)
        self.assert_still_serving()

    def test_oversize_headers_are_431(self):
        sock = self.connect()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8000 + b"\r\n\r\n")
        raw = read_until_closed(sock, 3)
        self.assertEqual(431, status_of(raw), raw[:200])
        self.assert_still_serving()

    def test_headers_that_never_finish_are_408(self):
        sock = self.connect()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        raw = read_until_closed(sock, 5)
        self.assertEqual(408, status_of(raw), raw[:200])
        self.assertLess(time.monotonic() - started, TIMEOUT_MS / 1000 + 1.0, "answered at the timeout")
        self.assert_still_serving()

    def test_body_trickled_byte_by_byte_is_408(self):
        sock = self.connect()
        sock.sendall(b"POST /unicorn HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 500\r\n\r\n")
        started, raw = time.monotonic(), b""
        sock.settimeout(0.2)
        while time.monotonic() - started < 10 and not raw:
            try:
                sock.sendall(b" ")   # one byte, well within the per-read timeout
                raw = sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
        self.assertEqual(408, status_of(raw), raw[:200])
        self.assertLess(time.monotonic() - started, TIMEOUT_MS / 1000 + 1.0,
                        "a trickled body is cut at the request timeout, however fast each byte comes")
        self.assert_still_serving()

    def test_idle_connections_beyond_the_threads_do_not_block_new_clients(self):
        idle = [self.connect() for _ in range(THREADS * 4)]   # connected, never sending
        keep_alive = []
        for _ in range(THREADS - 1):                          # and idle keep-alive ones
            sock = self.connect()
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            keep_alive.append(sock)
        started = time.monotonic()
        status, _, _ = server.request(self.srv.port, "GET", "/", timeout=10)
        waited = time.monotonic() - started
        self.assertEqual(200, status)
        self.assertLess(waited, TIMEOUT_MS / 1000 + 1.0, "a new client is answered within the idle timeout + 1 s")
        self.assertEqual(len(idle), THREADS * 4)


if __name__ == "__main__":
    unittest.main()
