"""Scenarios on values computed without a server (utils, temporary
credentials, signed URLs, routing keys, the retry helper, createApiClient)
and on ``taskcluster.helper``, whose calls go to the loopback server."""

from __future__ import annotations

import base64
import datetime
import importlib
import json
import os
import re
import time
import urllib.parse

from observe import describe
from scenarios import CREDENTIALS, T0, T0_UTC, reply, scenario

SLUG = re.compile(r"^[A-Za-f][A-Za-z0-9_-]{7}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$")


def _utils(ctx):
    return importlib.import_module("taskcluster.utils")


def _each(ctx, fn, cases):
    return {repr(case): ctx.call(fn, *case) for case in cases}


@scenario()
def util_stringDate(ctx):
    tz2 = datetime.timezone(datetime.timedelta(hours=2))
    return _each(ctx, ctx.tc.stringDate, [
        (T0,), (T0_UTC,), (T0.replace(microsecond=0),), (T0.replace(tzinfo=tz2),),
        (datetime.date(2026, 3, 4),)])


@scenario()
def util_dumpJson(ctx):
    return _each(ctx, ctx.tc.dumpJson, [
        ({"b": T0, "a": [T0_UTC, T0.replace(microsecond=0)], "c": b"bytes", "d": "é"},),
        ({"date": datetime.date(2026, 3, 4)},),
        ([1, 2.5, None, True],)])


@scenario()
def util_fromNow(ctx):
    cases = ["1 day", "-2 hours", "3 months", "1 year", "2w", "1d 2h 3m 4s", " 5 minutes",
             "-1 y", "nonsense"]
    return {case: ctx.call(ctx.tc.fromNow, case, T0_UTC) for case in cases}


@scenario()
def util_fromNow_default_now(ctx):
    """Without a reference time: the result's distance from now, and tz."""
    def run():
        value = ctx.tc.fromNow("1 hour")
        now = datetime.datetime.now(value.tzinfo) if value.tzinfo else datetime.datetime.utcnow()
        return {"seconds_ahead": round((value - now).total_seconds() / 60) * 60,
                "aware": value.tzinfo is not None}
    return ctx.attempt(run)


@scenario()
def util_fromNowJSON(ctx):
    def run():
        value = ctx.tc.fromNowJSON("1 day")
        return {"type": type(value).__name__,
                "pattern": re.sub(r"\d", "9", value)}
    return ctx.attempt(run)


@scenario()
def util_slugId(ctx):
    def run():
        ids = [ctx.tc.slugId() for _ in range(50)]
        stable = ctx.tc.stableSlugId()
        return {"type": type(ids[0]).__name__, "length": sorted({len(i) for i in ids}),
                "nice": all(SLUG.match(i) for i in ids), "distinct": len(set(ids)),
                "stable_same": stable("a") == stable("a"), "stable_differs": stable("a") != stable("b")}
    return ctx.attempt(run)


@scenario()
def util_isExpired(ctx):
    now_ms = int(time.time() * 1000)
    cases = {"in an hour": {"expiry": now_ms + 3_600_000},
             "an hour ago": {"expiry": now_ms - 3_600_000},
             "in 10 minutes": {"expiry": now_ms + 600_000},
             "in an hour, as JSON text": json.dumps({"expiry": now_ms + 3_600_000}),
             "no expiry": {}}
    return {label: ctx.call(ctx.tc.isExpired, cert) for label, cert in cases.items()}


@scenario()
def util_toStr(ctx):
    return _each(ctx, ctx.tc.toStr, [(b"bytes",), ("str",), (12,), (None,), ("é".encode(),)])


@scenario()
def util_b64(ctx):
    return {
        "makeB64UrlSafe": _each(ctx, ctx.tc.makeB64UrlSafe, [("a+b/c=",), (b"a+b/c=",)]),
        "makeB64UrlUnsafe": _each(ctx, ctx.tc.makeB64UrlUnsafe, [("a-b_c=",), (b"a-b_c=",)]),
        "encodeStringForB64Header": _each(ctx, ctx.tc.encodeStringForB64Header,
                                          [("x" * 100,), (b"\x00\xff",)]),
    }


