"""A real HTTP server on 127.0.0.1 for the tests: records every request and
answers as it is told, faults included.

    with LoopbackServer() as server:
        server.plan(Reply(503), Reply(503))      # then the default answer
        client = Queue({"rootUrl": server.url})
        ...
        server.requests[-1].headers["authorization"]

Actions, taken one per request in order; then, for a path given to
``serve(path, action)``, that action (a deployment's fixed files); then the
answer of the function given to ``respond(fn)``, if it returns one (per
request decisions, e.g. fail the first attempt of some calls); then the
default (200 echoing the request as JSON):
  Reply(status, body=..., headers=...)   body: bytes, str, or JSON-able
  Reset(after_headers=False)             close the connection abruptly
  ResetDuringBody(after=n)               reset after reading n bytes of the
                                         request's body (taken from the plan
                                         before the body is read)
  Hang(seconds)                          hold the answer (client timeouts)
  Truncate(status=200)                   promise more body than is sent
  Truncate(200, body=b"..", length=n,    send ``body`` under Content-Length n,
           headers={...}, reset=False)   then close (or reset) the connection
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)


@dataclass
class Reset:
    after_headers: bool = False


@dataclass
class ResetDuringBody:
    after: int = 0


@dataclass
class Hang:
    seconds: float


@dataclass
class Truncate:
    status: int = 200
    body: Optional[bytes] = None
    length: Optional[int] = None
    headers: Dict[str, str] = field(default_factory=dict)
    reset: bool = False


@dataclass(frozen=True)
class Recorded:
    method: str
    target: str
    headers: Dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle holds
    # the body until the client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, *args):  # keep test output clean
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        early = self.server.owner._take_early()
        if early is not None:
            self.rfile.read(min(length, early.after))
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.server.owner._record(Recorded(self.command, self.path, headers, b""),
                                      planned=False)
            self._reset()
            return
        body = self.rfile.read(length) if length else b""
        target = self.path
        if "://" in target:  # absolute-form (through a proxy): keep path+query
            target = "/" + target.split("://", 1)[1].split("/", 1)[1]
        rec = Recorded(self.command, target,
                       {k.lower(): v for k, v in self.headers.items()}, body)
        owner = self.server.owner
        action = owner._record(rec)
        if isinstance(action, Reset):
            if action.after_headers:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "100")
                self.end_headers()
                self.wfile.flush()
            self._reset()
            return
        if isinstance(action, Hang):
            time.sleep(action.seconds)
            action = Reply(200, {"late": True})
        if isinstance(action, Truncate):
            body = b'{"partial": ' if action.body is None else action.body
            self.send_response(action.status)
            headers = action.headers or {"Content-Type": "application/json"}
            for k, v in headers.items():
                self.send_header(k, v)
            length = action.length if action.length is not None else max(1000, 2 * len(body))
            self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            if action.reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
            return
        if action is None:
            action = Reply(200, {"method": rec.method, "target": rec.target})
        payload = action.body
        headers = dict(action.headers)
        if payload is None:
            data = b""
        elif isinstance(payload, bytes):
            data = payload
        elif isinstance(payload, str):
            data = payload.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain")
        else:
            data = json.dumps(payload).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        self.send_response(action.status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reset(self):
        # RST instead of FIN: the client sees a reset connection.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # An async client opens up to 100 connections at once; the default
    # backlog (5) drops most of their SYNs (retried by the kernel a second
    # later, or refused): faults the tests did not plan.
    request_queue_size = 128
    owner: "LoopbackServer"

    def handle_error(self, request, client_address):
        # A client that gave up (a timeout) and closed its end is what the
        # tests ask for, not an error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def process_request(self, request, client_address):
        # One daemon thread per connection (never joined), as ThreadingMixIn
        # makes them, but named: a test looking for threads its client left
        # behind tells the server's apart by name.
        threading.Thread(target=self.process_request_thread, args=(request, client_address),
                         name="loopback-connection", daemon=True).start()

    def get_request(self):
        conn, addr = super().get_request()
        self.owner._count_connection()
        return conn, addr


class LoopbackServer:
    def __init__(self):
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._lock = threading.Lock()
        self._plan: deque = deque()
        self._routes: Dict[str, Any] = {}
        self._responder: Callable[[Recorded], Any] | None = None
        self.requests: List[Recorded] = []
        self.connections = 0
        # shutdown() waits for the next poll: a short one keeps each test's
        # teardown at milliseconds, not 50 ms (300 tests: 15 s).
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.005}, daemon=True,
                                        name="loopback-server")

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return "http://127.0.0.1:%d" % self.port

    def plan(self, *actions) -> None:
        with self._lock:
            self._plan.extend(actions)

    def serve(self, path: str, action: Any) -> None:
        """Answer every request for ``path`` (query ignored) with ``action``
        once the plan is used up."""
        with self._lock:
            self._routes[path] = action

    def respond(self, fn: Callable[[Recorded], Any] | None) -> None:
        """Ask ``fn(recorded)`` for the action (or None: the default) for each
        request that neither the plan nor ``serve`` answers.  It is called
        under the server's lock, one request at a time."""
        with self._lock:
            self._responder = fn

    def _take_early(self) -> Optional[ResetDuringBody]:
        with self._lock:
            if self._plan and isinstance(self._plan[0], ResetDuringBody):
                return self._plan.popleft()
            return None

    def _record(self, rec: Recorded, planned: bool = True) -> Optional[Any]:
        with self._lock:
            self.requests.append(rec)
            if not planned:
                return None
            if self._plan:
                return self._plan.popleft()
            action = self._routes.get(rec.path)
            if action is None and self._responder is not None:
                action = self._responder(rec)
            return action

    def _count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
