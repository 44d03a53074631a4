"""A TCP proxy on 127.0.0.1 that injects network faults between a client (lakegate) and a
server (moto), for outage tests. Standard library only; runs in threads of the test.

Modes (set_mode): "pass" forwards both ways; "reset" accepts and resets every connection
(RST); "refuse" closes the listening socket, so connections are refused, and cuts the
open ones; "stall" accepts and forwards nothing; "hold" forwards requests to the server
but drops its answers (the server acts, the client never learns it did). reset_next(n)
resets the next n connections, then passes again. Everything it starts stops in stop().
"""
import socket
import struct
import threading

HOST = "127.0.0.1"
POLL_S = 0.05
CHUNK = 65536


class FaultProxy:
    def __init__(self, target_port, target_host=HOST):
        self.target = (target_host, target_port)
        self.port = None
        self.accepted = 0           # connections accepted, in any mode
        self._mode = "pass"
        self._resets_left = 0
        self._lock = threading.Lock()
        self._listener = None
        self._stopping = threading.Event()
        self._threads = []
        self._conns = set()

    # ---------------- control ----------------

    def start(self):
        self._listen(0)
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def set_mode(self, mode):
        if mode not in ("pass", "reset", "refuse", "stall", "hold"):
            raise ValueError(mode)
        with self._lock:
            self._mode = mode
            if mode == "refuse":
                self._close_listener()
            elif self._listener is None:
                self._listen(self.port)
            if mode in ("refuse", "reset"):
                self._cut_all()   # open connections fail too, as in a real outage

    def reset_next(self, n):
        with self._lock:
            self._resets_left = n

    def stop(self):
        self._stopping.set()
        with self._lock:
            self._close_listener()
            self._cut_all()
        for t in self._threads:
            t.join(timeout=5)

    @property
    def endpoint(self):
        return "http://%s:%d" % (HOST, self.port)

    # ---------------- internals ----------------

    def _listen(self, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, port))
        s.listen(64)
        s.settimeout(POLL_S)
        self._listener = s
        self.port = s.getsockname()[1]

    def _close_listener(self):
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _cut_all(self):
        for c in list(self._conns):
            _reset(c)
        self._conns.clear()

    def _accept_loop(self):
        while not self._stopping.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                self._stopping.wait(POLL_S)
                continue
            try:
                client, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            self._handle(client)

    def _handle(self, client):
        with self._lock:
            self.accepted += 1
            mode = self._mode
            if self._resets_left > 0:
                self._resets_left -= 1
                mode = "reset"
            if mode != "reset":
                self._conns.add(client)
        if mode == "reset":
            _reset(client)
            return
        if mode == "stall":
            return   # kept open, never answered, cut by set_mode or stop
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        with self._lock:
            self._conns.add(upstream)
        for src, dst, answers in ((client, upstream, False), (upstream, client, True)):
            t = threading.Thread(target=self._pump, args=(src, dst, answers), daemon=True)
            t.start()
            self._threads.append(t)

    def _pump(self, src, dst, answers):
        src.settimeout(POLL_S)
        while not self._stopping.is_set():
            try:
                data = src.recv(CHUNK)
            except socket.timeout:
                continue
            except OSError:
                break
            if not data:
                break
            if answers and self._mode == "hold":
                continue
            try:
                dst.sendall(data)
            except OSError:
                break
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self._lock:
            self._conns.discard(src)
        src.close()


def _reset(sock):
    """Closes with RST instead of FIN (SO_LINGER 0): the peer sees a reset."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