@scenario()
def util_scopeMatch(ctx):
    return _each(ctx, ctx.tc.scopeMatch, [
        (["a:*"], [["a:b", "a:c"]]), (["a:b"], [["a:b", "a:c"]]), (["a:b"], [["a:c"], ["a:b"]]),
        ([], [[]]), ([], []), (["*"], [["anything"]]), (["a"], "a"), (["a"], ["a"])])


@scenario()
def util_scope_match_deprecated(ctx):
    return ctx.attempt(lambda: ctx.tc.scope_match(["a:*"], [["a:b"]]))


@scenario()
def util_calculateSleepTime(ctx):
    def run():
        out = {}
        for attempt in (-1, 0, 1, 2, 5, 20):
            values = [ctx.tc.calculateSleepTime(attempt) for _ in range(200)]
            out[str(attempt)] = [round(min(values), 1), round(max(values), 1)]
        return out
    return ctx.attempt(run)


@scenario()
def util_constants(ctx):
    return {n: describe(getattr(ctx.tc, n, "missing"))
            for n in ("MAX_RETRIES", "DELAY_FACTOR", "RANDOMIZATION_FACTOR", "MAX_DELAY")}


# -- temporary credentials ----------------------------------------------------

def _cred_structure(creds):
    """Types, fixed fields and lengths (the seed is random)."""
    out = {"keys": sorted(creds)}
    for key, value in creds.items():
        out[key + ".type"] = type(value).__name__
    out["clientId"] = describe(creds["clientId"])
    token = creds["accessToken"]
    token = token.decode() if isinstance(token, bytes) else token
    out["accessToken.length"] = len(token)
    out["accessToken.urlsafe"] = bool(re.match(r"^[A-Za-z0-9_-]+$", token))
    cert = creds["certificate"]
    cert = json.loads(cert) if isinstance(cert, (str, bytes)) else cert
    out["certificate.keys"] = sorted(cert)
    for key in ("version", "scopes", "start", "expiry", "issuer"):
        out["certificate." + key] = describe(cert.get(key, "<absent>"))
    out["certificate.seed.length"] = len(cert["seed"])
    out["certificate.signature.length"] = len(cert["signature"])
    return out


@scenario()
def cred_temporary_unnamed(ctx):
    return ctx.attempt(lambda: _cred_structure(ctx.tc.createTemporaryCredentials(
        "issuer", "issuer-token", T0_UTC, T0_UTC + datetime.timedelta(hours=1), ["queue:*"])))


@scenario()
def cred_temporary_named(ctx):
    return ctx.attempt(lambda: _cred_structure(ctx.tc.createTemporaryCredentials(
        "issuer", "issuer-token", T0, T0 + datetime.timedelta(days=2), ["a", "b:*"],
        name="my-temp")))


@scenario()
def cred_temporary_refused(ctx):
    mk = ctx.tc.createTemporaryCredentials
    return {"over_31_days": ctx.attempt(lambda: mk("i", "t", T0, T0 + datetime.timedelta(days=32),
                                                   ["a"])),
            "non_str_scope": ctx.attempt(lambda: mk("i", "t", T0, T0 + datetime.timedelta(days=1),
                                                    [1]))}


@scenario()
def cred_temporary_from_client_module(ctx):
    client = importlib.import_module("taskcluster.client")
    return ctx.attempt(lambda: _cred_structure(client.createTemporaryCredentials(
        "issuer", "issuer-token", T0_UTC, T0_UTC + datetime.timedelta(hours=1), ["queue:*"])))


