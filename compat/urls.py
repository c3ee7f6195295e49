"""Scenarios on URLs and routing keys: ``buildUrl``, ``buildSignedUrl``
(the bewit decoded: its MAC and expiry are compared by shape) and the
exchanges' routing-key bindings.  No requests are made."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse

from scenarios import CREDENTIALS, scenario


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
