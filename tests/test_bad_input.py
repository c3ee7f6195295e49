"""Bad input is refused before any byte is sent.

Each case below is one distinct bad input.  Each must raise a
``TaskclusterFailure`` whose ``method`` and ``argument`` name what was wrong
(and whose message says so), while the loopback server saw no request and
no connection, and the process holds no socket to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pytest
from wire import client_sockets

import taskcluster
from taskcluster import TaskclusterFailure

CREDS = {"clientId": "tester", "accessToken": "no-secret"}
START = dt.datetime(2026, 1, 1)


@dataclass
class Ctx:
    """What a case may use: clients for the loopback server."""
    url: str
    made: list

    def make(self, class_name: str = "Queue", **options) -> Any:
        opts: dict = {"rootUrl": self.url, "credentials": CREDS}
        opts.update(options)
        client = getattr(taskcluster, class_name)(opts, sleep=lambda s: None)
        self.made.append(client)
        return client

    @property
    def queue(self):
        return self.make()

    def creds(self, **credentials) -> Any:
        return self.make(credentials=credentials)


@dataclass
class Case:
    id: str
    method: str                # what the error must name (exc.method, and the message)
    argument: Optional[str]    # exc.argument; also in the message when given
    call: Callable[[Ctx], Any]
    mentions: str = ""         # a further text the message must hold
    names_argument: bool = True  # False: the message says it in other words


def circular() -> dict:
    d: dict = {}
    d["self"] = d
    return d


def deep(n: int = 100_000) -> list:
    value: list = []
    for _ in range(n):
        value = [value]
    return value


T, GA, CT, LTG = "Queue.task", "Queue.getArtifact", "Queue.createTask", "Queue.listTaskGroup"
TEMP = "createTemporaryCredentials"
BU, BSU = "Queue.buildUrl", "Queue.buildSignedUrl"


def temp(*args, **kwargs):
    return lambda c: taskcluster.createTemporaryCredentials(*args, **kwargs)


CASES = [
    # -- route arguments: number ---------------------------------------------------
    Case("no-route-argument", T, "taskId", lambda c: c.queue.task()),
    Case("missing-later-route-argument", GA, "name", lambda c: c.queue.getArtifact("t", 0)),
    Case("too-many-positionals", GA, None,
         lambda c: c.queue.getArtifact("t", 0, "n", "x", "y"), "getArtifact(taskId, runId, name)"),
    Case("extra-positional-is-a-second-route-argument", T, None,
         lambda c: c.queue.task("a", "b"), "takes 1 route argument (taskId) and no payload"),
    # -- route arguments: type -------------------------------------------------------
    Case("route-bool", T, "taskId", lambda c: c.queue.task(True)),
    Case("route-none", T, "taskId", lambda c: c.queue.task(None)),
    Case("route-float", T, "taskId", lambda c: c.queue.task(1.5)),
    Case("route-nan", T, "taskId", lambda c: c.queue.task(float("nan"))),
    Case("route-list", T, "taskId", lambda c: c.queue.task(["a"])),
    Case("route-tuple", T, "taskId", lambda c: c.queue.task(("a",))),
    Case("route-dict", T, "taskId", lambda c: c.queue.task({"a": 1})),
    Case("route-bytes", T, "taskId", lambda c: c.queue.task(b"abc")),
    Case("route-bytearray", T, "taskId", lambda c: c.queue.task(bytearray(b"abc"))),
    Case("route-object", T, "taskId", lambda c: c.queue.task(object())),
    Case("route-keyword-none", GA, "runId", lambda c: c.queue.getArtifact("t", runId=None, name="n")),
    Case("route-params-float", GA, "runId",
         lambda c: c.queue.getArtifact("t", 0, "n", params={"runId": 1.5})),
    Case("route-lone-surrogate", T, "taskId", lambda c: c.queue.task("\ud800")),
    Case("route-dot-dot", T, "taskId", lambda c: c.queue.task("..")),
    Case("route-dot", GA, "runId", lambda c: c.queue.getArtifact("t", ".", "n")),
    # -- keywords ----------------------------------------------------------------------
    Case("unknown-keyword", T, "bogus", lambda c: c.queue.task("a", bogus=1)),
    Case("query-key-as-keyword", LTG, "limit", lambda c: c.queue.listTaskGroup("g", limit=5)),
    Case("params-not-a-dict", T, "params", lambda c: c.queue.task(params=["a"])),
    Case("params-unknown-name", T, "nope", lambda c: c.queue.task(params={"nope": "x"})),
    Case("payload-twice", CT, "payload", lambda c: c.queue.createTask("a", {}, payload={})),
    # -- query -----------------------------------------------------------------------------
    Case("unknown-query-key", LTG, "bogus", lambda c: c.queue.listTaskGroup("g", query={"bogus": 1})),
    Case("query-on-method-without-query", T, "limit",
         lambda c: c.queue.task("a", query={"limit": 1})),
    Case("query-not-a-dict", LTG, "query",
         lambda c: c.queue.listTaskGroup("g", query=[("limit", 1)])),
    Case("query-float", LTG, "limit", lambda c: c.queue.listTaskGroup("g", query={"limit": 1.5})),
    Case("query-nan", LTG, "limit",
         lambda c: c.queue.listTaskGroup("g", query={"limit": float("nan")})),
    Case("query-dict", LTG, "limit", lambda c: c.queue.listTaskGroup("g", query={"limit": {}})),
    Case("query-bytes", LTG, "continuationToken",
         lambda c: c.queue.listTaskGroup("g", query={"continuationToken": b"x"})),
    Case("query-object", LTG, "limit",
         lambda c: c.queue.listTaskGroup("g", query={"limit": object()})),
    Case("query-nested-list", LTG, "limit",
         lambda c: c.queue.listTaskGroup("g", query={"limit": [1, [2]]})),
    Case("query-set", LTG, "limit", lambda c: c.queue.listTaskGroup("g", query={"limit": {1}})),
    Case("query-lone-surrogate", LTG, "query",
         lambda c: c.queue.listTaskGroup("g", query={"continuationToken": "\udfff"})),
    # -- pagination --------------------------------------------------------------------
    Case("pagination-limit-zero", LTG, "paginationLimit",
         lambda c: c.queue.listTaskGroup("g", paginationHandler=print, paginationLimit=0)),
    Case("pagination-limit-bool", LTG, "paginationLimit",
         lambda c: c.queue.listTaskGroup("g", paginationHandler=print, paginationLimit=True)),
    Case("pagination-handler-not-callable", LTG, "paginationHandler",
         lambda c: c.queue.listTaskGroup("g", paginationHandler=42)),
    Case("pagination-handler-on-unpaginated-method", T, "paginationHandler",
         lambda c: c.queue.task("a", paginationHandler=print)),
    # -- payload -----------------------------------------------------------------------------
    Case("missing-payload", CT, "payload", lambda c: c.queue.createTask("a")),
    Case("unexpected-payload", T, "payload", lambda c: c.queue.task("a", {"x": 1})),
    Case("unexpected-payload-keyword", T, "payload", lambda c: c.queue.task("a", payload={})),
    Case("payload-nan", CT, "payload", lambda c: c.queue.createTask("a", {"x": float("nan")})),
    Case("payload-inf", CT, "payload", lambda c: c.queue.createTask("a", {"x": float("inf")})),
    Case("payload-minus-inf", CT, "payload", lambda c: c.queue.createTask("a", [-float("inf")])),
    Case("payload-set", CT, "payload", lambda c: c.queue.createTask("a", {"x": {1, 2}})),
    Case("payload-object", CT, "payload", lambda c: c.queue.createTask("a", {"x": object()})),
    Case("payload-bytes-not-utf8", CT, "payload",
         lambda c: c.queue.createTask("a", {"x": b"\xff"})),
    Case("payload-tuple-key", CT, "payload", lambda c: c.queue.createTask("a", {(1, 2): "x"})),
    Case("payload-lone-surrogate", CT, "payload",
         lambda c: c.queue.createTask("a", {"x": "\ud800"})),
    Case("payload-circular", CT, "payload", lambda c: c.queue.createTask("a", circular())),
    Case("payload-too-deep", CT, "payload", lambda c: c.queue.createTask("a", deep())),
    # -- options -------------------------------------------------------------------------
    Case("options-not-a-dict", "Queue", "options",
         lambda c: taskcluster.Queue("https://tc.example.com")),
    Case("unknown-option", "Queue", "retries", lambda c: c.make(retries=3)),
    Case("base-url", "Queue", "baseUrl", lambda c: c.make(baseUrl="https://x/api")),
    Case("root-url-ftp", "Queue", "rootUrl", lambda c: c.make(rootUrl="ftp://tc.example.com")),
    Case("root-url-no-scheme", "Queue", "rootUrl", lambda c: c.make(rootUrl="tc.example.com")),
    Case("root-url-empty", "Queue", "rootUrl", lambda c: c.make(rootUrl="")),
    Case("root-url-space", "Queue", "rootUrl", lambda c: c.make(rootUrl="https://tc example.com")),
    Case("root-url-no-host", "Queue", "rootUrl", lambda c: c.make(rootUrl="https://")),
    Case("root-url-with-query", "Queue", "rootUrl", lambda c: c.make(rootUrl="https://x/?a=b")),
    Case("root-url-not-a-str", "Queue", "rootUrl", lambda c: c.make(rootUrl=42)),
    Case("root-url-trailing-newline", "Queue", "rootUrl", lambda c: c.make(rootUrl=c.url + "\n")),
    Case("root-url-slash-newline", "Queue", "rootUrl", lambda c: c.make(rootUrl=c.url + "/\n")),
    Case("max-retries-negative", "Queue", "maxRetries", lambda c: c.make(maxRetries=-1)),
    Case("max-retries-fraction", "Queue", "maxRetries", lambda c: c.make(maxRetries=1.5)),
    Case("max-retries-bool", "Queue", "maxRetries", lambda c: c.make(maxRetries=True)),
    Case("timeout-zero", "Queue", "timeout", lambda c: c.make(timeout=0)),
    Case("timeout-str", "Queue", "timeout", lambda c: c.make(timeout="soon")),
    Case("delay-factor-nan", "Queue", "delayFactor", lambda c: c.make(delayFactor=float("nan"))),
    Case("randomization-factor-one", "Queue", "randomizationFactor",
         lambda c: c.make(randomizationFactor=1)),
    Case("max-delay-negative", "Queue", "maxDelay", lambda c: c.make(maxDelay=-1)),
    Case("signed-url-expiration-zero", "Queue", "signedUrlExpiration",
         lambda c: c.make(signedUrlExpiration=0)),
    Case("no-root-url", T, "rootUrl", lambda c: c.make(rootUrl=None).task("a")),
    # -- credentials -----------------------------------------------------------------------
    Case("credentials-a-str", "Queue", "credentials", lambda c: c.make(credentials="id:token")),
    # (half credentials and other keys are accepted, as the package accepts
    # them: test_dropin_behaviours.py)
    Case("client-id-quote", "Queue", "clientId", lambda c: c.creds(clientId='a"b', accessToken="t")),
    Case("client-id-backslash", "Queue", "clientId",
         lambda c: c.creds(clientId="a\\b", accessToken="t")),
    Case("client-id-newline", "Queue", "clientId",
         lambda c: c.creds(clientId="a\nb", accessToken="t")),
    Case("client-id-non-ascii", "Queue", "clientId",
         lambda c: c.creds(clientId="clïent", accessToken="t")),
    Case("client-id-int", "Queue", "clientId", lambda c: c.creds(clientId=42, accessToken="t")),
    Case("client-id-trailing-newline", "Queue", "clientId",
         lambda c: c.creds(clientId="a\n", accessToken="t")),
    Case("token-trailing-newline", "Queue", "accessToken",
         lambda c: c.creds(clientId="a", accessToken="t\n")),
    Case("token-quote", "Queue", "accessToken", lambda c: c.creds(clientId="a", accessToken='t"')),
    Case("token-crlf", "Queue", "accessToken",
         lambda c: c.creds(clientId="a", accessToken="t\r\nX-Evil: 1")),
    Case("token-non-ascii", "Queue", "accessToken",
         lambda c: c.creds(clientId="a", accessToken="tökén")),
    Case("certificate-malformed", "Queue", "certificate",
         lambda c: c.creds(clientId="a", accessToken="t", certificate='{"version": 1,')),
    Case("certificate-json-list", "Queue", "certificate",
         lambda c: c.creds(clientId="a", accessToken="t", certificate="[1, 2]")),
    Case("certificate-int", "Queue", "certificate",
         lambda c: c.creds(clientId="a", accessToken="t", certificate=42)),
    Case("certificate-list", "Queue", "certificate",
         lambda c: c.creds(clientId="a", accessToken="t", certificate=["x"])),
    Case("authorized-scopes-str", "Queue", "authorizedScopes",
         lambda c: c.make(authorizedScopes="queue:*")),
    Case("authorized-scopes-int", "Queue", "authorizedScopes",
         lambda c: c.make(authorizedScopes=["a", 1])),
    Case("authorized-scopes-none-item", "Queue", "authorizedScopes",
         lambda c: c.make(authorizedScopes=[None])),
    Case("authorized-scopes-dict", "Queue", "authorizedScopes",
         lambda c: c.make(authorizedScopes={"queue:*": True})),
    # -- buildUrl, buildSignedUrl, pages -----------------------------------------------
    Case("expiration-zero", BSU, "expiration", lambda c: c.queue.buildSignedUrl("task", "a", expiration=0)),
    Case("expiration-negative", BSU, "expiration",
         lambda c: c.queue.buildSignedUrl("task", "a", expiration=-1)),
    Case("expiration-str", BSU, "expiration",
         lambda c: c.queue.buildSignedUrl("task", "a", expiration="soon")),
    Case("expiration-bool", BSU, "expiration",
         lambda c: c.queue.buildSignedUrl("task", "a", expiration=True)),
    Case("expiration-fraction", BSU, "expiration",
         lambda c: c.queue.buildSignedUrl("task", "a", expiration=1.5)),
    Case("expiration-inf", BSU, "expiration",
         lambda c: c.queue.buildSignedUrl("task", "a", expiration=float("inf"))),
    Case("expiration-nan", BSU, "expiration",
         lambda c: c.queue.buildSignedUrl("task", "a", expiration=float("nan"))),
    Case("signed-url-for-a-put", BSU, "methodName",
         lambda c: c.queue.buildSignedUrl("createTask", "a")),
    Case("signed-url-without-credentials", BSU, "credentials",
         lambda c: c.make(credentials=None).buildSignedUrl("task", "a")),
    Case("signed-url-unknown-method", "Queue.buildSignedUrl", "methodName",
         lambda c: c.queue.buildSignedUrl("nope")),
    Case("build-url-unknown-method", "Queue.buildUrl", "methodName",
         lambda c: c.queue.buildUrl("nope")),
    Case("build-url-method-not-a-str", "Queue.buildUrl", "methodName",
         lambda c: c.queue.buildUrl(42)),
    Case("build-url-bad-route", BU, "taskId", lambda c: c.queue.buildUrl("task", None)),
    Case("pages-of-unpaginated-method", T, "methodName", lambda c: c.queue.pages("task", "a")),
    # -- temporary credentials ----------------------------------------------------------
    Case("temp-span-over-31-days", TEMP, "expiry",
         temp("issuer", "token", START, START + dt.timedelta(days=31, milliseconds=1), ["a"])),
    Case("temp-name-is-issuer", TEMP, "name",
         temp("issuer", "token", START, START + dt.timedelta(hours=1), ["a"], "issuer")),
    Case("temp-scopes-str", TEMP, "scopes",
         temp("issuer", "token", START, START + dt.timedelta(hours=1), "a")),
    Case("temp-scopes-int", TEMP, "scopes",
         temp("issuer", "token", START, START + dt.timedelta(hours=1), [1])),
    Case("temp-start-str", TEMP, "start",
         temp("issuer", "token", "now", START + dt.timedelta(hours=1), ["a"])),
    Case("temp-no-issuer-token", TEMP, "accessToken",
         temp("issuer", "", START, START + dt.timedelta(hours=1), ["a"])),
    Case("temp-no-issuer", TEMP, "clientId",
         temp(None, "token", START, START + dt.timedelta(hours=1), ["a"])),
    Case("temp-from-temp", TEMP, "certificate",
         temp("issuer", "token", START, START + dt.timedelta(hours=1), ["a"],
              certificate='{"version": 1}'), "temporary credentials cannot be used", False),
    Case("temp-name-int", TEMP, "name",
         temp("issuer", "token", START, START + dt.timedelta(hours=1), ["a"], 7)),
]


def test_there_are_at_least_forty_distinct_bad_inputs():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40


@pytest.fixture
def ctx(server):
    c = Ctx(server.url, [])
    yield c
    for client in c.made:
        client.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_before_anything_is_sent(server, ctx, case):
    with pytest.raises(TaskclusterFailure) as info:
        case.call(ctx)
    e = info.value
    assert isinstance(e, ValueError)     # TaskclusterInputError, a ValueError too
    assert (e.method, e.argument) == (case.method, case.argument), e.message
    assert e.message.startswith(case.method + ": "), e.message
    if case.argument and case.names_argument:
        assert case.argument in e.message
    assert case.mentions in e.message
    assert e.__cause__ is None
    assert server.requests == []
    assert client_sockets(server.port) == []
    assert server.connections == 0


@pytest.mark.parametrize("credentials", [
    None, {}, {"clientId": None, "accessToken": None},
    {"clientId": "", "accessToken": ""}, {"clientId": None, "accessToken": None,
                                         "certificate": None}],
    ids=["none", "empty", "nones", "empty-strings", "nones-with-certificate"])
def test_no_credentials_at_all_is_a_valid_anonymous_client(server, credentials):
    options = {"rootUrl": server.url}
    if credentials is not None:
        options["credentials"] = credentials
    with taskcluster.Queue(options) as queue:
        assert queue.task("abc") == {"method": "GET", "target": "/api/queue/v1/task/abc"}
        assert queue.buildUrl("task", "abc") == server.url + "/api/queue/v1/task/abc"
    assert "authorization" not in server.requests[0].headers


def test_after_a_refusal_the_same_client_still_works(server, ctx):
    queue = ctx.queue
    with pytest.raises(TaskclusterFailure):
        queue.createTask("a", {"x": float("nan")})
    assert queue.createTask("a", {"x": 1.0}) == {"method": "PUT",
                                                  "target": "/api/queue/v1/task/a"}
    assert [r.body for r in server.requests] == [b'{"x":1.0}']