@scenario()
def cred_temporary_used_by_client(ctx):
    """Temporary credentials given to a client: the Hawk ext carries the
    certificate (its random parts are compared by shape by the runner)."""
    def run():
        creds = ctx.tc.createTemporaryCredentials(
            "issuer", "issuer-token", T0_UTC, T0_UTC + datetime.timedelta(hours=1), ["queue:*"])
        return ctx.tc.Queue(ctx.options(credentials=creds)).task("abc")
    return ctx.attempt(run)


# -- signed URLs and routing keys ---------------------------------------------

def _decode_b64(text):
    text = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_"))


def _url_structure(url):
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    out = {"scheme": parts.scheme, "path": parts.path,
           "query": [(k, v) for k, v in query if k != "bewit"]}
    bewits = [v for k, v in query if k == "bewit"]
    if bewits:
        fields = _decode_b64(bewits[0]).decode().split("\\")
        out["bewit.fields"] = len(fields)
        out["bewit.id"] = fields[0]
        out["bewit.expires_in"] = round((int(fields[1]) - time.time()) / 10) * 10
        out["bewit.mac.length"] = len(fields[2])
        ext = fields[3] if len(fields) > 3 else None
        try:
            out["bewit.ext"] = json.loads(_decode_b64(ext)) if ext else ext
        except ValueError:
            out["bewit.ext"] = ext
        out["bewit.padding_stripped"] = not bewits[0].endswith("=")
    return out


@scenario()
def url_buildUrl(ctx):
    q = ctx.tc.Queue({"rootUrl": "https://tc.example.com"})
    return {"task": ctx.attempt(lambda: q.buildUrl("task", "abc")),
            "query": ctx.attempt(lambda: q.buildUrl("listTaskGroup", "g",
                                                   query={"limit": 2})),
            "quoted": ctx.attempt(lambda: q.buildUrl("getLatestArtifact", "a/b", "public/x y")),
            "unknown": ctx.attempt(lambda: q.buildUrl("nope")),
            "legacy_root": ctx.attempt(lambda: ctx.tc.Queue(
                {"rootUrl": "https://taskcluster.net"}).buildUrl("task", "abc"))}


@scenario()
def url_buildSignedUrl(ctx):
    q = ctx.tc.Queue({"rootUrl": "https://tc.example.com", "credentials": dict(CREDENTIALS)})
    return {
        "default": ctx.attempt(lambda: _url_structure(q.buildSignedUrl("getLatestArtifact",
                                                                       "abc", "public/x"))),
        "expiration": ctx.attempt(lambda: _url_structure(q.buildSignedUrl(
            "getLatestArtifact", "abc", "public/x", expiration=60))),
        "with_query": ctx.attempt(lambda: _url_structure(q.buildSignedUrl(
            "listTaskGroup", "g", query={"limit": 2}))),
        "no_credentials": ctx.attempt(lambda: ctx.tc.Queue(
            {"rootUrl": "https://tc.example.com"}).buildSignedUrl("task", "abc")),
    }


@scenario()
def url_buildSignedUrl_authorized_scopes(ctx):
    q = ctx.tc.Queue({"rootUrl": "https://tc.example.com", "credentials": dict(CREDENTIALS),
                      "authorizedScopes": ["queue:get-artifact:*"]})
    return ctx.attempt(lambda: _url_structure(q.buildSignedUrl("getLatestArtifact", "abc",
                                                               "public/x")))


@scenario()
def url_buildSignedUrl_certificate(ctx):
    cert = {"version": 1, "scopes": ["queue:*"], "start": 1772600767000, "expiry": 1772687167000,
            "seed": "s" * 44, "signature": "x" * 44}
    q = ctx.tc.Queue({"rootUrl": "https://tc.example.com",
                      "credentials": dict(CREDENTIALS, certificate=json.dumps(cert))})
    return ctx.attempt(lambda: _url_structure(q.buildSignedUrl("getLatestArtifact", "abc",
                                                               "public/x")))


