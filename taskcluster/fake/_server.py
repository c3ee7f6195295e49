"""The HTTP side of the fake deployment: the standard library's threading
HTTP server (``http.server``), serving from a background thread.

Why the standard library and not aiohttp (a dependency of the package
already): the fixture's start.  Importing aiohttp costs 140-250 ms on a
first start (its client and connector modules come with the package),
while ``http.server`` costs about 35 ms, which keeps the first start of
the pytest fixture, imports included, under 100 ms; and speed is not what
the standard server lacks here (one client on a keep-alive connection gets
1,500+ calls a second; see bench/fake.py).  What it lacks is added below:
request bodies sent chunked are decoded, every answer has a
Content-Length (HTTP/1.1 keep-alive), and :meth:`HttpServer.stop` closes
the open connections too, so the port and every connection are closed and
every handler thread has ended when it returns.

Each connection has its thread; the deployment serializes the requests.
The handler given is synchronous and pure of HTTP:
``handle(method, target, headers, body) -> (status, headers, body)``.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Callable, Mapping, Optional, Set, Tuple

__all__ = ["HttpServer"]

Handler = Callable[[str, str, Mapping[str, str], bytes], Tuple[int, Mapping[str, str], bytes]]

_MAX_LINE = 65536


class _BadRequest(Exception):
    pass


class HttpServer:
    def __init__(self, handle: Handler, host: str, port: int) -> None:
        self._handle = handle
        self._host = host
        self._port = port
        self._server = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self._connections: Set[socket.socket] = set()
        self._threads: Set[threading.Thread] = set()
        self._stopping = False
        self.port = 0

    # -- connections, so that stop() can close them --------------------------

    def _opened(self, conn: socket.socket) -> bool:
        with self._lock:
            if self._stopping:
                return False
            self._connections.add(conn)
            self._threads.add(threading.current_thread())
            return True

    def _closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)
            self._threads.discard(threading.current_thread())

    def start(self) -> int:
        """Listen (errors such as a port in use are raised here) and serve
        from a background thread; returns the port."""
        from http.server import ThreadingHTTPServer

        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET

        class Server(ThreadingHTTPServer):
            address_family = family
            # Daemon threads, joined by stop(): a deployment never stopped
            # must not keep the interpreter from exiting.
            daemon_threads = True

        server = Server((self._host, self._port), _handler_class(self))
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={
            "poll_interval": 0.05}, name="taskcluster-fake:%d" % self.port, daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Close the port and every open connection; return once every
        handler thread has ended."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()          # no more accepts
        thread.join()
        with self._lock:
            self._stopping = True
            connections = list(self._connections)
            threads = list(self._threads)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()      # the listening socket
        for handler in threads:    # each ends at its connection's end
            handler.join()


def _handler_class(owner: HttpServer):
    from http.server import BaseHTTPRequestHandler

    handle = owner._handle

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "taskcluster-fake"
        sys_version = ""
        # Buffered: an answer's headers and body leave in one write (flushed
        # after each request), not in small writes Nagle's algorithm holds
        # back until the client's delayed ACK, 40 ms a call.
        wbufsize = 64 * 1024

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if not owner._opened(self.connection):
                self.close_connection = True
                self.rfile.close()

        def handle(self) -> None:
            if not self.rfile.closed:
                super().handle()

        def finish(self) -> None:
            try:
                super().finish()
            finally:
                owner._closed(self.connection)

        def log_message(self, format, *args) -> None:  # no access log on stderr
            pass

        def handle_expect_100(self) -> bool:
            # "100 Continue" must leave now, not with the answer: the client
            # waits for it before it sends the body.
            go_on = super().handle_expect_100()
            self.wfile.flush()
            return go_on

        def _body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                parts = []
                while True:
                    line = self.rfile.readline(_MAX_LINE)
                    try:
                        size = int(line.split(b";", 1)[0].strip(), 16)
                    except ValueError:
                        raise _BadRequest("a chunk size is not hexadecimal") from None
                    if size == 0:
                        while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline(_MAX_LINE)
            length = self.headers.get("Content-Length")
            if not length:
                return b""
            try:
                n = int(length)
            except ValueError:
                raise _BadRequest("Content-Length is not a number") from None
            data = self.rfile.read(n)
            if len(data) != n:
                raise _BadRequest("the body ended early")
            return data

        def _serve(self) -> None:
            try:
                body = self._body()
            except _BadRequest as e:
                self.close_connection = True
                self._answer(400, {"Content-Type": "application/json"}, json.dumps(
                    {"code": "MalformedPayload", "message": str(e)}).encode("utf-8"))
                return
            try:
                status, headers, data = handle(self.command, self.path, self.headers, body)
            except Exception as e:   # a bug of the fake: still an answer with a code
                status, headers = 500, {"Content-Type": "application/json"}
                data = json.dumps({"code": "InternalServerError",
                                   "message": "the fake deployment failed: %s: %s"
                                   % (type(e).__name__, e)}).encode("utf-8")
            self._answer(status, headers, data)

        def _answer(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    return RequestHandler
