"""Reliability: signals that arrive while the server is busy still stop it gracefully.

The main thread takes SIGTERM, SIGINT and SIGHUP with sigwait; every other thread must
block them, or the kernel hands a signal that arrives while the main thread is busy (here:
reloading the routes after a SIGHUP) to a thread that does not block it, and its default
action kills the process: in-flight requests are cut and the lake is not closed."""
import os
import signal
import tempfile
import unittest

import server

ROUNDS = 5   # each round raced 9 times in 10 before the lake's threads blocked the signals


class SignalsTest(unittest.TestCase):

    def test_sigterm_during_a_reload_stops_the_server_gracefully(self):
        for i in range(ROUNDS):
            with self.subTest(round=i), tempfile.TemporaryDirectory(prefix="lakegate-signals-") as tmp:
                srv = server.start_server(tmp)
                self.addCleanup(srv.stop)
                os.kill(srv.proc.pid, signal.SIGHUP)    # the main thread starts reloading...
                os.kill(srv.proc.pid, signal.SIGTERM)   # ...and a stop comes in meanwhile
                code = srv.wait_exit()
                self.assertEqual(0, code, "a graceful stop (%s); log:\n%s" % (
                    "killed by %s" % signal.Signals(-code).name if code < 0 else "exit %d" % code, srv.log()))
                self.assertIn("stopped", srv.log().splitlines()[-1], "the server said it stopped")


if __name__ == "__main__":
    unittest.main()
