"""Misbehaving HTTP servers on 127.0.0.1 for the hostile-server tests: each
reads a request whole, then answers it with raw bytes as a ``behave``
function decides (huge, endless, compressed bombs, trickled, malformed).

    with HostileServer(behave) as server:          # behave(conn, request) -> keep?
        Queue({"rootUrl": server.url}).ping()
        server.connections, server.requests

The recording ``LoopbackServer`` speaks correct HTTP through http.server;
these speak whatever the test needs, byte by byte.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from typing import Callable, Iterable, List

__all__ = ["HostileServer", "head", "json_answer", "send_forever", "trickle", "bomb"]


def head(status: str = "200 OK", *, version: str = "HTTP/1.1", **headers) -> bytes:
    """A status line and headers (``Content_Length=5`` -> ``Content-Length: 5``);
    a list value sends the header once per item.  ``version="HTTP/1.0"``
    for an HTTP/1.0 answer."""
    lines = ["%s %s" % (version, status)]
    for name, value in headers.items():
        for v in value if isinstance(value, list) else [value]:
            lines.append("%s: %s" % (name.replace("_", "-"), v))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def json_answer(body: bytes = b'{"ok":true}', status: str = "200 OK") -> bytes:
    return head(status, Content_Type="application/json", Content_Length=len(body)) + body


def send_forever(conn: socket.socket, first: bytes, pieces: Iterable[bytes]) -> None:
    """Send ``first`` then each piece until the pieces or the client give out."""
    try:
        conn.sendall(first)
        for piece in pieces:
            conn.sendall(piece)
    except OSError:  # the client gave up, as it should
        pass


def trickle(conn: socket.socket, data: bytes, interval: float = 1.0) -> None:
    """Send ``data`` one byte every ``interval`` seconds (within any
    per-operation timeout, never finishing in time)."""
    try:
        for i in range(len(data)):
            conn.sendall(data[i:i + 1])
            time.sleep(interval)
    except OSError:
        pass


def bomb(wbits: int, decoded: int = 2**30, block: int = 2**20) -> bytes:
    """A compressed body (gzip for ``wbits=31``, zlib's deflate for 15) that
    decodes to ``decoded`` zero bytes.  Built from one fully flushed block
    repeated, which decodes the same each time: milliseconds instead of the
    seconds it takes to compress 1 GiB."""
    assert decoded % block == 0
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = raw.compress(bytes(block)) + raw.flush(zlib.Z_FULL_FLUSH)
    final = raw.flush(zlib.Z_FINISH)
    count = decoded // block
    zeros, crc = bytes(block), 0
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    # Adler-32 of n zero bytes: the sum stays 1, the sum of sums is n.
    adler = (decoded % 65521) << 16 | 1
    body = segment * count + final
    if wbits == 31:
        return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body
                + crc.to_bytes(4, "little") + (decoded % 2**32).to_bytes(4, "little"))
    return b"\x78\xda" + body + adler.to_bytes(4, "big")


class HostileServer:
    """Accepts connections on 127.0.0.1, one thread each.  Each request (its
    head, and a body of the declared Content-Length) is read whole and kept
    in ``requests``, then ``behave(conn, request)`` answers it; the
    connection serves another request when it returns True, else is
    closed (FIN)."""

    def __init__(self, behave: Callable[[socket.socket, bytes], bool]):
        self._behave = behave
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.requests: List[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            buffered = b""
            while True:
                request, buffered = self._read_request(conn, buffered)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                if not self._behave(conn, request):
                    return

    @staticmethod
    def _read_request(conn: socket.socket, data: bytes):
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return None, b""
                data += chunk
            end = data.index(b"\r\n\r\n") + 4
            length = 0
            for line in data[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(data) < end + length:
                chunk = conn.recv(65536)
                if not chunk:
                    return None, b""
                data += chunk
        except OSError:
            return None, b""
        return data[:end + length], data[end + length:]