@scenario()
def exch_routing_keys(ctx):
    e = ctx.tc.QueueEvents({"rootUrl": "https://tc.example.com"})
    return {
        "none": ctx.attempt(lambda: e.taskDefined()),
        "kwargs": ctx.attempt(lambda: e.taskDefined(taskId="abc", runId=0)),
        "dict": ctx.attempt(lambda: e.taskDefined({"taskId": "abc", "routingKeyKind": "primary"})),
        "string": ctx.attempt(lambda: e.taskDefined("primary.#")),
        "multi_word": ctx.attempt(lambda: e.taskDefined(reserved="a.b")),
        "period_in_single_word": ctx.attempt(lambda: e.taskDefined(taskId="a.b")),
        "dict_and_kwargs": ctx.attempt(lambda: e.taskDefined({"taskId": "a"}, runId=1)),
        "not_a_dict": ctx.attempt(lambda: e.taskDefined(5)),
    }


@scenario()
def exch_other_services(ctx):
    root = {"rootUrl": "https://tc.example.com"}
    return {"AuthEvents.clientCreated": ctx.attempt(
                lambda: ctx.tc.AuthEvents(root).clientCreated()),
            "WorkerManagerEvents.workerPoolCreated": ctx.attempt(
                lambda: ctx.tc.WorkerManagerEvents(root).workerPoolCreated()),
            "legacy_root": ctx.attempt(lambda: ctx.tc.QueueEvents(
                {"rootUrl": "https://taskcluster.net"}).taskCompleted(taskId="t"))}


# -- createApiClient ----------------------------------------------------------

REFERENCE = {"reference": {
    "$schema": "/schemas/common/api-reference-v0.json#", "apiVersion": "v1",
    "serviceName": "fake", "title": "Fake", "description": "A made-up service.",
    "entries": [
        {"type": "function", "name": "ping", "method": "get", "route": "/ping", "args": [],
         "query": [], "title": "Ping", "description": "Ping", "stability": "stable",
         "category": "Ping"},
        {"type": "function", "name": "thing", "method": "put", "route": "/thing/<thingId>",
         "args": ["thingId"], "query": ["dry"], "input": "v1/thing.json#", "title": "Thing",
         "description": "Thing", "stability": "experimental", "category": "Things",
         "scopes": "fake:thing:<thingId>"}]}}


EXCHANGES = {"reference": {
    "$schema": "/schemas/common/exchanges-reference-v0.json#", "apiVersion": "v1",
    "serviceName": "fake", "title": "Fake events", "description": "Made-up exchanges.",
    "exchangePrefix": "exchange/fake/v1/",
    "entries": [{"type": "topic-exchange", "exchange": "thing-made", "name": "thingMade",
                 "title": "Thing made", "description": "A thing was made.",
                 "schema": "v1/thing-message.json#", "routingKey": [
                     {"name": "routingKeyKind", "constant": "primary", "multipleWords": False,
                      "required": True, "summary": "kind"},
                     {"name": "thingId", "multipleWords": False, "required": True,
                      "summary": "id"},
                     {"name": "reserved", "multipleWords": True, "required": False,
                      "summary": "reserved"}]}]}}


@scenario()
def client_createApiClient_exchanges(ctx):
    def run():
        client = importlib.import_module("taskcluster.client")
        cls = client.createApiClient("FakeEvents", json.loads(json.dumps(EXCHANGES)))
        e = cls({"rootUrl": "https://tc.example.com"})
        return {"classOptions": getattr(cls, "classOptions", "<absent>"),
                "thingMade": e.thingMade(thingId="t1"), "none": e.thingMade()}
    return ctx.attempt(run)


