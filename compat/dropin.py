"""Scenarios on what code written for the package relies on (issue 17):
``createApiClient`` with a mixed document, loose credential dicts, the
types of transfer errors, and the transfer helpers' patch points."""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import warnings

from observe import describe
from scenarios import reply, scenario

# -- createApiClient with functions and exchanges in one document ------------

MIXED = {"reference": {
    "serviceName": "mixed", "title": "Mixed", "description": "Both kinds of entry.",
    "exchangePrefix": "exchange/mixed/v1/",
    "entries": [
        {"type": "function", "name": "hello", "method": "get", "route": "/hello/<who>",
         "args": ["who"], "query": [], "title": "Hello", "description": "Hello",
         "stability": "stable", "category": "x"},
        {"type": "topic-exchange", "exchange": "greeted", "name": "greeted",
         "title": "Greeted", "description": "Someone was greeted.",
         "schema": "v1/greeted.json#", "routingKey": [
             {"name": "routingKeyKind", "constant": "primary", "multipleWords": False,
              "required": True, "summary": "kind"},
             {"name": "who", "multipleWords": False, "required": False, "summary": "who"}]}]}}


@scenario()
def client_createApiClient_mixed(ctx):
    def run():
        client = importlib.import_module("taskcluster.client")
        cls = client.createApiClient("Mixed", json.loads(json.dumps(MIXED)))
        c = cls(ctx.options())
        out = {"apiVersion": getattr(cls, "apiVersion", "<absent>"),
               "classOptions": getattr(cls, "classOptions", "<absent>"),
               "funcinfo": sorted(getattr(cls, "funcinfo", {})),
               "hello": ctx.attempt(lambda: c.hello("you")),
               "buildUrl": ctx.attempt(lambda: c.buildUrl("hello", "me")),
               "greeted": ctx.attempt(lambda: c.greeted(who="me"))}
        # one "/" between the prefix and the exchange, read at each call
        c.options["exchangePrefix"] = "exchange/other/v1"
        out["greeted_other_prefix"] = ctx.attempt(lambda: c.greeted()["exchange"])
        return out
    return ctx.attempt(run)


# -- credentials dicts as test fixtures write them ----------------------------

LOOSE = {"placeholder": {"a": "b"}, "flag": {"task_credentials": True},
         "client_id_only": {"clientId": "only-id"},
         "access_token_only": {"accessToken": "only-token"}}


@scenario()
def opt_loose_credentials(ctx):
    out = {}
    for label, creds in LOOSE.items():
        made = ctx.attempt(lambda creds=creds: ctx.tc.Queue(ctx.options(credentials=creds)))
        out[label] = made
        if "value" in made:
            queue = ctx.tc.Queue(ctx.options(credentials=creds))
            out[label + ".task"] = ctx.attempt(lambda q=queue: q.task("abc"))
    return out


# -- transfer errors ------------------------------------------------------------
# (Downloads only: the package streams an upload's body chunked, which the
# scenarios' loopback server does not read; tests/test_dropin_behaviours.py
# checks an upload's storage error under this library.)

def _catches(exc: BaseException) -> dict:
    """What ``except`` clauses written for the package catch ``exc``, and
    what it answers."""
    import aiohttp
    tc = importlib.import_module("taskcluster")
    return {"aiohttp.ClientResponseError": isinstance(exc, aiohttp.ClientResponseError),
            "TaskclusterFailure": isinstance(exc, tc.TaskclusterFailure),
            "RuntimeError": isinstance(exc, RuntimeError),
            "status": describe(getattr(exc, "status", "<absent>"))}


def _collected(fn):
    """``fn()``, then a garbage collection: what it left unclosed warns here,
    in its own scenario, not in whichever one runs when the collector does."""
    try:
        return fn()
    finally:
        gc.collect()


def _raised(fn) -> dict:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _collected(fn)
        except Exception as exc:  # what is raised is the observation
            out = _catches(exc)
        else:
            out = {"raised": "nothing"}
    if caught:
        out["warnings"] = sorted({w.category.__name__ for w in caught})
    return out


