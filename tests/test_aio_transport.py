"""The async transport (``taskcluster._aiotransport``) through whole async
clients, against real servers on 127.0.0.1: a deadline per attempt (not
per session, covering the body), cancelled calls leave no half-read
connection, answers over ``maxResponseBytes`` refused (after
decompression), conflicting lengths refused and 1xx skipped, certificates
verified and not retried, proxies from the environment.  Some answers need
raw bytes on the wire: a scripted raw server below sends them."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import threading
import time

import pytest
from loopback import Hang, Reply
from test_transport import certificate, tls_server  # noqa: F401 - fixtures
from wire import client_sockets

import taskcluster.aio
from taskcluster import TaskclusterConnectionError, TaskclusterResponseTooLarge

PATH = "/api/queue/v1/task/abc"
ECHO = {"method": "GET", "target": PATH}


def run(main):
    return asyncio.run(main())


def with_queue(root, fn, **options):
    """``await fn(queue)`` with an async Queue on ``root``, in a new loop."""
    async def main():
        async with taskcluster.aio.Queue(dict({"rootUrl": root}, **options),
                                         sleep=lambda s: None) as queue:
            return await fn(queue)
    return run(main)


def task(queue):
    return queue.task("abc")


class ScriptedServer:
    """Answers each connection's first request with ``script``: bytes to
    send, and numbers (seconds to wait between them); then closes it."""

    def __init__(self, *script):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.script = script
        self.requests = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            self.requests += 1
            try:
                for step in self.script:
                    if isinstance(step, (int, float)):
                        time.sleep(step)
                    else:
                        conn.sendall(step)
            except OSError:  # the client gave up (a timeout): as asked
                pass

    def close(self):
        self.sock.close()


@pytest.fixture
def scripted():
    servers = []

    def make(*script):
        s = ScriptedServer(*script)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.close()


def head(status=200, length=None, extra=b""):
    lines = b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\n" % status
    if length is not None:
        lines += b"Content-Length: %d\r\n" % length
    return lines + extra + b"\r\n"


# -- the deadline ---------------------------------------------------------------------

def test_the_timeout_is_per_attempt_not_per_session(server):
    # Four calls of 0.3 s each under a 0.5 s timeout: a deadline per session
    # (aiohttp's ClientSession(timeout=)) would end the third.
    server.plan(*[Hang(0.3)] * 4)

    async def calls(queue):
        return [await queue.task("abc") for _ in range(4)]
    assert with_queue(server.url, calls, timeout=0.5, maxRetries=0) == [{"late": True}] * 4


def test_the_deadline_covers_the_whole_attempt_including_a_trickling_body(scripted):
    # Each piece arrives well within the timeout; the whole answer does not.
    body = b'{"slow": true}'
    server = scripted(head(200, len(body)), *[p for b in body for p in (0.06, bytes([b]))])
    with pytest.raises(TaskclusterConnectionError, match="timed out") as info:
        with_queue(server.url, task, timeout=0.4, maxRetries=0)
    assert "1 attempt" in str(info.value)
    # Given the time, the same answer is read whole.
    assert with_queue(server.url, task, timeout=5, maxRetries=0) == {"slow": True}


# -- cancellation --------------------------------------------------------------------

def test_a_call_cancelled_before_its_answer_leaves_no_connection_to_misread(server):
    server.plan(Hang(0.5))           # answers {"late": true} after 0.5 s

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url}) as queue:
            call = asyncio.ensure_future(queue.task("abc"))
            while not server.requests:
                await asyncio.sleep(0.005)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            # The next calls get their own answers, not the cancelled call's.
            answers = [await queue.task("def"), await queue.task("ghi")]
            await asyncio.sleep(0.6)     # the cancelled answer has come by now
            answers.append(await queue.task("jkl"))
            return answers, client_sockets(server.port)
    answers, open_sockets = run(main)
    assert answers == [{"method": "GET", "target": "/api/queue/v1/task/" + t}
                       for t in ("def", "ghi", "jkl")]
    assert len(open_sockets) == 1        # the cancelled call's connection was closed
    assert server.connections == 2


def test_a_call_cancelled_mid_body_closes_its_connection(scripted):
    body = b'{"whole": "answer"}'
    server = scripted(head(200, len(body)) + body[:5], 0.5, body[5:])
    port = int(server.url.rsplit(":", 1)[1])

    async def main():
        async with taskcluster.aio.Queue({"rootUrl": server.url}) as queue:
            call = asyncio.ensure_future(queue.task("abc"))
            await asyncio.sleep(0.2)     # the head and 5 bytes are in
            assert not call.done()
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            await asyncio.sleep(0)
            left = client_sockets(port)
            return left, await queue.task("def")
    left, answer = run(main)
    assert left == [] and answer == {"whole": "answer"} and server.requests == 2


# -- size limits ------------------------------------------------------------------------

def test_a_declared_length_over_the_limit_is_refused_unread_and_not_retried(server):
    server.plan(Reply(200, b"x" * 5000))
    with pytest.raises(TaskclusterResponseTooLarge) as info:
        with_queue(server.url, task, maxResponseBytes=1000)
    e = info.value
    assert (e.status_code, e.limit, e.attempts) == (200, 1000, 1)
    assert "declares 5000 bytes" in str(e) and "maxResponseBytes" in str(e)
    assert len(server.requests) == 1


def test_an_endless_chunked_body_is_refused_past_the_limit(scripted):
    chunk = b"%x\r\n%s\r\n" % (4096, b"y" * 4096)
    server = scripted(head(200, extra=b"Transfer-Encoding: chunked\r\n"), *[chunk] * 100)
    with pytest.raises(TaskclusterResponseTooLarge, match="went on past 10000 bytes"):
        with_queue(server.url, task, maxResponseBytes=10000)
    assert server.requests == 1


def test_a_compressed_answer_is_counted_after_decompression(server):
    bomb = gzip.compress(b'{"a": "' + b"z" * 2000000 + b'"}')
    assert len(bomb) < 10000
    server.plan(Reply(200, bomb, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(TaskclusterResponseTooLarge, match="went on past 100000 bytes"):
        with_queue(server.url, task, maxResponseBytes=100000)
    small = gzip.compress(b'{"small": true}')
    server.plan(Reply(200, small, headers={"Content-Encoding": "gzip",
                                           "Content-Type": "application/json"}))
    assert with_queue(server.url, task, maxResponseBytes=100000) == {"small": True}


# -- malformed framing ---------------------------------------------------------------

def test_conflicting_content_lengths_are_refused(scripted):
    server = scripted(head(200, 2, extra=b"Content-Length: 40\r\n") + b"{}")
    with pytest.raises(TaskclusterConnectionError) as info:
        with_queue(server.url, task, maxRetries=1)
    assert "failed after 2 attempts" in str(info.value)
    assert server.requests == 2


def test_informational_answers_are_skipped(scripted):
    server = scripted(b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 103 Early Hints\r\n"
                      b"Link: </x>\r\n\r\n", head(200, 12) + b'{"final": 1}')
    assert with_queue(server.url, task, maxRetries=0) == {"final": 1}


def test_endless_informational_answers_end_at_the_deadline(scripted):
    server = scripted(*[b"HTTP/1.1 100 Continue\r\n\r\n", 0.002] * 5000)
    with pytest.raises(TaskclusterConnectionError, match="timed out"):
        with_queue(server.url, task, timeout=0.5, maxRetries=0)


def test_a_header_line_too_long_is_a_malformed_answer(scripted):
    server = scripted(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100000 +
                      b"\r\nContent-Length: 2\r\n\r\n{}")
    with pytest.raises(TaskclusterConnectionError) as info:
        with_queue(server.url, task, maxRetries=1)
    assert "failed after 2 attempts" in str(info.value) and len(str(info.value)) < 600


# -- TLS -----------------------------------------------------------------------------------

def test_an_unknown_certificate_is_refused_at_once_and_not_retried(tls_server):  # noqa: F811
    with pytest.raises(TaskclusterConnectionError) as info:
        with_queue(tls_server, task)
    text = str(info.value)
    assert "TLS certificate verification failed for " + tls_server[8:] in text
    assert "certificate" in text and "failed after 1 attempt" in text


def test_a_session_passed_in_verifies_with_its_own_ca(tls_server, certificate):  # noqa: F811
    import aiohttp

    async def main():
        context = ssl.create_default_context(cafile=certificate[0])
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as s:
            async with taskcluster.aio.Queue({"rootUrl": tls_server}, session=s) as queue:
                return await queue.task("abc")
    assert run(main) == {"tls": True}


# -- proxies -----------------------------------------------------------------------------

def test_a_proxy_from_the_environment_carries_the_call(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", server.url)
    assert with_queue("http://tc.example.invalid", task) == ECHO
    assert server.requests[-1].headers["host"] == "tc.example.invalid"


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
def test_no_proxy_is_honoured(server, monkeypatch, no_proxy):
    from loopback import closed_port
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % closed_port())
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert with_queue(server.url, task, maxRetries=0) == ECHO