@scenario()
def client_createApiClient(ctx):
    def run():
        client = importlib.import_module("taskcluster.client")
        cls = client.createApiClient("Fake", json.loads(json.dumps(REFERENCE)))
        c = cls(ctx.options())
        return {"class": cls.__name__, "serviceName": getattr(cls, "serviceName", "<absent>"),
                "apiVersion": getattr(cls, "apiVersion", "<absent>"),
                "funcinfo": sorted(getattr(cls, "funcinfo", {})),
                "ping": c.ping(),
                "thing": c.thing("t1", {"size": 2}),
                "buildUrl": c.buildUrl("ping")}
    return ctx.attempt(run)


# -- taskcluster.retry --------------------------------------------------------

@scenario()
def retry_retry(ctx):
    def run():
        retry = importlib.import_module("taskcluster.retry").retry
        calls = []

        def flaky(retry_for):
            calls.append(1)
            if len(calls) < 3:
                retry_for(ValueError("try again"))
            return "done after %d" % len(calls)
        result = retry(2, flaky)
        calls2 = []

        def never(retry_for):
            calls2.append(1)
            retry_for(KeyError("always"))
        try:
            retry(1, never)
            exhausted = "returned"
        except Exception as exc:
            exhausted = {"class": type(exc).__name__, "calls": len(calls2)}
        return {"result": result, "exhausted": exhausted}
    return ctx.attempt(run)


# -- taskcluster.helper -------------------------------------------------------

def _env(changes):
    saved = {k: os.environ.get(k) for k in changes}
    for k, v in changes.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    return saved


@scenario()
def helper_config_auth(ctx):
    def run():
        helper = importlib.import_module("taskcluster.helper")
        cfg = helper.TaskclusterConfig(ctx.url)
        out = {"default_url": cfg.default_url, "options_before": describe(cfg.options)}
        cfg.auth("cid", "tok")
        out["options_direct"] = describe(cfg.options)
        saved = _env({"TASK_ID": "t", "TASKCLUSTER_PROXY_URL": ctx.url + "/proxy",
                      "TASKCLUSTER_CLIENT_ID": None, "TASKCLUSTER_ACCESS_TOKEN": None})
        try:
            cfg.auth()
            out["options_proxy"] = describe(cfg.options)
        finally:
            _env(saved)
        cfg.auth()
        out["options_anonymous"] = describe(cfg.options)
        service = cfg.get_service("queue")
        out["get_service"] = {"type": describe(service)["type"],
                              "rootUrl": service.options["rootUrl"],
                              "maxRetries": service.options["maxRetries"]}
        return out
    return ctx.attempt(run)


@scenario(reply(200, json={"secret": {"a": {"x": 1}, "b": {"y": 2}, "z": 3},
                           "expires": "2030-01-01T00:00:00.000Z"}))
def helper_load_secrets(ctx):
    def run():
        helper = importlib.import_module("taskcluster.helper")
        cfg = helper.TaskclusterConfig(ctx.url)
        cfg.auth("cid", "tok")
        out = {"remote": cfg.load_secrets("project/x", prefixes=["a", "b"], required=["x"]),
               "local": helper.load_secrets(None, "ignored", local_secrets={"q": 1},
                                            existing={"e": 0})}
        try:
            helper.load_secrets(None, None, required=["missing"], local_secrets={})
        except Exception as exc:
            out["missing_required"] = type(exc).__name__
        return out
    return ctx.attempt(run)


@scenario(reply(200, json={"storageType": "s3", "putUrl": "{url}/storage/log.txt",
                           "contentType": "text/plain", "expires": "2030-01-01T00:00:00.000Z"}),
          reply(200))
def helper_upload_artifact(ctx):
    def run():
        helper = importlib.import_module("taskcluster.helper")
        saved = _env({"TASK_ID": "tid", "RUN_ID": "0", "TASKCLUSTER_PROXY_URL": ctx.url})
        try:
            cfg = helper.TaskclusterConfig(ctx.url)
            cfg.auth("cid", "tok")
            return cfg.upload_artifact("public/log.txt", "hello", "text/plain",
                                       datetime.timedelta(days=1))
        finally:
            _env(saved)
    return ctx.attempt(run)
