"""The requests transport (``taskcluster._transport``) against real servers on
127.0.0.1: keep-alive reuse, the TransportError contract (timeouts flagged,
resets and truncated bodies raised), proxies read once from the environment
as requests reads them, TLS verified as requests verifies, redirects not
followed.  A few tests need to see the raw request line or speak TLS, which
the recording loopback server does not show: a one-shot raw server below
does that."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from loopback import Hang, Reply, Reset, Truncate, closed_port

import taskcluster
from taskcluster._transport import RequestsTransport, Response, TransportError

PATH = "/api/queue/v1/task/abc"


def Transport(root_url=None, **kwargs):
    """A transport with a session of its own (environment read per origin)."""
    return RequestsTransport(None, root_url, **kwargs)


@pytest.fixture
def transport(server):
    t = Transport(server.url)
    yield t
    t.close()


def get(t, url, timeout=5.0, headers=None):
    return t.send("GET", url, headers or {}, None, timeout)


class RawServer:
    """Accepts connections on 127.0.0.1 and keeps each request's raw bytes;
    answers 200 (or ``answer``), without saying so closes the connection."""

    def __init__(self, answer=None):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.requests: list[bytes] = []
        self.connections = 0
        self._answer = answer or (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: 2\r\n\r\n{}")
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data)
                conn.sendall(self._answer)

    def close(self):
        self.sock.close()


@pytest.fixture
def raw():
    servers = []

    def make(**kw):
        s = RawServer(**kw)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.close()


# -- keep-alive and the answer ---------------------------------------------------------

def test_connection_reused_across_calls(server, transport):
    for _ in range(20):
        r = get(transport, server.url + PATH)
        assert r.status == 200
        assert json.loads(r.body) == {"method": "GET", "target": PATH}
    assert server.connections == 1
    assert len(server.requests) == 20


def test_threads_share_the_pool(server, transport):
    def work():
        for _ in range(10):
            assert get(transport, server.url + PATH).status == 200
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(server.requests) == 40
    assert server.connections <= 4


def test_request_sent_as_given(server, transport):
    body = b'{"a":1}'
    r = transport.send("PUT", server.url + PATH + "?x=1", {"Content-Type": "application/json",
                                                           "Authorization": "Hawk id=\"a\""},
                       body, 5.0)
    assert r.status == 200
    rec = server.requests[-1]
    assert (rec.method, rec.target, rec.body) == ("PUT", PATH + "?x=1", body)
    assert rec.headers["content-type"] == "application/json"
    assert rec.headers["content-length"] == str(len(body))
    assert rec.headers["authorization"] == 'Hawk id="a"'
    assert rec.headers["host"] == "127.0.0.1:%d" % server.port


def test_post_without_body_sends_zero_length(server, transport):
    transport.send("POST", server.url + PATH, {}, None, 5.0)
    assert server.requests[-1].headers["content-length"] == "0"


def test_response_headers_lower_cased_and_status_kept(server, transport):
    server.plan(Reply(404, {"code": "ResourceNotFound"}, headers={"X-Thing": "yes"}))
    r = get(transport, server.url + PATH)
    assert isinstance(r, Response)
    assert r.status == 404
    assert r.headers["x-thing"] == "yes"
    assert r.headers["content-type"] == "application/json"
    assert json.loads(r.body) == {"code": "ResourceNotFound"}


def test_gzip_body_decoded(server, transport):
    data = json.dumps({"big": "x" * 1000}).encode()
    server.plan(Reply(200, gzip.compress(data), headers={"Content-Encoding": "gzip",
                                                         "Content-Type": "application/json"}))
    assert get(transport, server.url + PATH).body == data
    assert "gzip" in server.requests[-1].headers["accept-encoding"]


def test_redirect_not_followed(server, transport):
    server.plan(Reply(303, headers={"Location": server.url + "/elsewhere"}))
    r = get(transport, server.url + PATH)
    assert r.status == 303
    assert r.headers["location"] == server.url + "/elsewhere"
    assert [rec.target for rec in server.requests] == [PATH]


def test_connection_close_answer_then_new_connection(server, transport):
    server.plan(Reply(200, {}, headers={"Connection": "close"}))
    assert get(transport, server.url + PATH).status == 200
    assert get(transport, server.url + PATH).status == 200
    assert server.connections == 2


def test_connection_closed_by_server_while_idle_is_not_reused(raw):
    s = raw()  # answers, then closes every connection
    t = Transport(s.url)
    assert get(t, s.url + PATH).status == 200
    time.sleep(0.1)  # the server's FIN has arrived
    assert get(t, s.url + PATH).status == 200
    assert s.connections == 2
    t.close()


def test_close_then_send_opens_a_new_connection(server, transport):
    get(transport, server.url + PATH)
    transport.close()
    assert get(transport, server.url + PATH).status == 200
    assert server.connections == 2


# -- failures: TransportError --------------------------------------------------------------

def test_timeout_flagged(server, transport):
    server.plan(Hang(1.0))
    start = time.monotonic()
    with pytest.raises(TransportError) as e:
        get(transport, server.url + PATH, timeout=0.2)
    assert e.value.timeout is True
    assert time.monotonic() - start < 0.9


def test_next_call_after_a_timeout_uses_a_fresh_connection(server, transport):
    server.plan(Hang(0.5))
    with pytest.raises(TransportError):
        get(transport, server.url + PATH, timeout=0.1)
    time.sleep(0.5)
    assert json.loads(get(transport, server.url + PATH).body)["target"] == PATH


def test_refused_is_not_a_timeout():
    t = Transport()
    with pytest.raises(TransportError) as e:
        get(t, "http://127.0.0.1:%d%s" % (closed_port(), PATH))
    assert e.value.timeout is False


@pytest.mark.parametrize("fault", [Reset(), Reset(after_headers=True), Truncate()],
                         ids=["reset", "reset-after-headers", "truncated-body"])
def test_reset_and_truncation_raise(server, transport, fault):
    server.plan(fault)
    with pytest.raises(TransportError) as e:
        get(transport, server.url + PATH)
    assert e.value.timeout is False
    assert get(transport, server.url + PATH).status == 200  # and it recovers


def test_not_an_absolute_url():
    with pytest.raises(TransportError):
        get(Transport(), "/api/queue/v1/task/abc")


def test_unsupported_scheme_refused_not_retried():
    with pytest.raises(TransportError, match="refused to send it") as e:
        get(Transport(), "ftp://127.0.0.1/x")
    assert e.value.retriable is False


# -- proxies --------------------------------------------------------------------------

def test_http_proxy_from_environment_gets_absolute_form(raw, monkeypatch):
    proxy = raw()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    t = Transport()
    r = get(t, "http://tc.example.invalid" + PATH + "?a=1", headers={"Authorization": "Hawk x"})
    assert r.status == 200
    request = proxy.requests[0].decode()
    assert request.startswith("GET http://tc.example.invalid%s?a=1 HTTP/1.1\r\n" % PATH)
    assert "\r\nHost: tc.example.invalid\r\n" in request
    assert "\r\nAuthorization: Hawk x\r\n" in request
    t.close()


def test_recorded_by_the_loopback_server_through_the_proxy(server, monkeypatch):
    monkeypatch.setenv("http_proxy", server.url)
    t = Transport("http://tc.example.invalid")
    assert get(t, "http://tc.example.invalid" + PATH).status == 200
    rec = server.requests[-1]
    assert rec.target == PATH
    assert rec.headers["host"] == "tc.example.invalid"
    t.close()


def test_proxy_credentials_become_proxy_authorization(raw, monkeypatch):
    proxy = raw()
    monkeypatch.setenv("HTTP_PROXY", "http://user:p%%40ss@127.0.0.1:%d" % proxy.port)
    t = Transport()
    get(t, "http://tc.example.invalid" + PATH)
    expected = base64.b64encode(b"user:p@ss").decode()
    assert "\r\nProxy-Authorization: Basic %s\r\n" % expected in proxy.requests[0].decode()
    t.close()


def test_https_through_proxy_is_tunnelled(raw, monkeypatch):
    proxy = raw(answer=b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    monkeypatch.setenv("HTTPS_PROXY", "http://u:pw@127.0.0.1:%d" % proxy.port)
    t = Transport()
    with pytest.raises(TransportError):  # the proxy refuses the tunnel
        get(t, "https://tc.example.invalid" + PATH)
    request = proxy.requests[0].decode()
    assert request.startswith("CONNECT tc.example.invalid:443 HTTP/1.")
    assert "\r\nProxy-Authorization: Basic %s\r\n" % base64.b64encode(b"u:pw").decode() \
        in request
    assert PATH not in request  # the path travels inside the tunnel only
    t.close()


def test_tls_proxy_goes_through_urllib3(monkeypatch):
    port = closed_port()
    monkeypatch.setenv("HTTPS_PROXY", "https://127.0.0.1:%d" % port)
    t = Transport()
    with pytest.raises(TransportError) as e:
        get(t, "https://tc.example.invalid" + PATH)
    assert e.value.timeout is False
    t.close()


def test_socks_proxy_needs_pysocks(monkeypatch):
    pytest.importorskip("urllib3")
    try:
        import socks  # noqa: F401
        pytest.skip("PySocks is installed")
    except ImportError:
        pass
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:%d" % closed_port())
    t = Transport()
    with pytest.raises(TransportError, match="SOCKS"):
        get(t, "http://tc.example.invalid" + PATH)


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8", "localhost,127.0.0.1",
                                      "*"])
def test_no_proxy_honoured(server, monkeypatch, no_proxy):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % closed_port())
    monkeypatch.setenv("NO_PROXY", no_proxy)
    t = Transport()
    assert get(t, server.url + PATH).status == 200
    t.close()


def test_no_proxy_host_suffix(raw, monkeypatch):
    proxy = raw()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", ".internal.example")
    t = Transport()
    get(t, "http://tc.example.invalid" + PATH)  # not bypassed: through the proxy
    assert len(proxy.requests) == 1
    t.close()


def test_environment_read_once_when_made(server, monkeypatch):
    t = Transport(server.url)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % closed_port())
    assert get(t, server.url + PATH).status == 200
    t.close()


def test_explicit_proxies_override_the_environment(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:%d" % closed_port())
    t = Transport(proxies={})
    assert get(t, server.url + PATH).status == 200
    t.close()
    t = Transport(proxies={"http": server.url})
    assert get(t, "http://tc.example.invalid" + PATH).status == 200
    assert server.requests[-1].headers["host"] == "tc.example.invalid"
    t.close()


# -- TLS --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def tls_server(certificate):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            body = b'{"tls":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield "https://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_unknown_certificate_refused_at_once_naming_host_reason_and_bundle(tls_server):
    t = Transport()
    with pytest.raises(TransportError) as e:
        get(t, tls_server + PATH)
    text = str(e.value)
    assert "TLS certificate verification failed for " + tls_server[8:] in text
    assert "self-signed" in text or "certificate" in text
    assert "CA bundle" in text
    assert e.value.retriable is False            # retrying cannot help


def test_verify_with_a_ca_bundle(tls_server, certificate):
    t = Transport(verify=certificate[0])
    assert get(t, tls_server + PATH).status == 200
    assert get(t, tls_server + PATH).status == 200
    t.close()


def test_requests_ca_bundle_from_environment(tls_server, certificate, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
    t = Transport()
    assert get(t, tls_server + PATH).status == 200
    t.close()


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verify_false(tls_server):
    t = Transport(verify=False)
    assert get(t, tls_server + PATH).status == 200
    t.close()


def test_missing_ca_bundle_named_and_not_retried_only_for_tls(server, tmp_path, monkeypatch):
    missing = str(tmp_path / "nope.pem")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", missing)
    t = Transport()
    with pytest.raises(TransportError) as e:
        get(t, "https://127.0.0.1:%d%s" % (closed_port(), PATH))
    assert "REQUESTS_CA_BUNDLE=%s does not exist" % missing in str(e.value)
    assert e.value.retriable is False
    assert get(t, server.url + PATH).status == 200      # plain HTTP needs no CA bundle


# -- through a whole client -------------------------------------------------------------

def test_client_calls_through_it(server):
    creds = {"clientId": "tester", "accessToken": "secret-token"}
    queue = taskcluster.Queue({"rootUrl": server.url, "credentials": creds},
                              transport=Transport(server.url))
    for _ in range(3):
        assert queue.task("abc") == {"method": "GET", "target": PATH}
    queue.createTask("abc", {"provisionerId": "p"})
    assert server.connections == 1
    rec = server.requests[-1]
    assert rec.method == "PUT"
    assert json.loads(rec.body) == {"provisionerId": "p"}
    assert rec.headers["authorization"].startswith('Hawk id="tester"')
    queue.close()
