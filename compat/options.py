"""Scenarios on options and config: ``client.options`` as a dict,
``taskcluster.client.config`` as the defaults of clients made afterwards,
the environment, and a session passed in."""

from __future__ import annotations

import importlib

from observe import describe
from scenarios import CREDENTIALS, reply, scenario


def _queue(ctx, **options):
    return ctx.tc.Queue(ctx.options(**options))


@scenario()
def opt_options_dict(ctx):
    q = ctx.tc.Queue({"rootUrl": ctx.url, "credentials": ctx.credentials()})
    o = q.options
    return {"isinstance_dict": isinstance(o, dict),
            "keys": sorted(o) if hasattr(o, "keys") else "no keys",
            "rootUrl": ctx.attempt(lambda: o["rootUrl"]),
            "maxRetries": ctx.attempt(lambda: o["maxRetries"]),
            "signedUrlExpiration": ctx.attempt(lambda: o["signedUrlExpiration"]),
            "credentials.clientId": ctx.attempt(lambda: o["credentials"]["clientId"]),
            "get_missing": ctx.attempt(lambda: o.get("nothing", "dflt"))}


@scenario(*[reply(500, text="no")] * 3)
def opt_change_max_retries(ctx):
    q = _queue(ctx)
    return {"set": ctx.attempt(lambda: q.options.__setitem__("maxRetries", 0)),
            "call": ctx.attempt(lambda: q.task("abc"))}


@scenario()
def opt_change_credentials(ctx):
    q = _queue(ctx)
    return {"set": ctx.attempt(lambda: q.options.__setitem__("credentials", ctx.credentials())),
            "call": ctx.attempt(lambda: q.task("abc"))}


def _with_config(ctx, changes, fn):
    """Run ``fn`` with ``taskcluster.client.config`` changed, then restore it."""
    config = importlib.import_module("taskcluster.client").config
    saved = {k: config[k] for k in changes if k in config}
    try:
        config.update(changes)
        return fn()
    finally:
        for k in changes:
            if k in saved:
                config[k] = saved[k]
            else:
                del config[k]


@scenario(*[reply(500, text="no")] * 3)
def opt_config_max_retries(ctx):
    return _with_config(ctx, {"maxRetries": 0}, lambda: ctx.attempt(
        lambda: ctx.tc.Queue({"rootUrl": ctx.url}).task("abc")))


@scenario()
def opt_config_root_url_and_credentials(ctx):
    return _with_config(ctx, {"rootUrl": ctx.url, "credentials": dict(CREDENTIALS)},
                        lambda: ctx.attempt(lambda: ctx.tc.Queue().task("abc")))


@scenario()
def opt_config_defaults(ctx):
    config = importlib.import_module("taskcluster.client").config
    return describe(config)


@scenario()
def opt_missing_root_url(ctx):
    return ctx.attempt(lambda: ctx.tc.Queue({}))


@scenario()
def opt_base_url_refused(ctx):
    return ctx.attempt(lambda: ctx.tc.Queue({"rootUrl": ctx.url, "baseUrl": ctx.url}))


@scenario()
def opt_root_url_trailing_slash(ctx):
    return ctx.attempt(lambda: ctx.tc.Queue({"rootUrl": ctx.url + "/"}).task("abc"))


@scenario()
def opt_from_environment(ctx):
    import os
    env = {"TASKCLUSTER_ROOT_URL": ctx.url + "/", "TASKCLUSTER_CLIENT_ID": "env-client",
           "TASKCLUSTER_ACCESS_TOKEN": "env-token"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return {"no_defaults": ctx.attempt(lambda: ctx.tc.optionsFromEnvironment()),
                "defaults": ctx.attempt(lambda: ctx.tc.optionsFromEnvironment(
                    {"maxRetries": 2, "rootUrl": "https://other.example.com"}))}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@scenario()
def opt_session(ctx):
    """A session passed in carries the call (its hooks see it)."""
    seen = []

    def run():
        session = ctx.tc.createSession()
        session.hooks["response"].append(lambda r, *a, **k: seen.append(r.status_code))
        return {"session_type": describe(session),
                "result": ctx.tc.Queue(ctx.options(), session=session).task("abc"),
                "hooks_saw": seen}
    return ctx.attempt(run)


@scenario()
def opt_client_session_attribute(ctx):
    return ctx.attempt(lambda: _queue(ctx).session)


@scenario()
def opt_caller_dicts_after_construction(ctx):
    """What the caller's own options dict holds once a client is made."""
    options = ctx.options(credentials=ctx.credentials())
    ctx.tc.Queue(options)
    return describe(options)
