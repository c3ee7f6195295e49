"""A minimal keep-alive HTTP/1.1 server on 127.0.0.1 for the benchmark.

It answers every request with the same JSON body, reads (and drops) request
bodies by Content-Length, and counts the TCP connections it accepts in an
8-byte counter mapped from a file, so a client process can read the count
without a request of its own.  asyncio protocols, one thread: it answers
well over ten times faster than the clients it serves (``run.py`` measures
its ceiling with a raw socket loop and prints it).

    python bench/server.py COUNTER_FILE [CPU]   # prints "PORT <n>", serves until stdin closes

With ``BENCH_TLS_CERT`` and ``BENCH_TLS_KEY`` set (PEM files), it also
serves the same answers over TLS on a second port and prints
"PORT <n> TLSPORT <m>".
"""

from __future__ import annotations

import asyncio
import mmap
import os
import struct
import sys
import threading

# A task-status-sized answer (the body of ``queue.task`` is larger, of
# ``createTask`` similar): the size hardly matters on loopback.
BODY = (b'{"status":{"taskId":"fN1SbArXTPSVFNUvaOlinQ","provisionerId":"proj-bench",'
        b'"workerType":"ci","taskQueueId":"proj-bench/ci","schedulerId":"-",'
        b'"projectId":"none","taskGroupId":"fN1SbArXTPSVFNUvaOlinQ",'
        b'"deadline":"2030-01-01T00:00:00.000Z","expires":"2031-01-01T00:00:00.000Z",'
        b'"retriesLeft":5,"state":"pending","runs":[{"runId":0,"state":"pending",'
        b'"reasonCreated":"scheduled","scheduled":"2030-01-01T00:00:00.000Z"}]}}')
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
            b"Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % len(BODY)) + BODY
CLOSE_RESPONSE = RESPONSE.replace(b"Connection: keep-alive", b"Connection: close")
BAD_REQUEST = (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
               b"Connection: close\r\n\r\n")


class Counter:
    """An unsigned 64-bit count in a shared, file-backed page."""

    def __init__(self, path: str):
        with open(path, "wb") as f:
            f.write(b"\0" * 8)
        self._file = open(path, "r+b")
        self._map = mmap.mmap(self._file.fileno(), 8)
        self.value = 0

    def add(self) -> None:
        self.value += 1
        self._map[:8] = struct.pack("<Q", self.value)


def read_counter(path: str) -> int:
    with open(path, "rb") as f:
        return struct.unpack("<Q", f.read(8))[0]


class _Protocol(asyncio.Protocol):
    def __init__(self, counter: Counter):
        self._counter = counter
        self._buffer = bytearray()
        self._transport = None

    def connection_made(self, transport):
        self._transport = transport
        self._counter.add()

    def data_received(self, data):
        buf = self._buffer
        buf += data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).lower()
            length = 0
            i = head.find(b"\r\ncontent-length:")
            if i >= 0:
                j = head.find(b"\r\n", i + 2)
                try:
                    length = int(head[i + 17:j if j >= 0 else len(head)])
                except ValueError:
                    length = -1
            if length < 0 or b"\r\ntransfer-encoding:" in head:
                # Not needed by any client here: refuse rather than misparse.
                self._transport.write(BAD_REQUEST)
                self._transport.close()
                return
            total = end + 4 + length
            if len(buf) < total:
                return
            del buf[:total]
            close = (b"\r\nconnection: close" in head
                     or head.split(b"\r\n", 1)[0].endswith(b"http/1.0"))
            self._transport.write(CLOSE_RESPONSE if close else RESPONSE)
            if close:
                self._transport.close()
                return


async def _serve(counter: Counter, ready) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Protocol(counter), "127.0.0.1", 0,
                                      backlog=1024, reuse_address=True)
    tls_port = None
    if os.environ.get("BENCH_TLS_CERT"):
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.environ["BENCH_TLS_CERT"], os.environ["BENCH_TLS_KEY"])
        tls = await loop.create_server(lambda: _Protocol(counter), "127.0.0.1", 0,
                                       backlog=1024, reuse_address=True, ssl=context)
        tls_port = tls.sockets[0].getsockname()[1]
    ready(server.sockets[0].getsockname()[1], tls_port)
    stop = asyncio.Event()
    # Serve until the parent closes our stdin (or dies).
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)),
                     daemon=True).start()
    async with server:
        await stop.wait()


def main() -> None:
    counter = Counter(sys.argv[1])
    if len(sys.argv) > 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(sys.argv[2])})

    def ready(port: int, tls_port) -> None:
        print("PORT %d" % port + (" TLSPORT %d" % tls_port if tls_port else ""), flush=True)

    asyncio.run(_serve(counter, ready))


if __name__ == "__main__":
    main()