START_DOWNLOAD = reply(200, json={"method": "getUrl", "url": "{url}/storage/o",
                                  "hashes": {}, "expires": "2099-01-01T00:00:00.000Z"})
STORAGE_404 = reply(404, text="NoSuchKey")


@scenario(START_DOWNLOAD, STORAGE_404)
def transfer_sync_download_storage_error(ctx):
    dl = importlib.import_module("taskcluster.download")
    obj = ctx.tc.Object(ctx.options(credentials=ctx.credentials()))
    return _raised(lambda: dl.downloadToBuf(name="o", objectService=obj))


@scenario(START_DOWNLOAD, STORAGE_404)
def transfer_async_download_storage_error(ctx):
    aio = importlib.import_module("taskcluster.aio")
    dl = importlib.import_module("taskcluster.aio.download")

    async def main():
        obj = aio.Object(ctx.options(credentials=ctx.credentials()))
        try:
            await dl.downloadToBuf(name="o", objectService=obj)
        finally:
            session = getattr(obj, "session", None)
            if session is not None:
                await session.close()
    return _raised(lambda: asyncio.run(main()))


@scenario()
def transfer_hashing_reader_wrong_length(ctx):
    up = importlib.import_module("taskcluster.aio.upload")
    rw = importlib.import_module("taskcluster.aio.reader_writer")
    reader = up.HashingReader(rw.BufferReader(b"abc"))
    try:
        reader.hashes(5)
    except Exception as exc:
        return {"catches": _catches(exc), "str": str(exc)}
    return {"raised": "nothing"}


@scenario(reply(200, json={"storageType": "error", "reason": "file-missing-on-worker",
                           "message": "The worker could not find the file"}))
def transfer_error_artifact(ctx):
    dl = importlib.import_module("taskcluster.download")
    queue = ctx.tc.Queue(ctx.options(credentials=ctx.credentials()))
    return ctx.attempt(lambda: _collected(lambda: dl.downloadArtifactToBuf(
        taskId="abc", name="public/x", queueService=queue)))


# -- patch points ---------------------------------------------------------------

OBJECT_ARTIFACT = reply(200, json={"storageType": "object", "name": "obj/one",
                                   "credentials": {"clientId": "from-queue",
                                                   "accessToken": "tmp"}})


class _Built(Exception):
    pass


def _fake_object(options, *args, **kwargs):
    """Stands for ``Object``: says it was built, and with what."""
    raise _Built("fake Object built for %s" % options["credentials"]["clientId"])


def _patched(module, name, value, fn):
    """``fn()`` with ``module.name`` set to ``value`` (monkeypatch.setattr),
    then put back."""
    missing = object()
    saved = module.__dict__.get(name, missing)
    setattr(module, name, value)
    try:
        return fn()
    finally:
        if saved is missing:
            delattr(module, name)
        else:
            setattr(module, name, saved)


@scenario(OBJECT_ARTIFACT)
def patch_aio_download_object(ctx):
    aio = importlib.import_module("taskcluster.aio")
    dl = importlib.import_module("taskcluster.aio.download")

    async def main():
        queue = aio.Queue(ctx.options(credentials=ctx.credentials()))
        try:
            await dl.downloadArtifactToBuf(taskId="abc", name="public/x", queueService=queue)
        finally:
            session = getattr(queue, "session", None)
            if session is not None:
                await session.close()
    return ctx.attempt(lambda: _collected(lambda: _patched(dl, "Object", _fake_object,
                                                           lambda: asyncio.run(main()))))


@scenario(OBJECT_ARTIFACT)
def patch_sync_download_object(ctx):
    dl = importlib.import_module("taskcluster.download")
    queue = ctx.tc.Queue(ctx.options(credentials=ctx.credentials()))
    return ctx.attempt(lambda: _collected(lambda: _patched(dl, "Object", _fake_object, lambda: (
        dl.downloadArtifactToBuf(taskId="abc", name="public/x", queueService=queue)))))
