"""Scenarios on ``createApiClient``, ``taskcluster.retry`` and
``taskcluster.helper`` (whose calls go to the loopback server)."""

from __future__ import annotations

import datetime
import importlib
import json
import os

from observe import describe
from scenarios import reply, scenario


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
