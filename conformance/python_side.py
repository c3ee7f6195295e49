"""Run conformance cases with the Python client, producing outputs in the
oracle's format: ``{"ok": value}`` or ``{"error": message}``.

Requests really go over HTTP, through any of the clients' transports: the
default one finds the capture server on 127.0.0.1 as its HTTP proxy in the
environment (``HTTP_PROXY``), ``transport="requests"`` sends through a
``requests.Session`` whose proxies point there, and ``transport="aio"``
sends request cases through the async clients (``taskcluster.aio``, aiohttp,
which reads the same ``HTTP_PROXY``).  Whatever host the
rootUrl names, the bytes land here and nothing else is contacted (Node's
oracle does the same by redirecting its sockets).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

import taskcluster
from taskcluster.utils import createTemporaryCredentials, fromNowJSON

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
client_in_use: List[Any] = []   # clients of the case being run, closed after it


class _Capture(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.path
        if "://" in target:  # absolute-form, as sent to a proxy
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        headers = {}
        for name, value in self.headers.items():
            headers[name.lower()] = value
        self.server.captured.append({"method": self.command, "target": target,
                                     "headers": headers,
                                     "body": base64.b64encode(body).decode("ascii")})
        data = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class CaptureServer:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
        self.httpd.daemon_threads = True
        self.httpd.captured = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def proxy(self) -> str:
        return "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def _options(case: Dict[str, Any], **extra) -> Dict[str, Any]:
    options: Dict[str, Any] = {"rootUrl": case["rootUrl"]} if "rootUrl" in case else {}
    if case.get("credentials") is not None:
        options["credentials"] = case["credentials"]
    if "authorizedScopes" in case:
        options["authorizedScopes"] = case["authorizedScopes"]
    options.update(extra)
    return options


def _millis(ms: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(milliseconds=ms)


def _run(case: Dict[str, Any], capture: CaptureServer, session) -> Any:
    kind = case["kind"]
    if kind == "buildUrl":
        client = getattr(taskcluster, case["class"])(_options(case))
        kwargs = {"query": case["query"]} if case.get("query") is not None else {}
        return client.buildUrl(case["method"], *case["args"], **kwargs)
    if kind == "buildSignedUrl":
        now = case["now"] / 1000.0
        client = getattr(taskcluster, case["class"])(_options(case), clock=lambda: now)
        kwargs = {"query": case["query"]} if case.get("query") is not None else {}
        if "expiration" in case:
            kwargs["expiration"] = case["expiration"]
        return client.buildSignedUrl(case["method"], *case["args"], **kwargs)
    if kind == "request":
        ts, nonce = case["ts"], case["nonce"]
        client = getattr(taskcluster, case["class"])(
            _options(case, maxRetries=0), session=session,
            clock=lambda: ts, nonce=lambda: nonce)
        client_in_use.append(client)
        kwargs = {"query": case["query"]} if case.get("query") is not None else {}
        args = list(case["args"])
        if "payload" in case:
            args.append(case["payload"])
        del capture.httpd.captured[:]
        result = getattr(client, case["method"])(*args, **kwargs)
        (seen,) = capture.httpd.captured
        return dict(seen, result=result)
    if kind == "routingKey":
        client = getattr(taskcluster, case["class"])()
        method = getattr(client, case["exchange"])
        return method(case["pattern"]) if "pattern" in case else method()
    if kind == "tempCreds":
        creds = case["credentials"]
        seed = "".join(case["seeds"])
        return createTemporaryCredentials(
            creds["clientId"], creds["accessToken"], _millis(case["start"]),
            _millis(case["expiry"]), case["scopes"], case.get("clientId"),
            certificate=creds.get("certificate"), seed=seed)
    if kind == "fromNow":
        return fromNowJSON(case["offset"], _millis(case["reference"]))
    raise ValueError("unknown case kind %r" % kind)


async def _run_async(case: Dict[str, Any], capture: CaptureServer) -> Any:
    """A request case through the async client, as ``_run`` sends it."""
    import taskcluster.aio

    if case["kind"] != "request":
        raise ValueError("only request cases go through the async clients")
    ts, nonce = case["ts"], case["nonce"]
    async with getattr(taskcluster.aio, case["class"])(
            _options(case, maxRetries=0), clock=lambda: ts, nonce=lambda: nonce) as client:
        kwargs = {"query": case["query"]} if case.get("query") is not None else {}
        args = list(case["args"])
        if "payload" in case:
            args.append(case["payload"])
        del capture.httpd.captured[:]
        result = await getattr(client, case["method"])(*args, **kwargs)
    (seen,) = capture.httpd.captured
    return dict(seen, result=result)


def _run_all_async(cases: List[Dict[str, Any]], capture: CaptureServer,
                   results: Dict[str, Dict[str, Any]]) -> None:
    import asyncio

    async def main():
        for case in cases:
            try:
                value = await _run_async(case, capture)
            except taskcluster.TaskclusterFailure as e:
                results[case["id"]] = {"error": str(e)}
            else:
                results[case["id"]] = {"ok": json.loads(json.dumps(value, ensure_ascii=False))}
    asyncio.run(main())


def run_python(cases: List[Dict[str, Any]], transport: str = "default") -> Dict[str, Dict[str, Any]]:
    """``{case id: {"ok": ...} | {"error": ...}}`` for the Python client.

    ``transport``: ``"default"`` (the client's own), ``"requests"`` (a
    ``requests.Session`` passed in) or ``"aio"`` (request cases only, through
    the async clients)."""
    import requests

    results: Dict[str, Dict[str, Any]] = {}
    saved = {k: os.environ.pop(k) for k in list(os.environ)
             if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    with CaptureServer() as capture, requests.Session() as session:
        os.environ["HTTP_PROXY"] = os.environ["HTTPS_PROXY"] = capture.proxy
        session.trust_env = False
        session.proxies = {"http": capture.proxy, "https": capture.proxy}
        try:
            if transport == "aio":
                _run_all_async(cases, capture, results)
                cases = []
            for case in cases:
                try:
                    value = _run(case, capture, session if transport == "requests" else None)
                except taskcluster.TaskclusterFailure as e:
                    results[case["id"]] = {"error": str(e)}
                else:
                    # A JSON round trip: the same value types as the oracle's output.
                    results[case["id"]] = {"ok": json.loads(json.dumps(value, ensure_ascii=False))}
                finally:
                    while client_in_use:
                        client_in_use.pop().close()
        finally:
            for k in ("HTTP_PROXY", "HTTPS_PROXY"):
                os.environ.pop(k, None)
            os.environ.update(saved)
    return results
