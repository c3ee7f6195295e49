"""Hostile and broken servers (issue 14), sync client: ``timeout`` bounds a
whole attempt, only what can succeed on a retry is retried, and protocol
oddities are refused or skipped.  Every case drives a whole client against
a real server on 127.0.0.1 (``tests/hostile.py`` for raw bytes, the
recording ``LoopbackServer`` where HTTP is correct).  Memory cases are in
``test_hostile_memory.py``.

The deadline tests bound the elapsed time generously (5 s for a 1.5 s
timeout): they prove the call ends near its deadline instead of after the
tens of seconds a one-byte-a-second server would hold it, not a speed.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hawkcheck import verify_header
from hostile import HostileServer, head, json_answer, send_forever, trickle
from loopback import Hang, Reset
from wire import client_sockets

import taskcluster
from taskcluster import (TaskclusterConnectionError, TaskclusterFailure,
                         TaskclusterInputError, TaskclusterResponseTooLarge)

CREDS = {"clientId": "hostile-tester", "accessToken": "hostile-token"}
ANSWER = json_answer(b'{"real":true}')
TIMEOUT = 1.5
BOUND = 5.0        # a 1.5 s deadline, with room for a loaded machine


class Sleeps:
    """Injected sleep: records the waits between attempts instead of waiting."""

    def __init__(self):
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def queue_for(root: str, **options) -> taskcluster.Queue:
    sleeps = Sleeps()
    q = taskcluster.Queue(dict({"rootUrl": root, "credentials": CREDS}, **options),
                          sleep=sleeps)
    q.sleeps = sleeps  # for the test's convenience only
    return q


def threads_started_since(before) -> list:
    """The threads alive now that were not in ``before`` (``threading.enumerate()``)."""
    return [t for t in threading.enumerate() if t not in before]


def timed(fn):
    start = time.monotonic()
    try:
        fn()
    except TaskclusterFailure as e:
        return time.monotonic() - start, e
    raise AssertionError("the call returned")


# -- timeout: a deadline for each attempt as a whole -------------------------------------

def trickled_body(conn, request):
    conn.sendall(head(Content_Type="application/json", Content_Length=64))
    trickle(conn, b'{"x":"' + b"y" * 56 + b'"}')
    return False


def trickled_headers(conn, request):
    trickle(conn, ANSWER)
    return False


@pytest.mark.parametrize("behave", [trickled_body, trickled_headers], ids=["body", "headers"])
def test_a_trickling_server_is_cut_at_the_timeout(behave):
    with HostileServer(behave) as server, \
            queue_for(server.url, timeout=TIMEOUT, maxRetries=0) as q:
        elapsed, e = timed(lambda: q.task("abc"))
    print("\ntrickled %s: ended after %.2fs (timeout %.1fs)"
          % (behave.__name__.split("_")[1], elapsed, TIMEOUT))
    assert isinstance(e, TaskclusterConnectionError)
    assert "timed out" in str(e) and "%ss timeout" % TIMEOUT in str(e)
    assert "failed after 1 attempt:" in str(e)
    assert elapsed < BOUND
    assert server.connections == 1


def _trickled_to_the_end(**headers):
    """A JSON body trickled a byte every 0.25 s for about 60 s, under the
    head ``headers`` make: past the deadline long before its end, so a call
    that was not cut returns it whole (and the test fails, not hangs)."""
    body = b'{"x":"' + b"y" * 232 + b'"}'

    def behave(conn, request):
        version = headers.pop("version", "HTTP/1.1")
        conn.sendall(head(version=version, Content_Type="application/json", **headers))
        trickle(conn, body, interval=0.25)
        return False
    return behave


# The whole-attempt deadline holds however the answer ends its body: the
# connection is closed after the answer (Connection: close, HTTP/1.0), so
# the HTTP library hands the socket over to the response.
CLOSING = {
    "connection-close": dict(Content_Length=240, Connection="close"),
    "http1.0": dict(version="HTTP/1.0", Content_Length=240),
    "http1.0-until-close": dict(version="HTTP/1.0"),
    "http1.1-until-close": dict(Connection="close"),
}


@pytest.mark.parametrize("kind", list(CLOSING))
def test_a_trickled_body_on_a_closing_connection_is_cut_at_the_timeout(kind):
    with HostileServer(_trickled_to_the_end(**dict(CLOSING[kind]))) as server, \
            queue_for(server.url, timeout=TIMEOUT, maxRetries=0) as q:
        elapsed, e = timed(lambda: q.task("abc"))
    print("\ntrickled body (%s): ended after %.2fs (timeout %.1fs)" % (kind, elapsed, TIMEOUT))
    assert isinstance(e, TaskclusterConnectionError)
    assert "timed out" in str(e) and "%ss timeout" % TIMEOUT in str(e)


def test_each_retry_gets_the_whole_timeout_again():
    # Every attempt trickles: three attempts, each cut at its own deadline.
    with HostileServer(trickled_body) as server, \
            queue_for(server.url, timeout=TIMEOUT, maxRetries=2) as q:
        elapsed, e = timed(lambda: q.task("abc"))
    print("\n3 trickled attempts: ended after %.2fs (timeout %.1fs each)" % (elapsed, TIMEOUT))
    assert "failed after 3 attempts" in str(e) and "timed out" in str(e)
    assert len(server.requests) == 3 and len(q.sleeps.delays) == 2
    assert elapsed < 3 * BOUND


def test_a_retry_does_not_inherit_the_spent_deadline():
    # The second attempt answers after 1 s: inside its own 2 s (with room
    # for a loaded machine), past what would be left of a deadline counted
    # from the first attempt (nothing).
    def behave(conn, request):
        if server.connections == 1:
            return trickled_body(conn, request)
        time.sleep(1.0)
        conn.sendall(ANSWER)
        return False

    with HostileServer(behave) as server, \
            queue_for(server.url, timeout=2.0, maxRetries=1) as q:
        assert q.task("abc") == {"real": True}
    assert len(server.requests) == 2


def test_a_trickled_tls_handshake_is_cut_at_the_timeout():
    # A TLS record header promising 80 bytes, then one byte a second: the
    # handshake reads each byte within the per-operation timeout.
    def behave(conn):
        conn.recv(65536)                       # the ClientHello
        trickle(conn, b"\x16\x03\x03\x00\x50" + bytes(80))

    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            accepted.append(conn)
            threading.Thread(target=behave, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        with queue_for("https://127.0.0.1:%d" % port, timeout=TIMEOUT, maxRetries=0) as q:
            elapsed, e = timed(lambda: q.task("abc"))
    finally:
        sock.close()
        for conn in accepted:
            conn.close()
    print("\ntrickled TLS handshake: ended after %.2fs (timeout %.1fs)" % (elapsed, TIMEOUT))
    assert isinstance(e, TaskclusterConnectionError) and "timed out" in str(e)
    assert elapsed < BOUND
    assert len(accepted) == 1


def test_a_trickling_https_proxy_is_cut_at_the_timeout(monkeypatch):
    # The CONNECT answer comes one byte a second: the tunnel is set up
    # before the request is sent, and belongs to the attempt all the same.
    def behave(conn, request):
        trickle(conn, b"HTTP/1.1 200 Connection established\r\n\r\n")
        return False

    with HostileServer(behave) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with queue_for("https://127.0.0.1:%d" % proxy.port, timeout=TIMEOUT,
                       maxRetries=0) as q:
            elapsed, e = timed(lambda: q.task("abc"))
    print("\ntrickled proxy tunnel: ended after %.2fs (timeout %.1fs)" % (elapsed, TIMEOUT))
    assert proxy.requests[0].startswith(b"CONNECT 127.0.0.1:%d " % proxy.port)
    assert isinstance(e, TaskclusterConnectionError) and "timed out" in str(e)
    assert elapsed < BOUND


def test_a_server_reading_the_request_slowly_is_cut_at_the_timeout():
    # 64 KiB a second: the sending never stalls for a whole timeout, and
    # 16 MiB would take minutes.
    sock = socket.create_server(("127.0.0.1", 0))
    received = []

    def slow(conn):
        with conn:
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        return
                    received.append(len(data))
                    time.sleep(1)
            except OSError:
                return

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(target=slow, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        with queue_for("http://127.0.0.1:%d" % sock.getsockname()[1], timeout=TIMEOUT,
                       maxRetries=0) as q:
            elapsed, e = timed(lambda: q.createTask("abc", {"x": "y" * (16 * 2**20)}))
    finally:
        sock.close()
    print("\nslowly read request: ended after %.2fs (timeout %.1fs)" % (elapsed, TIMEOUT))
    assert isinstance(e, TaskclusterConnectionError) and "timed out" in str(e)
    assert received and elapsed < BOUND


def test_an_endless_run_of_informational_answers_ends_at_the_deadline():
    def behave(conn, request):
        send_forever(conn, b"", itertools.repeat(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"))
        return False

    with HostileServer(behave) as server, \
            queue_for(server.url, timeout=TIMEOUT, maxRetries=0) as q:
        elapsed, e = timed(lambda: q.task("abc"))
    print("\nendless 103s: ended after %.2fs (timeout %.1fs)" % (elapsed, TIMEOUT))
    assert isinstance(e, TaskclusterConnectionError) and "timed out" in str(e)
    assert elapsed < BOUND


# -- the deadline's watchdog: one thread, no leak, connections still pooled --------------

def test_the_deadline_watchdog_is_one_thread_and_connections_stay_pooled(server):
    q = queue_for(server.url, timeout=TIMEOUT)
    q.task("abc")
    before = threading.enumerate()
    for _ in range(300):
        assert q.task("abc") == {"method": "GET", "target": "/api/queue/v1/task/abc"}
    # Threads this test's client started, not every thread of the process
    # (another test's threads may end meanwhile).
    assert threads_started_since(before) == []
    assert [t.name for t in threading.enumerate()].count("taskcluster-deadlines") == 1
    assert server.connections == 1
    assert len(client_sockets(server.port)) == 1
    q.close()
    assert client_sockets(server.port) == []


def test_timeouts_leave_no_thread_nor_socket_behind(server):
    q = queue_for(server.url, timeout=0.2, maxRetries=0)
    q.task("abc")
    before = threading.enumerate()
    for _ in range(5):
        server.plan(Hang(0.5))
        with pytest.raises(TaskclusterConnectionError):
            q.task("abc")
        assert q.task("abc") == {"method": "GET", "target": "/api/queue/v1/task/abc"}
    assert [t.name for t in threading.enumerate()].count("taskcluster-deadlines") == 1
    # The server's threads for the new connections are its own, not the client's.
    assert [t for t in threads_started_since(before) if t.name != "loopback-connection"] == []
    assert len(client_sockets(server.port)) == 1
    q.close()


# -- retry only what can succeed on a retry ----------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return str(cert), str(key)


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def get_request(self):
        conn, addr = self.socket.accept()     # TCP only: count before the handshake
        self.connections += 1
        return self._context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), \
            addr

    def handle_error(self, request, client_address):
        pass   # a refused handshake is what the tests ask for


@pytest.fixture
def tls_server(certificate):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path.endswith("/trickle"):
                trickle(self.request, ANSWER)
                self.close_connection = True
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "13")
            self.end_headers()
            self.wfile.write(b'{"real":true}')

        def setup(self):
            self.request.do_handshake()
            super().setup()

    httpd = _TLSServer(("127.0.0.1", 0), Handler)
    httpd._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    httpd._context.load_cert_chain(*certificate)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_a_refused_certificate_is_tried_once_naming_host_reason_and_bundle(tls_server,
                                                                          monkeypatch):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):   # requests' default: certifi's
        monkeypatch.delenv(name, raising=False)
    host = "127.0.0.1:%d" % tls_server.server_address[1]
    with queue_for("https://" + host) as q:           # maxRetries 5 by default
        _, e = timed(lambda: q.task("abc"))
    text = str(e)
    assert isinstance(e, TaskclusterConnectionError)
    assert "failed after 1 attempt" in text
    assert "TLS certificate verification failed for %s" % host in text
    assert "self-signed certificate" in text                    # the reason
    assert "certifi's CA bundle" in text                         # the setting in use
    assert q.sleeps.delays == [] and tls_server.connections == 1


def test_a_refused_certificate_names_the_ca_bundle_variable(tls_server, monkeypatch,
                                                            tmp_path):
    import certifi
    other = tmp_path / "other.pem"           # a real bundle, without this certificate
    shutil.copy(certifi.where(), other)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    with queue_for("https://127.0.0.1:%d" % tls_server.server_address[1]) as q:
        _, e = timed(lambda: q.task("abc"))
    assert "CA bundle REQUESTS_CA_BUNDLE=%s" % other in str(e)
    assert tls_server.connections == 1


def test_the_right_ca_bundle_is_accepted(tls_server, certificate, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
    with queue_for("https://127.0.0.1:%d" % tls_server.server_address[1]) as q:
        assert q.task("abc") == {"real": True}


def test_a_trickled_answer_over_tls_is_cut_at_the_timeout(tls_server, certificate,
                                                          monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
    with queue_for("https://127.0.0.1:%d" % tls_server.server_address[1], timeout=TIMEOUT,
                   maxRetries=0) as q:
        elapsed, e = timed(lambda: q.task("trickle"))
    print("\ntrickled answer over TLS: ended after %.2fs (timeout %.1fs)" % (elapsed, TIMEOUT))
    assert isinstance(e, TaskclusterConnectionError) and "timed out" in str(e)
    assert elapsed < BOUND


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_missing_ca_bundle_is_named_for_https_and_ignored_for_http(tls_server, server,
                                                                    monkeypatch, tmp_path,
                                                                    variable):
    missing = str(tmp_path / "missing.pem")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)   # it wins over CURL_CA_BUNDLE
    monkeypatch.setenv(variable, missing)
    with queue_for("https://127.0.0.1:%d" % tls_server.server_address[1]) as q:
        _, e = timed(lambda: q.task("abc"))
    assert isinstance(e, TaskclusterFailure)
    assert "%s=%s does not exist" % (variable, missing) in str(e)
    assert "failed after 1 attempt" in str(e) and q.sleeps.delays == []
    assert tls_server.connections == 0                       # nothing was sent
    with queue_for(server.url) as q:
        assert q.task("abc") == {"method": "GET", "target": "/api/queue/v1/task/abc"}


@pytest.mark.parametrize("content", [b"not a certificate\n", b""], ids=["garbage", "empty"])
def test_an_unusable_ca_bundle_is_named_and_not_retried(tls_server, monkeypatch, tmp_path,
                                                        content):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(content)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with queue_for("https://127.0.0.1:%d" % tls_server.server_address[1]) as q:
        _, e = timed(lambda: q.task("abc"))
    assert isinstance(e, TaskclusterConnectionError)
    assert "the CA bundle REQUESTS_CA_BUNDLE=%s cannot be used" % bundle in str(e)
    assert "failed after 1 attempt" in str(e) and q.sleeps.delays == []


@pytest.mark.parametrize("root", [
    "http://127.0.0.1:{port}/\x00", "http://127.0.0.1:{port}/a\r\nX-Injected: 1",
    "http://127.0.0.1:{port}/\t", "http://127.0.0.1:{port}/\x7f", "http://127.0.0.1:{port}/\x1b",
    "http://127.0.0.1:{port}/\x9b31m", "http://127.0.0.1:{port}/\x85",
    "http://127.0.0.1\r\n:{port}", "http://127.0.0.1:{port}\n", "http://127.0.0.1:{port} /",
], ids=repr)
def test_control_characters_in_the_root_url_are_refused_before_sending(server, root):
    with pytest.raises(TaskclusterInputError) as info:
        taskcluster.Queue({"rootUrl": root.format(port=server.port)}).task("abc")
    assert info.value.argument == "rootUrl"
    assert server.connections == 0


def test_a_request_sent_whole_then_dropped_without_an_answer_is_retried():
    # As Node's client does: every error without a response is retriable,
    # whether or not the request had been sent (claimWork may run twice).
    seen = []

    def behave(conn, request):
        seen.append(request)
        if len(seen) == 1:
            return False                     # FIN, no answer
        conn.sendall(json_answer(b'{"tasks":[]}'))
        return True

    with HostileServer(behave) as server, queue_for(server.url) as q:
        assert q.claimWork("prov/type", {"workerGroup": "g", "workerId": "w",
                                         "tasks": 1}) == {"tasks": []}
    assert len(seen) == 2 and seen[0].split(b"\r\n")[0] == seen[1].split(b"\r\n")[0]
    assert seen[0].split(b"\r\n\r\n")[1] == seen[1].split(b"\r\n\r\n")[1]   # body sent whole
    assert seen[0].startswith(b"POST /api/queue/v1/claim-work/prov%2Ftype ")
    assert len(q.sleeps.delays) == 1


def test_a_request_dropped_without_an_answer_exhausts_the_retries(server):
    server.plan(*[Reset()] * 3)
    with queue_for(server.url, maxRetries=2) as q:
        _, e = timed(lambda: q.claimWork("prov/type", {"workerGroup": "g",
                                                        "workerId": "w", "tasks": 1}))
    assert isinstance(e, TaskclusterConnectionError) and "failed after 3 attempts" in str(e)
    assert [r.method for r in server.requests] == ["POST"] * 3


@pytest.mark.parametrize("answer", [
    head(Content_Type="application/json", Content_Length=2**20) + bytes(2**20),
    head(Content_Type="application/json", Transfer_Encoding="chunked")
    + b"%x\r\n%s\r\n0\r\n\r\n" % (2**20, bytes(2**20)),
], ids=["declared", "chunked"])
def test_an_answer_refused_as_too_large_leaves_no_bytes_for_the_next_call(answer):
    # The server sends the whole answer and keeps the connection for more:
    # had the client pooled it, the next call would read the rest of the
    # refused body as its answer.
    def behave(conn, request):
        conn.sendall(answer if len(server.requests) == 1 else ANSWER)
        return True

    with HostileServer(behave) as server, \
            queue_for(server.url, maxResponseBytes=65536) as q:
        with pytest.raises(TaskclusterResponseTooLarge) as info:
            q.task("abc")
        assert q.task("abc") == {"real": True}
    assert info.value.attempts == 1 and q.sleeps.delays == []
    assert server.connections == 2


# -- protocol oddities -------------------------------------------------------------------

CONFLICTING = head(Content_Type="application/json", Content_Length=[2, 13]) + b'{"real":true}'


def test_two_conflicting_content_lengths_are_refused():
    def behave(conn, request):
        conn.sendall(CONFLICTING)
        return False

    with HostileServer(behave) as server, queue_for(server.url, maxRetries=0) as q:
        _, e = timed(lambda: q.task("abc"))
    # Neither {} (the first length) nor the whole body (the second) is taken.
    assert isinstance(e, TaskclusterConnectionError)
    assert "the answer was malformed: Content-Length contained multiple unmatching values" \
        in str(e) and "failed after 1 attempt" in str(e)


def test_conflicting_content_lengths_are_retried_like_any_failure_without_an_answer():
    def behave(conn, request):
        conn.sendall(CONFLICTING if len(server.requests) == 1 else ANSWER)
        return False

    with HostileServer(behave) as server, queue_for(server.url) as q:
        assert q.task("abc") == {"real": True}
    assert len(server.requests) == 2 and len(q.sleeps.delays) == 1


def test_a_repeated_identical_content_length_is_accepted():
    def behave(conn, request):
        conn.sendall(head(Content_Type="application/json", Content_Length=[13, 13])
                     + b'{"real":true}')
        return True

    with HostileServer(behave) as server, queue_for(server.url, maxRetries=0) as q:
        assert q.task("abc") == {"real": True}


@pytest.mark.parametrize("pause", [None, 0.05], ids=["same-write", "later"])
def test_bytes_after_the_declared_body_are_not_taken_as_the_next_answer(pause):
    # A whole second answer smuggled behind the first, on a connection kept
    # open: the next call must not read it as its own.  (Sent with the
    # first, it is dropped with the first answer's read buffer; sent later,
    # it marks the pooled connection as unusable.)
    smuggled = json_answer(b'{"smuggled":true}')

    def behave(conn, request):
        if len(server.requests) > 1:
            conn.sendall(ANSWER)
        elif pause is None:
            conn.sendall(ANSWER + smuggled)
        else:
            conn.sendall(ANSWER)
            time.sleep(pause)
            conn.sendall(smuggled)
        return True

    with HostileServer(behave) as server, queue_for(server.url, maxRetries=0) as q:
        assert q.task("abc") == {"real": True}
        time.sleep(0.2)                       # the smuggled bytes have arrived
        assert q.task("abc") == {"real": True}
        assert q.task("abc") == {"real": True}
    assert len(server.requests) == 3


@pytest.mark.parametrize("informational", [
    b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    b"HTTP/1.1 103 Early Hints\r\nLink: </b>\r\n\r\n",
], ids=["103", "100", "102+103+103"])
def test_informational_answers_do_not_replace_the_real_one(informational):
    def behave(conn, request):
        conn.sendall(informational + ANSWER)
        return True

    with HostileServer(behave) as server, queue_for(server.url, maxRetries=0) as q:
        assert q.task("abc") == {"real": True}
        assert q.task("abc") == {"real": True}     # nothing was left on the connection
    assert server.connections == 1


def test_an_endless_informational_header_block_is_refused():
    # Bounded as http.client bounds any header block, not left to spin
    # until the deadline.
    def behave(conn, request):
        send_forever(conn, b"HTTP/1.1 103 Early Hints\r\n", itertools.repeat(b"Link: </a>\r\n"))
        return False

    with HostileServer(behave) as server, queue_for(server.url, maxRetries=0) as q:
        _, e = timed(lambda: q.task("abc"))
    assert isinstance(e, TaskclusterConnectionError)
    assert "more than 100 headers" in str(e)


def test_a_root_url_host_in_capitals_is_sent_and_signed_in_lower_case(server):
    with queue_for("http://LocalHost:%d" % server.port) as q:
        assert q.task("abc") == {"method": "GET", "target": "/api/queue/v1/task/abc"}
        assert q.buildUrl("task", "abc").startswith("http://LocalHost:")  # as Node builds it
    rec = server.requests[-1]
    assert rec.headers["host"] == "localhost:%d" % server.port
    # A verifier rebuilds the URL from the Host header the request carried.
    verify_header(rec.headers["authorization"], "http://%s%s" % (rec.headers["host"],
                                                                 rec.target),
                  "GET", CREDS["clientId"], CREDS["accessToken"])


def test_an_enormous_timeout_means_no_practical_limit(server):
    # Socket timeouts and lock waits overflow past about 9e9 s.
    for timeout in (1e9, 1e12, 1e300):
        with queue_for(server.url, timeout=timeout, maxRetries=0) as q:
            assert q.task("abc") == {"method": "GET", "target": "/api/queue/v1/task/abc"}
    with HostileServer(trickled_headers) as hostile, \
            queue_for(hostile.url, timeout=TIMEOUT, maxRetries=0) as q:
        elapsed, e = timed(lambda: q.task("abc"))
    assert "timed out" in str(e) and elapsed < BOUND       # the watchdog still runs


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_leaves_the_parents_connections_alone(server):
    # A child forked while the parent had an attempt in flight inherits that
    # attempt's watch and, once it calls (its own client), a watchdog that
    # would fire it: shutting down a socket the parent still shares, under
    # whatever request the parent is making on it then.
    q = queue_for(server.url, timeout=2, maxRetries=0)
    server.plan(Hang(0.5))
    first = threading.Thread(target=q.task, args=("first",))
    start = time.monotonic()
    first.start()
    time.sleep(0.2)
    pid = os.fork()
    if pid == 0:                                    # the child
        try:
            with taskcluster.Queue({"rootUrl": server.url, "maxRetries": 0}) as other:
                other.task("child")
            time.sleep(2.5)                         # past the first attempt's deadline
        finally:
            os._exit(0)
    first.join()
    # The same pooled connection, in flight across the first attempt's
    # deadline (start + 2 s), well within its own.
    time.sleep(max(0.0, start + 1.5 - time.monotonic()))
    server.plan(Hang(1.0))
    try:
        assert q.task("second") == {"late": True}
    finally:
        os.waitpid(pid, 0)
        q.close()
    assert server.connections == 2                  # the parent's, the child's


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_calling_through_the_parents_client_gets_its_own_answers(server):
    # One pooled connection, shared after the fork: the child's request
    # went out on it behind the parent's (held 0.5 s), and the child read
    # the parent's answer as its own.
    q = queue_for(server.url, maxRetries=0)
    q.task("warm")
    read, write = os.pipe()
    server.plan(Hang(0.5))
    pid = os.fork()
    if pid == 0:                                    # the child
        try:
            time.sleep(0.1)                         # the parent's request is out
            os.write(write, json.dumps(q.task("child")).encode())
        finally:
            os._exit(0)
    os.close(write)
    try:
        assert q.task("parent") == {"late": True}
    finally:
        os.waitpid(pid, 0)
        q.close()
    with os.fdopen(read) as f:
        assert json.loads(f.read()) == {"method": "GET", "target": "/api/queue/v1/task/child"}
    assert server.connections == 2                  # the child connected afresh


@pytest.mark.parametrize("kind", list(CLOSING))
def test_a_trickled_body_on_a_closing_connection_is_cut_at_the_timeout_async(kind):
    import asyncio

    import taskcluster.aio

    async def call(url):
        async with taskcluster.aio.Queue({"rootUrl": url, "credentials": CREDS,
                                          "timeout": TIMEOUT, "maxRetries": 0}) as q:
            await q.task("abc")

    with HostileServer(_trickled_to_the_end(**dict(CLOSING[kind]))) as server:
        elapsed, e = timed(lambda: asyncio.run(call(server.url)))
    print("\nasync trickled body (%s): ended after %.2fs (timeout %.1fs)"
          % (kind, elapsed, TIMEOUT))
    assert isinstance(e, TaskclusterConnectionError)
    assert "timed out" in str(e)
