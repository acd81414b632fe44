"""A raw TCP server that dribbles an HTTP response (slowloris): headers or body one byte at a time."""

from __future__ import annotations

import socket
import socketserver
import threading


class _Handler(socketserver.BaseRequestHandler):
    server: SlowServer

    def handle(self) -> None:
        self.request.settimeout(5)
        try:
            request = self.request.recv(65536).decode("latin-1")
        except OSError:
            return
        path = request.split(" ", 2)[1] if request.count(" ") >= 2 else "/"
        if path == "/robots.txt":
            self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        with self.server.lock:
            self.server.connections += 1
        if path.startswith("/slow-headers"):
            head, body = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Padding: " + b"a" * 10_000, b""
        else:
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
            body = b"<?xml version='1.0'?><rss><channel>" + b" " * 100_000
        try:
            if head and path.startswith("/slow-body"):
                self.request.sendall(head)
                head = b""
            for byte in (head + body):
                if self.server.stopped.wait(self.server.interval):
                    return
                self.request.sendall(bytes([byte]))
        except OSError:  # the client gave up: what the test wants
            return


class SlowServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", interval: float = 0.2) -> None:
        super().__init__((host, 0), _Handler)
        self.interval = interval
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> SlowServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.shutdown()
        self.server_close()

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}"


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then released): connecting to it is refused."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
